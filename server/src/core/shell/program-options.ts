import type { Invocation } from './invocations';

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
}

type OptionTable = Record<string, OptionEntry>;

const runs = (value = true): OptionEntry => ({ effect: 'runs', value });
const writes: OptionEntry = { effect: 'writes', value: true };
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
  npm: { '--script-shell': runs(), '--node-options': runs(), '--userconfig': runs(), '--globalconfig': runs(), '--prefix': chdir, '-C': chdir, '--call': runs(), '-c': runs() },
  make: { '--eval': runs(), '-E': runs(), '-f': runs(), '--file': runs(), '--makefile': runs(), '-C': chdir, '--directory': chdir, '-I': runs(), '--include-dir': runs() },
  go: { '-exec': runs(), '-toolexec': runs(), '-o': writes, '-C': chdir, '-modfile': runs(), '-overlay': runs() },
  time: { '-o': writes, '--output': writes },
  curl: { '-o': writes, '--output': writes, '-D': writes, '--dump-header': writes, '-c': writes, '--cookie-jar': writes, '--trace': writes, '--trace-ascii': writes, '--stderr': writes, '--libcurl': writes, '--etag-save': writes, '--hsts': writes, '--alt-svc': writes, '--expand-output': writes },
  wget: { '-O': writes, '--output-document': writes, '-o': writes, '--output-file': writes, '-a': writes, '--append-output': writes, '--save-cookies': writes },
  // Tracers write their trace where -o says, and strace -E sets the traced program's environment (LD_PRELOAD=…).
  strace: { '-o': writes, '--output': writes, '-E': runs(), '--env': runs() },
  ltrace: { '-o': writes, '--output': writes, '-F': runs(), '--config': runs() },
  fakeroot: { '-s': writes, '-l': runs(), '--lib': runs(), '--faked': runs() },
  faketime: { '--date-prog': runs() },
  env: { '-C': chdir, '--chdir': chdir },
  find: { '-delete': { effect: 'deletes', value: false }, '-fprint': writes, '-fprint0': writes, '-fprintf': writes, '-fls': writes },
  tar: { '--to-command': runs(), '--checkpoint-action': runs(), '-I': runs(), '--use-compress-program': runs(), '--rsh-command': runs(), '-F': runs(), '--info-script': runs(), '--new-volume-script': runs(), '-C': chdir, '--directory': chdir },
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
}

/** Options of the invocation found in its program's table (and its subcommand's). */
export function riskyOptions(inv: Invocation, subcommand: string | undefined): OptionUse[] {
  const program = inv.program;
  if (program === undefined) return [];
  const tables = [PROGRAM_OPTIONS[program], subcommand === undefined ? undefined : PROGRAM_OPTIONS[`${program} ${subcommand}`]].filter((t): t is OptionTable => t !== undefined);
  if (tables.length === 0) return [];
  const uses: OptionUse[] = [];
  for (let i = 0; i < inv.args.length; i++) {
    const word = inv.args[i]?.value;
    if (word === undefined || !word.startsWith('-') || word === '-') continue;
    if (word === '--') break;
    for (const table of tables) {
      const use = lookup(table, word, inv.args[i + 1]?.value);
      if (use) {
        uses.push(use);
        break;
      }
    }
  }
  return uses;
}

function lookup(table: OptionTable, word: string, next: string | undefined): OptionUse | undefined {
  const eq = word.indexOf('=');
  const name = eq > 0 ? word.slice(0, eq) : word;
  const exact = table[name];
  if (exact) return { option: name, effect: exact.effect, value: exact.value ? (eq > 0 ? word.slice(eq + 1) : next) : undefined };
  // A short option with its value attached (`-oProxyCommand=…`, `-o./out`), or sed's `-i.bak`.
  // In a cluster (`-Ei`), each letter up to the first that takes a value is an option of its own.
  if (!word.startsWith('--') && word.length > 2) {
    for (let j = 1; j < word.length; j++) {
      const short = table[`-${word[j] as string}`];
      if (short) return { option: `-${word[j] as string}`, effect: short.effect, value: short.value ? word.slice(j + 1) || next : undefined };
    }
  }
  return undefined;
}

