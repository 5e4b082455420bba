import { scpLikeHost } from '../base/network';
import type { CommandShape } from './command-pattern';
import type { Invocation } from './invocations';
import type { Word } from './words';
import { resolveLongOption } from './flags';
import { ownEntry } from '../base/own-entry';

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
 * file it reads further URLs, options or commands from. HTTPie's and xh's proxies are
 * `SCHEME:URL` (`scheme-endpoint`), and xh's `--resolve` is `HOST:ADDRESS` (`host-address`).
 */
type FetchValue = 'value' | 'endpoint' | 'scheme-endpoint' | 'connect-to' | 'resolve' | 'host-address' | 'data' | 'form' | 'urlencode' | 'upload' | 'hidden';

const CURL: Record<string, FetchValue> = {
  ...Object.fromEntries(
    [
      '-o',
      '-X',
      '-u',
      '-A',
      '-e',
      '-b',
      '-c',
      '-m',
      '-r',
      '-E',
      '-Y',
      '-y',
      '-z',
      '-C',
      '-D',
      '-P',
      '-Q',
      '-t',
      '-U',
      '--output',
      '--request',
      '--user',
      '--user-agent',
      '--referer',
      '--cookie',
      '--cookie-jar',
      '--max-time',
      '--range',
      '--cert',
      '--connect-timeout',
      '--retry',
      '--output-dir',
      '--cacert',
      '--key',
      '--data-raw',
      '--form-string',
      '--dump-header',
      '--proxy-user',
      '--trace',
      '--trace-ascii',
      '--stderr',
      '--limit-rate',
      '--max-filesize',
      '--interface',
      '--netrc-file',
      '--expand-data',
      '--expand-header',
      '--expand-json',
      '--expand-output',
    ].map((o) => [o, 'value' as const]),
  ),
  '--url': 'endpoint',
  '--expand-url': 'endpoint',
  '-x': 'endpoint',
  '--proxy': 'endpoint',
  '--preproxy': 'endpoint',
  '--proxy1.0': 'endpoint',
  '--socks4': 'endpoint',
  '--socks4a': 'endpoint',
  '--socks5': 'endpoint',
  '--socks5-hostname': 'endpoint',
  '--doh-url': 'endpoint',
  '--connect-to': 'connect-to',
  '--resolve': 'resolve',
  // `-w @file` reads the format it prints from the file.
  '-w': 'data',
  '--write-out': 'data',
  '-d': 'data',
  '--data': 'data',
  '--data-binary': 'data',
  '--data-ascii': 'data',
  '--json': 'data',
  '-H': 'data',
  '--header': 'data',
  '--proxy-header': 'data',
  '-F': 'form',
  '--form': 'form',
  '--data-urlencode': 'urlencode',
  '--variable': 'urlencode',
  '-T': 'upload',
  '--upload-file': 'upload',
  '-K': 'hidden',
  '--config': 'hidden',
};

const WGET: Record<string, FetchValue> = {
  ...Object.fromEntries(
    [
      '-O',
      '-o',
      '-a',
      '-P',
      '-U',
      '-t',
      '-T',
      '-w',
      '-B',
      '--output-document',
      '--output-file',
      '--append-output',
      '--directory-prefix',
      '--user-agent',
      '--tries',
      '--timeout',
      '--wait',
      '--header',
      '--post-data',
      '--body-data',
      '--user',
      '--password',
      '--base',
      '--bind-address',
      '--limit-rate',
      '--method',
      '--referer',
    ].map((o) => [o, 'value' as const]),
  ),
  '--post-file': 'upload',
  '--body-file': 'upload',
  '-i': 'hidden',
  '--input-file': 'hidden',
  '-e': 'hidden',
  '--execute': 'hidden',
  '--config': 'hidden',
};

/** wget's long options the analysis reads, for its abbreviations (`--output-doc=F`, `--mirr`). */
const WGET_LONG = [
  ...Object.keys(WGET),
  '--mirror',
  '--recursive',
  '--page-requisites',
  '--content-disposition',
  '--trust-server-names',
  '--force-directories',
  '--spider',
];

/**
 * HTTPie (`http`, `https`) and xh: their options that take a value (from `http --help` 3.2 and
 * `xh --help` 0.22); every other option is a flag (`-d` is --download, `-F` --follow, `-b`
 * --body), so the word after it is the URL.
 */
