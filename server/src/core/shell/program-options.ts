import type { Invocation } from './invocations';
import type { Word } from './words';
import { familyEntry } from './program-family';
import { resolveLongOption } from './flags';
import { ownEntry } from '../base/own-entry';

/**
 * Options of programs that an allow rule may admit but that make the program run other code,
 * write a file, delete files or work in another directory. Reviewed data, one table per program
 * (and per git-style subcommand); `value` says whether the option takes a value (attached with `=`,
 * attached to a short option, or as the next word).
 */
export type OptionEffect = 'runs' | 'writes' | 'deletes' | 'chdir' | 'edits';

interface OptionEntry {
  effect: OptionEffect;
  value: boolean;
  /** The value `-` is standard output, not a file (`curl -o -`, `wget -O-`). */
  dashIsStdout?: true;
}

type OptionTable = Record<string, OptionEntry>;

const runs = (value = true): OptionEntry => ({ effect: 'runs', value });
const writes: OptionEntry = { effect: 'writes', value: true };
const writesOrStdout: OptionEntry = { effect: 'writes', value: true, dashIsStdout: true };
const chdir: OptionEntry = { effect: 'chdir', value: true };

export const PROGRAM_OPTIONS: Record<string, OptionTable> = {
  // Global options, before the subcommand: configuration can name fsmonitor, pager, ssh and hook programs.
  git: { '-c': runs(), '--config-env': runs(), '--exec-path': runs(), '-C': chdir, '--git-dir': chdir, '--work-tree': chdir },
  'git log': { '--output': writes, '--ext-diff': runs(false) },
  'git diff': { '--output': writes, '--ext-diff': runs(false) },
  'git show': { '--output': writes, '--ext-diff': runs(false) },
  'git grep': { '-O': runs(false), '--open-files-in-pager': runs(false) },
  'git rebase': { '-x': runs(), '--exec': runs() },
  'git clone': { '-u': runs(), '--upload-pack': runs(), '--template': runs(), '-c': runs(), '--config': runs() },
  'git fetch': { '--upload-pack': runs() },
  'git pull': { '--upload-pack': runs() },
  'git push': { '--receive-pack': runs(), '--exec': runs() },
  'git format-patch': { '-o': writes, '--output-directory': writes },
  'git archive': { '-o': writes, '--output': writes, '--exec': runs() },
  npm: {
    '--script-shell': runs(),
    '--node-options': runs(),
    '--userconfig': runs(),
    '--globalconfig': runs(),
    '--prefix': chdir,
    '-C': chdir,
    '--call': runs(),
    '-c': runs(),
  },
  make: {
    '--eval': runs(),
    '-E': runs(),
    '-f': runs(),
    '--file': runs(),
    '--makefile': runs(),
    '-C': chdir,
    '--directory': chdir,
    '-I': runs(),
    '--include-dir': runs(),
  },
  go: { '-exec': runs(), '-toolexec': runs(), '-o': writes, '-C': chdir, '-modfile': runs(), '-overlay': runs() },
  time: { '-o': writes, '--output': writes },
  sort: { '-o': writes, '--output': writes, '--compress-program': runs() },
  patch: { '-o': writes, '--output': writes, '-d': chdir, '--directory': chdir },
  zip: { '-TT': runs(), '--unzip-command': runs() },
  vim: { '-c': runs(), '--cmd': runs(), '-S': runs() },
  vi: { '-c': runs(), '--cmd': runs(), '-S': runs() },
  nvim: { '-c': runs(), '--cmd': runs(), '-S': runs() },
  'git filter-branch': {
    '--tree-filter': runs(),
    '--index-filter': runs(),
    '--msg-filter': runs(),
    '--env-filter': runs(),
    '--commit-filter': runs(),
    '--parent-filter': runs(),
    '--tag-name-filter': runs(),
  },
  'git difftool': { '-x': runs(), '--extcmd': runs() },
  'git send-email': { '--to-cmd': runs(), '--cc-cmd': runs(), '--header-cmd': runs(), '--smtp-server': runs() },
  'git init': { '--template': runs() },
  // curl's and wget's `-` is standard output (`curl -D -`, `wget -qO-`).
  curl: {
    '-o': writesOrStdout,
    '--output': writesOrStdout,
    '-D': writesOrStdout,
    '--dump-header': writesOrStdout,
    '-c': writesOrStdout,
    '--cookie-jar': writesOrStdout,
    '--trace': writesOrStdout,
    '--trace-ascii': writesOrStdout,
    '--stderr': writesOrStdout,
    '--libcurl': writes,
    '--etag-save': writes,
    '--hsts': writes,
    '--alt-svc': writes,
    '--expand-output': writes,
  },
  wget: {
    '-O': writesOrStdout,
    '--output-document': writesOrStdout,
    '-o': writesOrStdout,
    '--output-file': writesOrStdout,
    '-a': writesOrStdout,
    '--append-output': writesOrStdout,
    '--save-cookies': writes,
  },
  // HTTPie and xh write the response where -o says; netcat's -e/-c run a program with the connection.
  http: { '-o': writes, '--output': writes },
  https: { '-o': writes, '--output': writes },
  xh: { '-o': writes, '--output': writes },
  xhs: { '-o': writes, '--output': writes },
  nc: { '-e': runs(), '-c': runs() },
  netcat: { '-e': runs(), '-c': runs() },
  ncat: { '-e': runs(), '-c': runs(), '--exec': runs(), '--sh-exec': runs(), '--lua-exec': runs() },
  // Tracers write their trace where -o says, and strace -E sets the traced program's environment (LD_PRELOAD=…).
  strace: { '-o': writes, '--output': writes, '-E': runs(), '--env': runs() },
  ltrace: { '-o': writes, '--output': writes, '-F': runs(), '--config': runs() },
  fakeroot: { '-s': writes, '-l': runs(), '--lib': runs(), '--faked': runs() },
  faketime: { '--date-prog': runs() },
  env: { '-C': chdir, '--chdir': chdir },
  find: { '-delete': { effect: 'deletes', value: false }, '-fprint': writes, '-fprint0': writes, '-fprintf': writes, '-fls': writes },
  tar: {
    '--to-command': runs(),
    '--checkpoint-action': runs(),
    '-I': runs(),
    '--use-compress-program': runs(),
    '--rsh-command': runs(),
    '-F': runs(),
    '--info-script': runs(),
    '--new-volume-script': runs(),
    '-C': chdir,
    '--directory': chdir,
  },
  rsync: { '-e': runs(), '--rsh': runs(), '--rsync-path': runs(), '--log-file': writes, '--write-batch': writes, '--only-write-batch': writes },
  // Interpreters' inline code: an allow of the interpreter admits scripts in files, not code the policy cannot see.
  python: { '-c': runs() },
  python3: { '-c': runs() },
  node: { '-e': runs(), '--eval': runs(), '-p': runs(), '--print': runs(), '--import': runs(), '--loader': runs(), '--experimental-loader': runs() },
  perl: { '-e': runs(), '-E': runs() },
  ruby: { '-e': runs() },
  php: { '-r': runs() },
  lua: { '-e': runs() },
  Rscript: { '-e': runs() },
  bun: { '-e': runs(), '--eval': runs(), '-p': runs(), '--print': runs() },
  sed: { '-i': { effect: 'edits', value: false }, '--in-place': { effect: 'edits', value: false } },
  ssh: { '-o': runs(), '-F': runs(), '-E': writes, '-S': runs() },
  scp: { '-o': runs(), '-F': runs(), '-S': runs() },
};