/**
 * Programs that change whatever a folder they are given holds: an argument that is a folder
 * holding governance files (the root, an override's folder) reaches them. `cwd` means the program
 * works on its working directory when it is given no path (`git clean -fdx`, `tar -x`).
 */
const FOLDER_CHANGERS: Record<string, 'args' | 'args-or-cwd' | 'cwd-when-extracting'> = {
  rm: 'args', rmdir: 'args', mv: 'args', cp: 'args', rsync: 'args', shred: 'args', chmod: 'args', chown: 'args', chgrp: 'args', ln: 'args',
  'git clean': 'args-or-cwd', 'git checkout': 'args', 'git restore': 'args', 'git rm': 'args', 'git mv': 'args', 'git stash': 'args-or-cwd',
  tar: 'cwd-when-extracting', unzip: 'cwd-when-extracting', cpio: 'cwd-when-extracting',
};

/** How an invocation changes folders it is given, if it does; `cwd` when it also changes its own directory. */
export function folderChanges(inv: Invocation, subcommand: string | undefined): { args: boolean; cwd: boolean } | undefined {
  const program = inv.program;
  if (program === undefined) return undefined;
  const kind = (subcommand === undefined ? undefined : FOLDER_CHANGERS[`${program} ${subcommand}`]) ?? FOLDER_CHANGERS[program];
  if (kind === undefined) return undefined;
  if (kind === 'args') return { args: true, cwd: false };
  const positionals = inv.args.filter((a) => a.value === undefined || !a.value.startsWith('-'));
  if (kind === 'args-or-cwd') return { args: true, cwd: positionals.length <= (program === 'git' ? 1 : 0) };
  return { args: false, cwd: extracts(inv) };
}

function extracts(inv: Invocation): boolean {
  if (inv.program !== 'tar') return true;
  const first = inv.args[0]?.value ?? '';
  return inv.args.some((a) => a.value === '--extract' || a.value === '--get' || (a.value !== undefined && /^-[A-Za-z]*x/.test(a.value))) || /^[A-Za-z]*x/.test(first);
}

/**
 * Script languages whose program is an argument: sed's `e`, `w` and `r` commands and `s///e` run
 * commands or reach files; awk's `system()`, pipes, redirections and `getline` do. The program is
 * the first operand, or the value of `-e`/`--expression` (sed).
 */
const SCRIPT_RISKS: Record<string, RegExp> = {
  sed: /(^|[;{}\n]|[0-9$/]\s*)\s*[ewWrR](\s|$)|\/[gpIiMm0-9]*[ewW][gpIiMm0-9]*\s*($|[;}\n ])/,
  awk: /system\s*\(|\||>|getline/,
  gawk: /system\s*\(|\||>|getline/,
  mawk: /system\s*\(|\||>|getline/,
};

/** The script of a sed or awk invocation that can run commands or reach files, if it has one. */
export function riskyScript(inv: Invocation): string | undefined {
  const risk = inv.program === undefined ? undefined : SCRIPT_RISKS[inv.program];
  if (!risk) return undefined;
  const scripts: string[] = [];
  let operandSeen = false;
  for (let i = 0; i < inv.args.length; i++) {
    const value = inv.args[i]?.value;
    if (value === undefined) continue;
    if (value === '-e' || value === '--expression') scripts.push(inv.args[i + 1]?.value ?? '');
    else if (value.startsWith('--expression=')) scripts.push(value.slice('--expression='.length));
    else if (value === '-f' || value === '--file') return undefined;
    else if (!value.startsWith('-') && !operandSeen) {
      operandSeen = true;
      if (scripts.length === 0) scripts.push(value);
    }
  }
  return scripts.find((script) => risk.test(script));
}

/** The files sed -i rewrites: its operands after the script. */
export function editedFiles(inv: Invocation): (string | undefined)[] {
  const operands: (string | undefined)[] = [];
  let scriptGiven = false;
  for (let i = 0; i < inv.args.length; i++) {
    const value = inv.args[i]?.value;
    if (value === '-e' || value === '--expression' || value === '-f' || value === '--file') {
      scriptGiven = true;
      i++;
      continue;
    }
    if (value !== undefined && value.startsWith('-')) continue;
    operands.push(value);
  }
  return scriptGiven ? operands : operands.slice(1);
}