const HTTPIE: Record<string, FetchValue> = {
  ...Object.fromEntries(
    [
      '-a',
      '--auth',
      '-A',
      '--auth-type',
      '--session',
      '--session-read-only',
      '-o',
      '--output',
      '--verify',
      '--cert',
      '--cert-key',
      '--cert-key-pass',
      '--timeout',
      '--max-redirects',
      '--pretty',
      '-s',
      '--style',
      '-p',
      '--print',
      '-P',
      '--history-print',
      '--format-options',
      '--response-charset',
      '--response-mime',
      '--ssl',
      '--ciphers',
      '--boundary',
      '--default-scheme',
      '--max-headers',
      '--raw',
      '--bearer',
      '--http-version',
      '--interface',
      '--unix-socket',
      '--generate',
    ].map((o) => [o, 'value' as const]),
  ),
  '--proxy': 'scheme-endpoint',
  '--resolve': 'host-address',
};

/** HTTPie's flags the analysis reads, for its abbreviations (argparse takes any unambiguous prefix; `--down`). */
const HTTPIE_LONG = [
  ...Object.keys(HTTPIE),
  '--download',
  '--continue',
  '--follow',
  '--offline',
  '--form',
  '--multipart',
  '--json',
  '--body',
  '--headers',
  '--verbose',
  '--quiet',
  '--stream',
  '--check-status',
  '--ignore-stdin',
  '--compress',
  '--chunked',
  '--path-as-is',
  '--all',
  '--ignore-netrc',
  '--sorted',
  '--unsorted',
  '--debug',
  '--traceback',
  '--https',
  '--native-tls',
  '--curl',
  '--curl-long',
  '--no-check-status',
];

/** curl's long options the analysis reads, for its abbreviations (curl 7.88 takes `--data-b` for --data-binary). */
const CURL_LONG = [...Object.keys(CURL), '--remote-name', '--remote-name-all', '--remote-header-name', '--globoff', '--data-raw'];

/** How each fetcher spells its options: the table and the long options it abbreviates. */
const FETCHERS: Record<string, { table: Record<string, FetchValue>; abbreviates: readonly string[] }> = {
  curl: { table: CURL, abbreviates: CURL_LONG },
  wget: { table: WGET, abbreviates: WGET_LONG },
  http: { table: HTTPIE, abbreviates: HTTPIE_LONG },
  https: { table: HTTPIE, abbreviates: HTTPIE_LONG },
  xh: { table: HTTPIE, abbreviates: HTTPIE_LONG },
  xhs: { table: HTTPIE, abbreviates: HTTPIE_LONG },
};

const GIT_REMOTE_SUBCOMMANDS = new Set(['clone', 'fetch', 'pull', 'push', 'ls-remote', 'remote', 'submodule']);

/**
 * Programs whose first operand is the host they connect to, whatever it looks like (`ssh prod`
 * reaches whatever `prod` resolves to, or an alias in ssh's configuration): the short options
 * that take a value (from each manual), those whose value is another host they connect to first
 * (`ssh -J jump`, `nc -x proxy`), and the flag that makes them listen instead (`nc -l`).
 */
const HOST_FIRST: Record<string, { valued: string; via?: string; listen?: string }> = {
  ssh: { valued: 'BbcDEeFIiJLlmOoPpQRSWw', via: 'J' },
  sftp: { valued: 'BbcDFiJloPRSs', via: 'J' },
  nc: { valued: 'ceIiMmOPpqsTVWwXx', via: 'x', listen: 'l' },
  ncat: { valued: 'cdegGimopswx', listen: 'l' },
  netcat: { valued: 'ceIiMmOPpqsTVWwXx', via: 'x', listen: 'l' },
  telnet: { valued: 'belnX' },
  ftp: { valued: 'Pors' },
};

