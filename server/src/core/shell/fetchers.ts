import { scpLikeHost } from '../network';
import type { CommandShape } from './command-pattern';
import type { Invocation } from './invocations';
import type { Word } from './words';
import { resolveLongOption } from './flags';
import { ownEntry } from '../own-entry';

/** What a command would connect to, send and save: URLs/hosts it names, files it uploads, files it writes by their remote name, or why these cannot be known. */
export interface NetworkTargets {
  targets: string[];
  /** Files whose content the command sends (`curl -d @file`, `curl -F f=@file`, `wget --post-file`). */
  sends: string[];
  /** Files the command writes under a name it takes from the URL (`wget URL`, `curl -O URL`). */
  saves: string[];
  unresolved: string[];
}

/**
 * What an option of curl or wget takes (reviewed data, one table per program): a plain value; an
 * endpoint it connects to (a proxy, a DNS-over-HTTPS server); a `HOST1:PORT1:HOST2:PORT2` or
 * `HOST:PORT:ADDR` that redirects the connection; data that is a file when it starts with `@`; a
 * form field (`name=@file`, `name=<file`); `--data-urlencode`'s `name@file`; a file it uploads; a
 * file it reads further URLs, options or commands from.
 */
type FetchValue = 'value' | 'endpoint' | 'connect-to' | 'resolve' | 'data' | 'form' | 'urlencode' | 'upload' | 'hidden';

const CURL: Record<string, FetchValue> = {
  ...Object.fromEntries(['-o', '-X', '-u', '-A', '-e', '-b', '-c', '-m', '-w', '-r', '-E', '-Y', '-y', '-z', '-C', '-D', '-P', '-Q', '-t', '-U', '--output', '--request', '--user', '--user-agent', '--referer', '--cookie', '--cookie-jar', '--max-time', '--write-out', '--range', '--cert', '--connect-timeout', '--retry', '--output-dir', '--cacert', '--key', '--data-raw', '--form-string', '--dump-header', '--proxy-user', '--trace', '--trace-ascii', '--stderr', '--limit-rate', '--max-filesize', '--interface', '--netrc-file', '--expand-data', '--expand-header', '--expand-json', '--expand-output'].map((o) => [o, 'value' as const])),
  '--url': 'endpoint', '--expand-url': 'endpoint', '-x': 'endpoint', '--proxy': 'endpoint', '--preproxy': 'endpoint', '--proxy1.0': 'endpoint', '--socks4': 'endpoint', '--socks4a': 'endpoint', '--socks5': 'endpoint', '--socks5-hostname': 'endpoint', '--doh-url': 'endpoint',
  '--connect-to': 'connect-to', '--resolve': 'resolve',
  '-d': 'data', '--data': 'data', '--data-binary': 'data', '--data-ascii': 'data', '--json': 'data', '-H': 'data', '--header': 'data', '--proxy-header': 'data',
  '-F': 'form', '--form': 'form', '--data-urlencode': 'urlencode', '--variable': 'urlencode',
  '-T': 'upload', '--upload-file': 'upload',
  '-K': 'hidden', '--config': 'hidden',
};

const WGET: Record<string, FetchValue> = {
  ...Object.fromEntries(['-O', '-o', '-a', '-P', '-U', '-t', '-T', '-w', '-B', '--output-document', '--output-file', '--append-output', '--directory-prefix', '--user-agent', '--tries', '--timeout', '--wait', '--header', '--post-data', '--body-data', '--user', '--password', '--base', '--bind-address', '--limit-rate', '--method', '--referer'].map((o) => [o, 'value' as const])),
  '--post-file': 'upload', '--body-file': 'upload',
  '-i': 'hidden', '--input-file': 'hidden', '-e': 'hidden', '--execute': 'hidden', '--config': 'hidden',
};

/** wget's long options the analysis reads, for its abbreviations (`--output-doc=F`, `--mirr`). */
const WGET_LONG = [...Object.keys(WGET), '--mirror', '--recursive', '--page-requisites', '--content-disposition', '--trust-server-names', '--force-directories', '--spider', '--output-document'];