export interface OptionUse {
  option: string;
  effect: OptionEffect;
  /** The option's value, when it takes one and it is static. */
  value: string | undefined;
  /** The value is `-` and the option writes it to standard output: no file. */
  toStdout?: true;
}

/** Programs whose long options must be written whole (their parsers take no abbreviations). */
const EXACT_LONG_OPTIONS = new Set(['node', 'bun', 'vim', 'vi', 'nvim']);

/** Options of the invocation found in its program's table (and its subcommand's). */
export function riskyOptions(inv: Invocation, subcommand: string | undefined): OptionUse[] {
  const program = inv.program;
  if (program === undefined) return [];
  const tables = [familyEntry(PROGRAM_OPTIONS, program), subcommand === undefined ? undefined : PROGRAM_OPTIONS[`${program} ${subcommand}`]].filter(
    (t): t is OptionTable => t !== undefined,
  );
  if (tables.length === 0) return [];
  const uses: OptionUse[] = [];
  for (let i = 0; i < inv.args.length; i++) {
    const word = inv.args[i]?.value;
    if (word === undefined || !word.startsWith('-') || word === '-') continue;
    if (word === '--') break;
    for (const table of tables) {
      const use = lookup(table, word, inv.args[i + 1]?.value, !EXACT_LONG_OPTIONS.has(program));
      if (use) {
        if (!use.toStdout) uses.push(use);
        break;
      }
    }
  }
  return uses;
}