/** Programs whose operands name a host only as `host:path` or a URL (a bare word is a local file). */
const HOST_PATH_PROGRAMS = new Set(['scp', 'rsync']);

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
function fetchWords(inv: Invocation, spelling: (typeof FETCHERS)[string]): FetchWords {
  const table = spelling.table;
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
      // curl, wget (getopt_long) and HTTPie (argparse) take an unambiguous prefix of a long option.
      const name = resolveLongOption(written, spelling.abbreviates);
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
  else if (kind === 'scheme-endpoint' || kind === 'host-address') {
    // `http:http://proxy:3128`, `example.com:10.0.0.1`: what follows the first colon.
    const colon = value.indexOf(':');
    if (colon < 0) out.unresolved.push(`${program} ${name} ${JSON.stringify(value)} connects somewhere the analysis cannot read`);
    else out.targets.push(bracketed(value.slice(colon + 1)) as string);
  } else if (kind === 'connect-to') {
    // HOST1:PORT1:HOST2:PORT2; an empty HOST2 keeps the host.
    const host = bracketed(value.split(/:(?![^[]*\])/)[2]);
    if (host === undefined) out.unresolved.push(`${program} ${name} ${JSON.stringify(value)} connects somewhere the analysis cannot read`);
    else if (host !== '') out.targets.push(host);
  } else if (kind === 'resolve') {
    const addresses = value
      .replace(/^\+/, '')
      .split(/:(?![^[]*\])/)
      .slice(2)
      .join(':');
    if (addresses === '') out.unresolved.push(`${program} ${name} ${JSON.stringify(value)} connects somewhere the analysis cannot read`);
    else for (const address of addresses.split(',')) out.targets.push(bracketed(address) ?? address);
  } else if (kind === 'data') {
    if (value.startsWith('@') && value !== '@-') out.sends.push(value.slice(1));
  } else if (kind === 'form') {
    const file = formFile(value);
    if (file !== undefined && file !== '-') out.sends.push(file);
  } else if (kind === 'urlencode') {
    const at = value.indexOf('@');
    if (at >= 0 && !value.slice(0, at).includes('=') && value.slice(at + 1) !== '-') out.sends.push(value.slice(at + 1));
  } else if (kind === 'upload') {
    // curl expands `{a,b}` and `[1-9]` in -T's file name as in its URLs.
    if (program === 'curl' && /[{[]/.test(value))
      out.unresolved.push(`curl ${name} ${JSON.stringify(value)} uploads the files its pattern expands to, which the analysis does not expand`);
    else if (value !== '-' && value !== '.') out.sends.push(value);
  } else if (kind === 'hidden') {
    out.unresolved.push(`${program} ${name} reads URLs, options or commands from ${JSON.stringify(value)}, which the policy cannot see`);
  }
}

/** The file of a form field `name=@file` or `name=<file`; curl allows the name in double quotes (`name=@"a;b"`). */
function formFile(value: string): string | undefined {
  const quoted = /^[^=]*=[@<]"((?:[^"\\]|\\.)*)"/.exec(value)?.[1];
  if (quoted !== undefined) return quoted.replace(/\\(.)/g, '$1');
  return /^[^=]*=[@<]([^;]*)/.exec(value)?.[1];
}