const GIT_REMOTE_SUBCOMMANDS = new Set(['clone', 'fetch', 'pull', 'push', 'ls-remote', 'remote', 'submodule']);
const HOST_PROGRAMS = new Set(['ssh', 'scp', 'sftp', 'rsync', 'nc', 'ncat', 'netcat', 'telnet', 'ftp']);

interface FetchWords {
  /** Operands: the URLs. */
  urls: string[];
  /** Flags and options seen, by name (`-O`, `--mirror`), for the save rules. */
  flags: Set<string>;
  /** Options with their values, in order. */
  options: { name: string; kind: FetchValue; value: string }[];
  dynamic: string[];
}

/**
 * The words of curl or wget read as getopt reads them: `--name=value`, `--name value`, and short
 * clusters (`-sSLo out`, `-sd@file`) where the first letter that takes a value takes the rest.
 */
function fetchWords(inv: Invocation, program: string, table: Record<string, FetchValue>): FetchWords {
  const out: FetchWords = { urls: [], flags: new Set(), options: [], dynamic: [] };
  const args = inv.args;
  const take = (name: string, kind: FetchValue, attached: string | undefined, at: number): number => {
    const word = attached === undefined ? args[at + 1] : undefined;
    const value = attached ?? word?.value;
    if (value !== undefined) out.options.push({ name, kind, value });
    else if (word) out.dynamic.push(word.dynamic ?? word.text);
    return attached === undefined ? at + 1 : at;
  };
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as Word;
    const value = word.value;
    if (value === undefined) {
      out.dynamic.push(word.dynamic ?? word.text);
    } else if (value === '--') {
      for (const rest of args.slice(i + 1)) {
        if (rest.value === undefined) out.dynamic.push(rest.dynamic ?? rest.text);
        else out.urls.push(rest.value);
      }
      break;
    } else if (value.startsWith('--')) {
      const eq = value.indexOf('=');
      const written = eq < 0 ? value : value.slice(0, eq);
      // wget (getopt_long) takes an unambiguous prefix of a long option; curl does not.
      const name = program === 'wget' ? resolveLongOption(written, WGET_LONG) : written;
      const kind = ownEntry(table, name);
      out.flags.add(name);
      if (kind !== undefined) i = take(name, kind, eq < 0 ? undefined : value.slice(eq + 1), i);
    } else if (value.startsWith('-') && value.length > 1) {
      for (let j = 1; j < value.length; j++) {
        const name = `-${value[j] as string}`;
        const kind = ownEntry(table, name);
        out.flags.add(name);
        if (kind === undefined) continue;
        i = take(name, kind, value.slice(j + 1) || undefined, i);
        break;
      }
    } else if (value !== '-') out.urls.push(value);
  }
  return out;
}

/** What one option value connects to, sends, or hides. */
function optionEffect(option: FetchWords['options'][number], program: string, out: NetworkTargets): void {
  const { name, kind, value } = option;
  if (kind === 'endpoint') out.targets.push(value);
  else if (kind === 'connect-to') {
    // HOST1:PORT1:HOST2:PORT2; an empty HOST2 keeps the host.
    const host = bracketed(value.split(/:(?![^[]*\])/)[2]);
    if (host === undefined) out.unresolved.push(`${program} ${name} ${JSON.stringify(value)} connects somewhere the analysis cannot read`);
    else if (host !== '') out.targets.push(host);
  } else if (kind === 'resolve') {
    const addresses = value.replace(/^\+/, '').split(/:(?![^[]*\])/).slice(2).join(':');
    if (addresses === '') out.unresolved.push(`${program} ${name} ${JSON.stringify(value)} connects somewhere the analysis cannot read`);
    else for (const address of addresses.split(',')) out.targets.push(bracketed(address) ?? address);
  } else if (kind === 'data') {
    if (value.startsWith('@') && value !== '@-') out.sends.push(value.slice(1));
  } else if (kind === 'form') {
    const file = /^[^=]*=[@<]([^;]*)/.exec(value)?.[1];
    if (file !== undefined && file !== '-') out.sends.push(file);
  } else if (kind === 'urlencode') {
    const at = value.indexOf('@');
    if (at >= 0 && !value.slice(0, at).includes('=') && value.slice(at + 1) !== '-') out.sends.push(value.slice(at + 1));
  } else if (kind === 'upload') {
    if (value !== '-' && value !== '.') out.sends.push(value);
  } else if (kind === 'hidden') {
    out.unresolved.push(`${program} ${name} reads URLs, options or commands from ${JSON.stringify(value)}, which the policy cannot see`);
  }
}