/** Options outside the tables that are a prefix of one inside, so an exact use is not read as the longer one (`curl --cookie` reads, `--cookie-jar` writes). */
const OTHER_LONG_OPTIONS: Record<string, string[]> = { curl: ['--cookie'] };

/** Each table's option names, listed once for the abbreviation lookup. */
const TABLE_OPTIONS = new Map(
  Object.entries(PROGRAM_OPTIONS).map(([program, table]) => [table, [...Object.keys(table), ...(OTHER_LONG_OPTIONS[program] ?? [])]]),
);

function lookup(table: OptionTable, word: string, next: string | undefined, abbreviates: boolean): OptionUse | undefined {
  const eq = word.indexOf('=');
  const written = eq > 0 ? word.slice(0, eq) : word;
  // GNU and git programs take an unambiguous prefix of a long option (`sort --compress=sh`).
  const name = abbreviates ? resolveLongOption(written, TABLE_OPTIONS.get(table) ?? Object.keys(table)) : written;
  const exact = ownEntry(table, name);
  if (exact) return use(name, exact, exact.value ? (eq > 0 ? word.slice(eq + 1) : next) : undefined);
  // A short option with its value attached (`-oProxyCommand=…`, `-o./out`), or sed's `-i.bak`.
  // In a cluster (`-Ei`), each letter up to the first that takes a value is an option of its own.
  if (!word.startsWith('--') && word.length > 2) {
    // Only letters are options: past the first other character the rest is a value (`-d@src/a`).
    for (let j = 1; j < word.length && /[A-Za-z0-9]/.test(word[j] as string); j++) {
      const short = table[`-${word[j] as string}`];
      if (short) return use(`-${word[j] as string}`, short, short.value ? word.slice(j + 1) || next : undefined);
    }
  }
  return undefined;
}

function use(option: string, entry: OptionEntry, value: string | undefined): OptionUse {
  return entry.dashIsStdout && value === '-' ? { option, effect: entry.effect, value, toStdout: true } : { option, effect: entry.effect, value };
}

/**
 * Programs that change whatever a folder they are given holds: an argument that is a folder
 * holding governance files (the root, an override's folder) reaches them. `cwd` means the program
 * works on its working directory when it is given no path (`git clean -fdx`, `tar -x`).
 */
const FOLDER_CHANGERS: Record<string, 'args' | 'args-or-cwd' | 'cwd-when-extracting'> = {
  rm: 'args',
  rmdir: 'args',
  mv: 'args',
  cp: 'args',
  rsync: 'args',
  shred: 'args',
  chmod: 'args',
  chown: 'args',
  chgrp: 'args',
  ln: 'args',
  'git clean': 'args-or-cwd',
  'git checkout': 'args',
  'git restore': 'args',
  'git rm': 'args',
  'git mv': 'args',
  'git stash': 'args-or-cwd',
  tar: 'cwd-when-extracting',
  unzip: 'cwd-when-extracting',
  cpio: 'cwd-when-extracting',
};