function bracketed(host: string | undefined): string | undefined {
  return host?.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The names a download may be saved as when its name comes from the URL: the last path segment,
 * with and without the query (wget keeps `?…` in the name; curl drops it); a fragment is not sent.
 */
function remoteNames(url: string, fallback: string | undefined): string[] {
  const path = url.replace(/^[a-z+]+:\/\/[^/]*/i, '').replace(/#.*$/, '');
  const query = path.indexOf('?');
  const bare = query < 0 ? path : path.slice(0, query);
  const name = bare.slice(bare.lastIndexOf('/') + 1) || fallback;
  if (name === undefined) return [];
  return query < 0 ? [name] : [name, name + path.slice(query)];
}

const WGET_SERVER_NAMES = [
  '-r',
  '--recursive',
  '-m',
  '--mirror',
  '-p',
  '--page-requisites',
  '--content-disposition',
  '--trust-server-names',
  '-x',
  '--force-directories',
];
const CURL_SERVER_NAMES = ['-J', '--remote-header-name'];

/** Files saved under names taken from the URL (wget without -O; curl -O), or why the server picks them. */
function savedFiles(program: 'curl' | 'wget', words: FetchWords, out: NetworkTargets): void {
  const has = (names: string[]): string | undefined => names.find((n) => words.flags.has(n));
  const option = (names: string[]): string | undefined => words.options.find((o) => names.includes(o.name))?.value;
  const serverNamed = has(program === 'wget' ? WGET_SERVER_NAMES : CURL_SERVER_NAMES);
  const saves =
    program === 'wget' ? has(['-O', '--output-document', '--spider']) === undefined : has(['-O', '--remote-name', '--remote-name-all']) !== undefined;
  if (!saves || words.urls.length === 0) return;
  if (serverNamed !== undefined) {
    out.unresolved.push(`${program} ${serverNamed} saves files under names the server chooses`);
    return;
  }
  const folder = option(program === 'wget' ? ['-P', '--directory-prefix'] : ['--output-dir']);
  for (const url of words.urls) {
    for (const name of remoteNames(url, program === 'wget' ? 'index.html' : undefined)) {
      if (/%[0-9a-f]{2}/i.test(name))
        out.unresolved.push(`${program} saves ${JSON.stringify(url)} under a name with escapes (${name}), which the analysis does not decode`);
      else out.saves.push(folder === undefined ? name : `${folder.replace(/\/+$/, '')}/${name}`);
    }
  }
}

/** HTTPie's METHOD, URL and request items; `--download` without `--output` saves under a name the server may choose. */
function httpieTargets(program: string, words: FetchWords, out: NetworkTargets): void {
  // An optional METHOD comes first only when a URL follows it (`http GET` fetches the host GET).
  const method = words.urls.length > 1 && /^[A-Za-z]+$/.test(words.urls[0] as string) ? 1 : 0;
  const url = words.urls[method];
  if (url !== undefined) out.targets.push(url);
  // Request items that read a file: `@file`, `field@file`, `field=@file`, `field:=@file`, `Header:@file`, `param==@file`.
  for (const item of words.urls.slice(method + 1)) {
    const file = /^(?:[^=:@]*(?:==|:=|=|:)?)?@(.+)$/.exec(item)?.[1];
    if (file !== undefined) out.sends.push(file);
  }
  const download = ['-d', '--download'].find((n) => words.flags.has(n));
  if (download !== undefined && !words.options.some((o) => o.name === '-o' || o.name === '--output'))
    out.unresolved.push(`${program} ${download} saves the file under a name the server may choose`);
}

export function networkTargets(inv: Invocation, shape: CommandShape): NetworkTargets {
  const program = inv.program;
  const out: NetworkTargets = { targets: [], sends: [], saves: [], unresolved: [] };
  const fetcher = program === undefined ? undefined : ownEntry(FETCHERS, program);
  const hostFirst = program === undefined ? undefined : ownEntry(HOST_FIRST, program);
  if (program !== undefined && fetcher !== undefined) {
    const words = fetchWords(inv, fetcher);
    for (const option of words.options) optionEffect(option, program, out);
    if (program === 'curl' || program === 'wget') {
      out.targets.push(...words.urls);
      savedFiles(program, words, out);
    } else httpieTargets(program, words, out);
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
  } else if (program !== undefined && hostFirst !== undefined) {
    hostFirstTargets(inv, program, hostFirst, out);
  } else if (program !== undefined && HOST_PATH_PROGRAMS.has(program)) {
    for (const value of shape.positionals) {
      if (value === undefined) continue;
      if (/^[a-z+]+:\/\//i.test(value)) out.targets.push(value);
      else {
        const host = scpLikeHost(value);
        if (host) out.targets.push(host);
      }
    }
  }
  return out;
}

/** The host a host-first program connects to (its first operand, `user@` dropped), and the hosts it goes through. */
function hostFirstTargets(inv: Invocation, program: string, spec: (typeof HOST_FIRST)[string], out: NetworkTargets): void {
  let listening = false;
  const via: string[] = [];
  for (let i = 0; i < inv.args.length; i++) {
    const word = inv.args[i] as Word;
    const value = word.value;
    if (value === undefined) {
      out.unresolved.push(`${program} connects to ${word.dynamic ?? word.text}, which cannot be resolved statically`);
      return;
    }
    if (value === '--') {
      const host = inv.args[i + 1];
      if (host !== undefined) hostOperand(program, host, out);
      break;
    }
    if (value.startsWith('-') && value.length > 1 && !value.startsWith('--')) {
      for (let j = 1; j < value.length; j++) {
        const letter = value[j] as string;
        if (letter === spec.listen) listening = true;
        if (!spec.valued.includes(letter)) continue;
        const attached = value.slice(j + 1);
        const taken = attached === '' ? inv.args[++i]?.value : attached;
        if (letter === spec.via && taken !== undefined) via.push(...taken.split(','));
        break;
      }
      continue;
    }
    if (value.startsWith('--')) continue;
    if (!listening) hostOperand(program, word, out);
    break;
  }
  for (const hop of via) out.targets.push(hop.replace(/^[^@]*@/, '').replace(/:\d+$/, ''));
}

function hostOperand(program: string, word: Word, out: NetworkTargets): void {
  const value = word.value;
  if (value === undefined) out.unresolved.push(`${program} connects to ${word.dynamic ?? word.text}, which cannot be resolved statically`);
  else if (/^[a-z+]+:\/\//i.test(value)) out.targets.push(value);
  else out.targets.push(value.replace(/^[^@]*@/, ''));
}