function bracketed(host: string | undefined): string | undefined {
  return host?.replace(/^\[(.*)\]$/, '$1');
}

/** The file a download is saved as when its name comes from the URL: the last path segment. */
function remoteName(url: string, fallback: string | undefined): string | undefined {
  const path = url.replace(/^[a-z+]+:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name === '' ? fallback : name;
}

const WGET_SERVER_NAMES = ['-r', '--recursive', '-m', '--mirror', '-p', '--page-requisites', '--content-disposition', '--trust-server-names', '-x', '--force-directories'];
const CURL_SERVER_NAMES = ['-J', '--remote-header-name'];

/** Files saved under names taken from the URL (wget without -O; curl -O), or why the server picks them. */
function savedFiles(program: 'curl' | 'wget', words: FetchWords, out: NetworkTargets): void {
  const has = (names: string[]): string | undefined => names.find((n) => words.flags.has(n));
  const option = (names: string[]): string | undefined => words.options.find((o) => names.includes(o.name))?.value;
  const serverNamed = has(program === 'wget' ? WGET_SERVER_NAMES : CURL_SERVER_NAMES);
  const saves = program === 'wget' ? has(['-O', '--output-document', '--spider']) === undefined : has(['-O', '--remote-name', '--remote-name-all']) !== undefined;
  if (!saves || words.urls.length === 0) return;
  if (serverNamed !== undefined) {
    out.unresolved.push(`${program} ${serverNamed} saves files under names the server chooses`);
    return;
  }
  const folder = option(program === 'wget' ? ['-P', '--directory-prefix'] : ['--output-dir']);
  for (const url of words.urls) {
    const name = remoteName(url, program === 'wget' ? 'index.html' : undefined);
    if (name === undefined) continue;
    if (/%[0-9a-f]{2}/i.test(name)) out.unresolved.push(`${program} saves ${JSON.stringify(url)} under a name with escapes (${name}), which the analysis does not decode`);
    else out.saves.push(folder === undefined ? name : `${folder.replace(/\/+$/, '')}/${name}`);
  }
}

export function networkTargets(inv: Invocation, shape: CommandShape): NetworkTargets {
  const program = inv.program;
  const out: NetworkTargets = { targets: [], sends: [], saves: [], unresolved: [] };
  if (program === 'curl' || program === 'wget' || program === 'http' || program === 'https' || program === 'xh') {
    const words = fetchWords(inv, program, program === 'wget' ? WGET : CURL);
    for (const option of words.options) optionEffect(option, program, out);
    if (program === 'curl' || program === 'wget') {
      out.targets.push(...words.urls);
      savedFiles(program, words, out);
    } else {
      // HTTPie: an optional METHOD, then the URL, then request items.
      const url = words.urls.find((v) => !/^[A-Z]+$/.test(v));
      if (url !== undefined) out.targets.push(url);
      // Request items that read a file: `@file`, `field@file`, `field=@file`, `field:=@file`.
      for (const item of words.urls) {
        const file = item === url ? undefined : /^(?:[^=:@]*(?:=|:=)?)?@(.+)$/.exec(item)?.[1];
        if (file !== undefined) out.sends.push(file);
      }
    }
    out.unresolved.push(...words.dynamic.map((d) => `${program} fetches ${d}, which cannot be resolved statically`));
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