/** How an invocation changes folders it is given, if it does; `cwd` when it also changes its own directory. */
export function folderChanges(inv: Invocation, subcommand: string | undefined): { args: boolean; cwd: boolean } | undefined {
  const program = inv.program;
  if (program === undefined) return undefined;
  const kind = (subcommand === undefined ? undefined : FOLDER_CHANGERS[`${program} ${subcommand}`]) ?? familyEntry(FOLDER_CHANGERS, program);
  if (kind === undefined) return undefined;
  if (kind === 'args') return { args: true, cwd: false };
  const positionals = inv.args.filter((a) => a.value === undefined || !a.value.startsWith('-'));
  if (kind === 'args-or-cwd') return { args: true, cwd: positionals.length <= (program === 'git' ? 1 : 0) };
  return { args: false, cwd: extracts(inv) };
}

/** tar's long options that share a prefix with --extract and --get, so `--extr` is read as tar reads it. */
const TAR_LONG = [
  '--extract',
  '--get',
  '--exclude',
  '--exclude-backups',
  '--exclude-caches',
  '--exclude-caches-all',
  '--exclude-caches-under',
  '--exclude-from',
  '--exclude-ignore',
  '--exclude-ignore-recursive',
  '--exclude-tag',
  '--exclude-tag-all',
  '--exclude-tag-under',
  '--exclude-vcs',
  '--exclude-vcs-ignores',
  '--group',
  '--group-map',
  '--gzip',
  '--gunzip',
];

function extracts(inv: Invocation): boolean {
  if (inv.program !== 'tar') return true;
  const first = inv.args[0]?.value ?? '';
  const extracting = (value: string): boolean => {
    const name = resolveLongOption(value.split('=')[0] as string, TAR_LONG);
    return name === '--extract' || name === '--get' || /^-[A-Za-z]*x/.test(value);
  };
  return inv.args.some((a) => a.value !== undefined && extracting(a.value)) || /^[A-Za-z]*x/.test(first);
}

/**
 * Script languages whose program is an argument: sed's `e`, `w` and `r` commands and `s///e` run
 * commands or reach files; awk's `system()`, pipes, redirections and `getline` do. The program is
 * the first operand, or the value of `-e`/`--expression` (sed).
 */
