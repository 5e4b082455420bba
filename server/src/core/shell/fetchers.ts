import { scpLikeHost } from '../network';
import type { CommandShape } from './command-pattern';
import type { Invocation } from './invocations';

/** What a command would connect to: URLs/hosts it names, or why they cannot be known. */
export interface NetworkTargets {
  targets: string[];
  unresolved: string[];
}

// Options of curl and wget that take a value which is not a URL.
const CURL_VALUED = new Set(['-o', '-H', '-d', '-X', '-u', '-A', '-e', '-T', '-b', '-c', '-F', '-m', '-w', '-x', '-K', '-r', '-E', '-Y', '-y', '-z', '--output', '--header', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--request', '--user', '--user-agent', '--referer', '--upload-file', '--cookie', '--cookie-jar', '--form', '--max-time', '--write-out', '--proxy', '--config', '--range', '--cert', '--connect-timeout', '--retry', '--resolve', '--connect-to', '--output-dir', '--cacert', '--key']);
const WGET_VALUED = new Set(['-O', '-o', '-a', '-P', '-U', '-t', '-T', '-w', '-e', '-i', '--output-document', '--output-file', '--directory-prefix', '--user-agent', '--tries', '--timeout', '--wait', '--header', '--post-data', '--user', '--password', '--execute', '--input-file']);
const GIT_REMOTE_SUBCOMMANDS = new Set(['clone', 'fetch', 'pull', 'push', 'ls-remote', 'remote', 'submodule']);
const HOST_PROGRAMS = new Set(['ssh', 'scp', 'sftp', 'rsync', 'nc', 'ncat', 'netcat', 'telnet', 'ftp']);

function positionalValues(inv: Invocation, valued: Set<string>): { values: string[]; dynamic: string[] } {
  const values: string[] = [];
  const dynamic: string[] = [];
  for (let i = 0; i < inv.args.length; i++) {
    const word = inv.args[i];
    if (!word) continue;
    if (word.value === undefined) {
      dynamic.push(word.dynamic ?? word.text);
      continue;
    }
    if (word.value.startsWith('--url=')) values.push(word.value.slice(6));
    else if (word.value === '--url') {
      const next = inv.args[++i];
      if (next?.value !== undefined) values.push(next.value);
      else if (next) dynamic.push(next.dynamic ?? next.text);
    } else if (word.value.startsWith('-')) {
      if (valued.has(word.value)) i++;
    } else values.push(word.value);
  }
  return { values, dynamic };
}

export function networkTargets(inv: Invocation, shape: CommandShape): NetworkTargets {
  const program = inv.program;
  const out: NetworkTargets = { targets: [], unresolved: [] };
  if (program === 'curl' || program === 'wget' || program === 'http' || program === 'https' || program === 'xh') {
    const { values, dynamic } = positionalValues(inv, program === 'wget' ? WGET_VALUED : CURL_VALUED);
    if (program === 'curl' || program === 'wget') out.targets.push(...values);
    else {
      // HTTPie: an optional METHOD, then the URL, then request items.
      const url = values.find((v) => !/^[A-Z]+$/.test(v));
      if (url !== undefined) out.targets.push(url);
    }
    out.unresolved.push(...dynamic.map((d) => `${program} fetches ${d}, which cannot be resolved statically`));
  } else if (program === 'git' && GIT_REMOTE_SUBCOMMANDS.has(shape.positionals[0] ?? '')) {
    for (const value of shape.positionals.slice(1)) {
      if (value === undefined) continue;
      if (/^[a-z+]+:\/\//i.test(value)) out.targets.push(value);
      else {
        const host = scpLikeHost(value);
        if (host) out.targets.push(host);
      }
    }
  } else if (program !== undefined && HOST_PROGRAMS.has(program)) {
    for (const value of shape.positionals) {
      if (value === undefined) continue;
      if (/^[a-z+]+:\/\//i.test(value)) out.targets.push(value);
      else {
        const host = scpLikeHost(value) ?? (/^(?:[^@\s]+@)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$/.exec(value)?.[1]);
        if (host) out.targets.push(host);
      }
    }
  }
  return out;
}