const SED_RISK = /(^|[;{}\n]|[0-9$/]\s*)\s*[ewWrR](\s|$)|\/[gpIiMm0-9]*[ewW][gpIiMm0-9]*\s*($|[;}\n ])/;
const AWK_RISK = /system\s*\(|\||>|getline/;
const SCRIPT_LANGUAGES: Record<string, { risk: RegExp; sed: boolean }> = {
  sed: { risk: SED_RISK, sed: true },
  awk: { risk: AWK_RISK, sed: false },
  gawk: { risk: AWK_RISK, sed: false },
  mawk: { risk: AWK_RISK, sed: false },
};

/**
 * How sed and awk take their options (GNU sed 4.9, gawk 5.2, mawk): which give the program text
 * (`script`), a program file (`file`), a library that runs code (`load`, gawk -l), or another
 * value; the letters of sed's `-i` and `--in-place` take the rest of their word as a suffix.
 */
type ScriptOption = 'script' | 'file' | 'load' | 'value';
const SED_OPTIONS: Record<string, ScriptOption> = {
  '-e': 'script',
  '--expression': 'script',
  '-f': 'file',
  '--file': 'file',
  '-l': 'value',
  '--line-length': 'value',
};
const AWK_OPTIONS: Record<string, ScriptOption> = {
  '-e': 'script',
  '--source': 'script',
  '-f': 'file',
  '--file': 'file',
  '-E': 'file',
  '--exec': 'file',
  '-i': 'file',
  '--include': 'file',
  '-l': 'load',
  '--load': 'load',
  '-v': 'value',
  '--assign': 'value',
  '-F': 'value',
  '--field-separator': 'value',
  '-W': 'value',
};
const SED_LONG = [
  ...Object.keys(SED_OPTIONS),
  '--in-place',
  '--quiet',
  '--silent',
  '--regexp-extended',
  '--separate',
  '--unbuffered',
  '--null-data',
  '--zero-terminated',
  '--posix',
  '--sandbox',
  '--debug',
  '--follow-symlinks',
  '--binary',
];
const AWK_LONG = Object.keys(AWK_OPTIONS);

interface ScriptWords {
  /** Program texts given by option, in order, or the first operand when none is. */
  scripts: string[];
  /** The program comes from a file (or a library), not from the words. */
  fromFile: boolean;
  loads: string[];
  /** Operands after the program. */
  files: (string | undefined)[];
}

/** The words of sed or awk read as their getopt reads them: clusters (`-ne p`), attached values (`-e'1e id'`), `--expr=`. */
function scriptWords(inv: Invocation, sed: boolean): ScriptWords {
  const table = sed ? SED_OPTIONS : AWK_OPTIONS;
  const out: ScriptWords = { scripts: [], fromFile: false, loads: [], files: [] };
  const operands: (string | undefined)[] = [];
  const take = (kind: ScriptOption, value: string | undefined): void => {
    if (kind === 'script') out.scripts.push(value ?? '');
    else if (kind === 'file') out.fromFile = true;
    else if (kind === 'load') out.loads.push(value ?? '');
  };
  for (let i = 0; i < inv.args.length; i++) {
    const value = inv.args[i]?.value;
    if (value === '--') {
      operands.push(...inv.args.slice(i + 1).map((a) => a.value));
      break;
    }
    if (value === undefined || !value.startsWith('-') || value === '-') {
      operands.push(value);
      continue;
    }
    if (value.startsWith('--')) {
      const eq = value.indexOf('=');
      const kind = ownEntry(table, resolveLongOption(eq < 0 ? value : value.slice(0, eq), sed ? SED_LONG : AWK_LONG));
      if (kind !== undefined) take(kind, eq < 0 ? inv.args[++i]?.value : value.slice(eq + 1));
      continue;
    }
    for (let j = 1; j < value.length; j++) {
      const letter = value[j] as string;
      if (sed && letter === 'i') break;
      const kind = ownEntry(table, `-${letter}`);
      if (kind === undefined) continue;
      take(kind, value.slice(j + 1) || inv.args[++i]?.value);
      break;
    }
  }
  if (out.scripts.length === 0 && !out.fromFile) {
    const [first, ...rest] = operands;
    if (first !== undefined) out.scripts.push(first);
    out.files = rest;
  } else out.files = operands;
  return out;
}

/** The script of a sed or awk invocation that can run commands or reach files, if it has one (every `-e` counts, with or without `-f`). */
export function riskyScript(inv: Invocation): string | undefined {
  const language = inv.program === undefined ? undefined : familyEntry(SCRIPT_LANGUAGES, inv.program);
  if (!language) return undefined;
  const words = scriptWords(inv, language.sed);
  if (words.loads.length > 0) return `-l ${words.loads[0] as string}`;
  return words.scripts.find((script) => language.risk.test(script));
}

/** The files sed -i rewrites: its operands after the script. */
export function editedFiles(inv: Invocation): (string | undefined)[] {
  return scriptWords(inv, true).files;
}

/**
 * Git subcommands that run a command line they are given (`git submodule foreach CMD`,
 * `git bisect run CMD`) or that change git's configuration, which can name programs later git
 * commands run (`core.fsmonitor`, `core.pager`, aliases with `!`).
 */
export function riskySubcommand(positionals: readonly (string | undefined)[], flags: ReadonlySet<string>): string | undefined {
  const [sub, verb] = positionals;
  if (sub === 'submodule' && verb === 'foreach') return 'git submodule foreach runs its command line in every submodule';
  if (sub === 'bisect' && verb === 'run') return 'git bisect run runs its command at every step';
  if (sub === 'config' && configChanges(positionals.slice(1), flags))
    return "git config changes git's configuration, which can name programs that later git commands run";
  return undefined;
}

const CONFIG_READS = ['--get', '--get-all', '--get-regexp', '--get-urlmatch', '--get-color', '--get-colorbool', '--list', '-l'];
const CONFIG_CHANGES = ['--add', '--unset', '--unset-all', '--replace-all', '--rename-section', '--remove-section', '-e', '--edit'];

/** `git config KEY`, `get` and `list` read; `git config KEY VALUE`, `set`, `unset`, `edit` and the changing flags change. */
function configChanges(operands: readonly (string | undefined)[], flags: ReadonlySet<string>): boolean {
  if (CONFIG_READS.some((f) => flags.has(f))) return false;
  const first = operands[0];
  if (first === 'get' || first === 'list') return false;
  return (
    operands.length !== 1 || CONFIG_CHANGES.some((f) => flags.has(f)) || ['set', 'unset', 'edit', 'rename-section', 'remove-section'].includes(first ?? '')
  );
}

/**
 * Programs whose operands are files they write (reviewed data): `all` of them (tee, touch), the
 * `destination` (cp, mv, install, ln: the last operand, or `-t DIR`), the `second` (uniq), the
 * `first` (patch). `valued` lists their options that take the next word, so that it is not taken
 * for an operand; `moves` says the sources are removed (mv), so they are written too.
 */
interface Writer {
  writes: 'all' | 'destination' | 'second' | 'first';
  valued: string[];
  moves?: boolean;
  /** Long flags read by name, beside the valued ones, for the abbreviations GNU getopt accepts (`--target=D`, `--no-t`). */
  flags?: string[];
}

const TARGET_DIRECTORY = ['-t', '--target-directory'];
const WRITERS: Record<string, Writer> = {
  tee: { writes: 'all', valued: [] },
  touch: { writes: 'all', valued: ['-d', '-r', '-t', '--date', '--reference'] },
  truncate: { writes: 'all', valued: ['-s', '-r', '--size', '--reference'] },
  cp: { writes: 'destination', valued: ['-t', '-S', '--target-directory', '--suffix'], flags: ['--no-target-directory'] },
  mv: { writes: 'destination', valued: ['-t', '-S', '--target-directory', '--suffix'], moves: true, flags: ['--no-target-directory'] },
  install: {
    writes: 'destination',
    valued: ['-t', '-S', '-m', '-o', '-g', '--target-directory', '--suffix', '--mode', '--owner', '--group', '--strip-program'],
    flags: ['--no-target-directory'],
  },
  ln: { writes: 'destination', valued: ['-t', '-S', '--target-directory', '--suffix'], flags: ['--no-target-directory'] },
  uniq: { writes: 'second', valued: ['-f', '-s', '-w', '--skip-fields', '--skip-chars', '--check-chars'] },
  patch: {
    writes: 'first',
    valued: [
      '-i',
      '-o',
      '-d',
      '-p',
      '-r',
      '-B',
      '-D',
      '-F',
      '-V',
      '-z',
      '-Y',
      '--input',
      '--output',
      '--directory',
      '--strip',
      '--reject-file',
      '--prefix',
      '--ifdef',
      '--fuzz',
      '--version-control',
      '--suffix',
      '--basename-prefix',
    ],
  },
};

/** What a writer writes: files as named, and sources copied into a destination that may be a folder. */
export interface WrittenFiles {
  files: Word[];
  /** `cp a b`: b, or b/a when b is a folder (`known` when the command says it is one). */
  into?: { destination: Word; sources: Word[]; folder: 'yes' | 'no' | 'unknown' };
  /** Files read by name (`dd if=`). */
  reads: string[];
  /** Why what it writes cannot be known (`patch` with no file: the patch names them). */
  unresolved?: string;
}

/** The files an invocation of a writer writes, if it is one. */
export function writtenFiles(inv: Invocation): WrittenFiles | undefined {
  if (inv.program === 'dd') return ddFiles(inv);
  const writer = inv.program === undefined ? undefined : familyEntry(WRITERS, inv.program);
  if (!writer) return undefined;
  const { operands, values, flags } = operandsOf(inv.args, writer.valued, [...writer.valued, ...(writer.flags ?? [])]);
  const target = values.find((v) => TARGET_DIRECTORY.includes(v.name));
  const out: WrittenFiles = { files: [], reads: [] };
  if (writer.writes === 'all') out.files = operands;
  else if (writer.writes === 'second') out.files = operands.slice(1, 2);
  else if (writer.writes === 'first') {
    out.files = operands.slice(0, 1);
    if (operands.length === 0 && !values.some((v) => v.name === '-o' || v.name === '--output'))
      out.unresolved = `${inv.program} writes the files its patch names`;
  } else if (target) out.into = { destination: target.word, sources: operands, folder: 'yes' };
  else if (operands.length === 1 && inv.program === 'ln')
    out.into = { destination: { value: '.', dynamic: undefined, glob: false, text: '.' }, sources: operands, folder: 'yes' };
  else if (operands.length >= 2) {
    const destination = operands[operands.length - 1] as Word;
    const sources = operands.slice(0, -1);
    const folder =
      flags.has('-T') || flags.has('--no-target-directory')
        ? 'no'
        : sources.length > 1 || (destination.value !== undefined && /(^|\/)(\.\.?)?$/.test(destination.value))
          ? 'yes'
          : 'unknown';
    out.into = { destination, sources, folder };
  }
  if (writer.moves) out.files = out.files.concat(out.into?.sources ?? []);
  return out;
}

/** dd's `of=FILE` is written and `if=FILE` read. */
function ddFiles(inv: Invocation): WrittenFiles {
  const out: WrittenFiles = { files: [], reads: [] };
  for (const word of inv.args) {
    const value = word.value;
    if (value === undefined) {
      if (/^(of|if)=/.test(word.text)) out.unresolved = `dd ${word.text} names a file that cannot be resolved statically`;
    } else if (value.startsWith('of=')) out.files.push({ ...word, value: value.slice(3), text: value.slice(3) });
    else if (value.startsWith('if=')) out.reads.push(value.slice(3));
  }
  return out;
}

/** Operands (after options, and every word after `--`), option values by name, and flags seen; long options by the prefixes of `long` they abbreviate. */
function operandsOf(
  args: readonly Word[],
  valued: readonly string[],
  long: readonly string[],
): { operands: Word[]; values: { name: string; word: Word }[]; flags: Set<string> } {
  const operands: Word[] = [];
  const values: { name: string; word: Word }[] = [];
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as Word;
    const value = word.value;
    if (value === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (value === undefined || !value.startsWith('-') || value === '-') {
      operands.push(word);
      continue;
    }
    const eq = value.indexOf('=');
    if (value.startsWith('--')) {
      const name = resolveLongOption(eq < 0 ? value : value.slice(0, eq), long);
      flags.add(name);
      if (eq >= 0) values.push({ name, word: { ...word, value: value.slice(eq + 1), text: value.slice(eq + 1) } });
      else if (valued.includes(name) && args[i + 1]) values.push({ name, word: args[++i] as Word });
      continue;
    }
    for (let j = 1; j < value.length; j++) {
      const name = `-${value[j] as string}`;
      flags.add(name);
      if (!valued.includes(name)) continue;
      const rest = value.slice(j + 1);
      if (rest !== '') values.push({ name, word: { ...word, value: rest, text: rest } });
      else if (args[i + 1]) values.push({ name, word: args[++i] as Word });
      break;
    }
  }
  return { operands, values, flags };
}
