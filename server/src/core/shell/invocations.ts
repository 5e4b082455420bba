import type { SimpleCommand } from './walk';
import type { Word } from './words';
import { familyEntry, programFamily } from './program-family';
import { resolveLongOption } from './flags';

/** One program the line would run, after wrappers are unwrapped. */
export interface Invocation {
  /** The program's base name (`/bin/rm` is `rm`); undefined when it cannot be known statically. */
  program: string | undefined;
  programWord: Word;
  args: Word[];
  text: string;
  /** A transparent wrapper (nice, timeout, ...): deny patterns apply to it, but it needs no allow of its own. */
  wrapper: boolean;
  /** Arguments the shell or a wrapper appends at run time (xargs, find -exec). */
  runtimeArgs: string | undefined;
}

export interface Unwrapped {
  invocations: Invocation[];
  /** Command lines run by a shell re-entry (`bash -c '...'`, `eval '...'`, `env -S '...'`). */
  reentries: { source: string; via: string }[];
  /** Why part of the command cannot be known statically. */
  unresolved: string[];
  /** Variables a wrapper sets for the command it runs (`env VAR=… cmd`). */
  assignments: string[];
}

interface WrapperSpec {
  /** Options that take a value as the next word (or attached with `=`). */
  valued: string[];
  /** Positional words the wrapper consumes before the command (timeout's DURATION). */
  leading: number;
  /** Whether the wrapper itself needs an allow rule (privilege changes do). */
  needsAllow: boolean;
  /** Runtime arguments appended to the wrapped command. */
  appends?: string;
  /** Options whose value is a command line the wrapper runs (`flock -c`, `su -c`, `env -S`). */
  commandOptions?: string[];
  /** Words that, right after the leading operands, say the next word is a command line (`flock FILE -c LINE`). */
  lineAfterLeading?: string[];
  /** Whether a lone `-` is an option (GNU env: `env - cmd` is `env -i cmd`). */
  loneDash?: boolean;
  /** Whether its options may come after its operands (GNU getopt without `+`: su, runuser). */
  permutes?: boolean;
  /** Whether `NAME=VALUE` words before the command set its environment (env, sudo). */
  assigns?: boolean;
  /** Whether the wrapper joins the command's words and runs them through `sh -c` (watch, unless `-x`). */
  joinsShell?: { unless: string[] };
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    valued: [
      '-u',
      '-g',
      '-h',
      '-p',
      '-C',
      '-D',
      '-r',
      '-t',
      '-U',
      '-T',
      '--user',
      '--group',
      '--host',
      '--prompt',
      '--chdir',
      '--role',
      '--type',
      '--other-user',
      '--command-timeout',
      '--close-from',
    ],
    leading: 0,
    needsAllow: true,
    assigns: true,
  },
  doas: { valued: ['-u', '-C'], leading: 0, needsAllow: true },
  env: {
    valued: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string', '-P'],
    leading: 0,
    needsAllow: false,
    commandOptions: ['-S', '--split-string'],
    assigns: true,
    loneDash: true,
  },
  timeout: { valued: ['-s', '--signal', '-k', '--kill-after'], leading: 1, needsAllow: false },
  nice: { valued: ['-n', '--adjustment'], leading: 0, needsAllow: false },
  nohup: { valued: [], leading: 0, needsAllow: false },
  command: { valued: [], leading: 0, needsAllow: false },
  builtin: { valued: [], leading: 0, needsAllow: false },
  time: { valued: ['-f', '--format', '-o', '--output'], leading: 0, needsAllow: false },
  exec: { valued: ['-a'], leading: 0, needsAllow: false },
  stdbuf: { valued: ['-i', '-o', '-e', '--input', '--output', '--error'], leading: 0, needsAllow: false },
  ionice: { valued: ['-c', '-n', '-p', '-P', '-u', '--class', '--classdata'], leading: 0, needsAllow: false },
  xargs: {
    valued: [
      '-I',
      '-d',
      '-E',
      '-L',
      '-n',
      '-P',
      '-s',
      '-a',
      '--arg-file',
      '--delimiter',
      '--eof',
      '--max-lines',
      '--max-args',
      '--max-procs',
      '--max-chars',
      '--replace',
      '--process-slot-var',
    ],
    leading: 0,
    needsAllow: false,
    appends: 'xargs appends arguments read from its input',
  },
  setsid: { valued: [], leading: 0, needsAllow: false },
  chrt: { valued: ['-T', '-P', '-D', '--sched-runtime', '--sched-period', '--sched-deadline'], leading: 1, needsAllow: false },
  taskset: { valued: [], leading: 1, needsAllow: false },
  flock: { valued: ['-w', '--timeout', '-E', '--conflict-exit-code'], leading: 1, needsAllow: false, lineAfterLeading: ['-c', '--command'] },
  watch: { valued: ['-n', '--interval', '-q', '--equexit'], leading: 0, needsAllow: false, joinsShell: { unless: ['-x', '--exec'] } },
  unbuffer: { valued: [], leading: 0, needsAllow: false },
  catchsegv: { valued: [], leading: 0, needsAllow: false },
  faketime: { valued: ['--date-prog'], leading: 1, needsAllow: false },
  fakeroot: { valued: ['-l', '--lib', '--faked', '-s', '-i', '-b'], leading: 0, needsAllow: false },
  strace: {
    valued: [
      '-o',
      '--output',
      '-e',
      '-p',
      '--attach',
      '-s',
      '--string-limit',
      '-u',
      '--user',
      '-E',
      '--env',
      '-a',
      '--columns',
      '-b',
      '--detach-on',
      '-I',
      '--interruptible',
      '-O',
      '-S',
      '--summary-sort-by',
      '-X',
      '--const-print-style',
      '-P',
      '--trace-path',
      '-U',
      '--summary-columns',
      '--trace',
      '--signal',
      '--status',
      '--abbrev',
      '--verbose',
      '--raw',
      '--read',
      '--write',
      '--fault',
      '--inject',
      '--kvm',
      '--trace-fds',
    ],
    leading: 0,
    needsAllow: false,
  },
  ltrace: {
    valued: [
      '-o',
      '--output',
      '-e',
      '-p',
      '-s',
      '-u',
      '-a',
      '--align',
      '-A',
      '-D',
      '--debug',
      '-F',
      '--config',
      '-l',
      '--library',
      '-L',
      '-n',
      '--indent',
      '-w',
      '--where',
      '-x',
    ],
    leading: 0,
    needsAllow: false,
  },
  // Programs that change who or where the command runs, or run a shell: they need an allow of their own.
  busybox: { valued: [], leading: 0, needsAllow: true },
  su: {
    valued: ['-c', '--command', '--session-command', '-g', '--group', '-G', '--supp-group', '-s', '--shell', '-w', '--whitelist-environment'],
    leading: 0,
    needsAllow: true,
    commandOptions: ['-c', '--command', '--session-command'],
    permutes: true,
  },
  runuser: {
    valued: ['-u', '--user', '-c', '--command', '--session-command', '-g', '--group', '-G', '--supp-group', '-s', '--shell', '-w', '--whitelist-environment'],
    leading: 0,
    needsAllow: true,
    commandOptions: ['-c', '--command', '--session-command'],
    permutes: true,
  },
  script: {
    valued: [
      '-c',
      '--command',
      '-E',
      '--echo',
      '-I',
      '--log-in',
      '-O',
      '--log-out',
      '-B',
      '--log-io',
      '-T',
      '--log-timing',
      '-m',
      '--logging-format',
      '-o',
      '--output-limit',
    ],
    leading: 0,
    needsAllow: true,
    commandOptions: ['-c', '--command'],
  },
  unshare: { valued: ['-S', '--setuid', '-G', '--setgid', '-R', '--root', '-w', '--wd'], leading: 0, needsAllow: true },
  nsenter: { valued: ['-t', '--target', '-S', '--setuid', '-G', '--setgid', '-r', '--root', '-w', '--wd'], leading: 0, needsAllow: true },
  chroot: { valued: ['--userspec', '--groups'], leading: 1, needsAllow: true },
};

/** Programs that run another command which rules still see through (for explanations). */
export const WRAPPER_NAMES: readonly string[] = Object.keys(WRAPPERS);

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash']);
/** A shell's options that take the next word as their value (`bash -o posix -c …`). */
const SHELL_VALUED = new Set(['--rcfile', '--init-file']);
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
const MAX_UNWRAP = 16;

export function baseName(program: string): string {
  const trimmed = program.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function invocation(words: Word[], text: string, wrapper: boolean, runtimeArgs: string | undefined): Invocation | undefined {
  const [programWord, ...args] = words;
  if (!programWord) return undefined;
  const program = programWord.value === undefined ? undefined : baseName(programWord.value);
  return { program, programWord, args, text, wrapper, runtimeArgs };
}

export function unwrap(command: Pick<SimpleCommand, 'words' | 'text'>): Unwrapped {
  const out: Unwrapped = { invocations: [], reentries: [], unresolved: [], assignments: [] };
  let words = command.words;
  let runtimeArgs: string | undefined;
  for (let depth = 0; depth < MAX_UNWRAP; depth++) {
    const inv = invocation(words, command.text, false, runtimeArgs);
    if (!inv) return out;
    const spec = inv.program === undefined ? undefined : familyEntry(WRAPPERS, inv.program);
    // `bash5.2 -c` is a bash.
    if (inv.program !== undefined && programFamily(inv.program).some((name) => SHELLS.has(name))) {
      shellReentry(inv, out);
      return out;
    }
    if (inv.program === 'eval') {
      evalReentry(inv, out);
      return out;
    }
    if (inv.program === 'trap') {
      trapReentry(inv, out);
      return out;
    }
    if (inv.program === 'alias' && inv.args.some((a) => a.value === undefined || a.value.includes('='))) {
      out.invocations.push(inv);
      out.unresolved.push('alias changes what later command names mean, which the analysis does not follow');
      return out;
    }
    if (inv.program === 'find') findExec(inv, out);
    if (!spec) {
      out.invocations.push(inv);
      return out;
    }
    const reentries = out.reentries.length;
    const inner = wrappedCommand(inv, spec, out);
    if (!inner || inner.length === 0) {
      // A wrapper that runs a command line (`env -S`, `flock F -c`, `watch`) is as transparent as one that runs words.
      out.invocations.push(out.reentries.length > reentries ? { ...inv, wrapper: !spec.needsAllow } : inv);
      return out;
    }
    out.invocations.push({ ...inv, wrapper: !spec.needsAllow });
    if (spec.appends) runtimeArgs = spec.appends;
    words = inner;
  }
  out.unresolved.push(`wrappers are nested more than ${MAX_UNWRAP} deep`);
  return out;
}

/** The words of the command a wrapper runs, after its options and leading operands. */
function wrappedCommand(inv: Invocation, spec: WrapperSpec, out: Unwrapped): Word[] | undefined {
  const args = inv.args;
  const program = inv.program ?? 'a wrapper';
  let i = 0;
  let leading = spec.leading;
  let optionsEnded = false;
  const seen = new Set<string>();
  if (spec.permutes === true && permutedCommandOption(inv, spec, out)) return [];
  while (i < args.length) {
    const word = args[i] as Word;
    const value = word.value;
    if (value === undefined) {
      out.unresolved.push(`the arguments of ${program} include ${word.dynamic ?? word.text}, which cannot be resolved statically`);
      return undefined;
    }
    // `env -- A=b cmd` still sets A: assignments come before the command, options or not.
    if (spec.assigns === true && /^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
      out.assignments.push(value.slice(0, value.indexOf('=')));
      optionsEnded = true;
      i++;
      continue;
    }
    // `timeout -- 5 rm`: the end of options, then the leading operands, then the command.
    if (!optionsEnded && value === '--') {
      optionsEnded = true;
      i++;
      continue;
    }
    if (!optionsEnded && value === '-' && spec.loneDash === true) {
      i++;
      continue;
    }
    if (!optionsEnded && value.startsWith('-') && value.length > 1 && leading === spec.leading) {
      const option = readOption(spec, value, args[i + 1]);
      for (const name of option.names) seen.add(name);
      if (option.command !== undefined) {
        if (option.command.text === undefined) out.unresolved.push(`${program} ${option.command.name} takes a command line that cannot be resolved statically`);
        else out.reentries.push({ source: option.command.text, via: `${program} ${option.command.name}` });
        return [];
      }
      i += option.words;
      continue;
    }
    if (leading > 0) {
      leading--;
      i++;
      continue;
    }
    if (spec.lineAfterLeading?.includes(value)) {
      const line = args[i + 1]?.value;
      if (line === undefined) out.unresolved.push(`${program} ${value} takes a command line that cannot be resolved statically`);
      else out.reentries.push({ source: line, via: `${program} ${value}` });
      return [];
    }
    break;
  }
  const inner = args.slice(i);
  return spec.joinsShell && !spec.joinsShell.unless.some((name) => seen.has(name)) ? joinedShell(inv, inner, out) : inner;
}

/**
 * For a wrapper whose options may follow its operands (`su root -c LINE`: GNU getopt permutes),
 * a command-line option anywhere before `--`; true when one was found (and recorded).
 */
function permutedCommandOption(inv: Invocation, spec: WrapperSpec, out: Unwrapped): boolean {
  const args = inv.args;
  for (let i = 0; i < args.length; i++) {
    const value = args[i]?.value;
    if (value === '--') return false;
    if (value === undefined || !value.startsWith('-') || value.length < 2) continue;
    const option = readOption(spec, value, args[i + 1]);
    if (option.command !== undefined) {
      if (option.command.text === undefined)
        out.unresolved.push(`${inv.program ?? 'a wrapper'} ${option.command.name} takes a command line that cannot be resolved statically`);
      else out.reentries.push({ source: option.command.text, via: `${inv.program ?? 'a wrapper'} ${option.command.name}` });
      return true;
    }
    i += option.words - 1;
  }
  return false;
}

interface OptionRead {
  /** How many words the option takes up: itself, and its value when that is the next word. */
  words: 1 | 2;
  /** The options the word holds (`-tx` holds -t and -x; `--exe` is --exec), as the wrapper names them. */
  names: string[];
  /** When the option's value is a command line the wrapper runs: the option and the line (undefined when dynamic). */
  command?: { name: string; text: string | undefined };
}

/**
 * One option word of a wrapper, read as getopt reads it: `--name=value`, `--name value`, and a
 * cluster of short options (`-iu root`, `-iuroot`) where the first letter that takes a value takes
 * the rest of the word or, when nothing is left, the next word.
 */
function readOption(spec: WrapperSpec, value: string, next: Word | undefined): OptionRead {
  let name: string;
  let attached: string | undefined;
  if (value.startsWith('--')) {
    const eq = value.indexOf('=');
    name = longName(spec, eq > 0 ? value.slice(0, eq) : value);
    if (eq > 0) attached = value.slice(eq + 1);
    else if (!spec.valued.includes(name)) return { words: 1, names: [name] };
  } else {
    const letters = [...value.slice(1)].map((letter) => `-${letter}`);
    const at = letters.findIndex((letter) => spec.valued.includes(letter));
    if (at < 0) return { words: 1, names: letters };
    name = letters[at] as string;
    attached = value.slice(at + 2) || undefined;
    if (!spec.commandOptions?.includes(name)) return { words: attached === undefined ? 2 : 1, names: letters.slice(0, at + 1) };
  }
  const words = attached === undefined ? 2 : 1;
  if (!spec.commandOptions?.includes(name)) return { words, names: [name] };
  return { words, names: [name], command: { name, text: attached ?? next?.value } };
}

/** A long option as getopt_long reads it: an unambiguous prefix of one the wrapper knows is that option (`--sig` is `--signal`). */
function longName(spec: WrapperSpec, name: string): string {
  return resolveLongOption(name, [...spec.valued, ...(spec.commandOptions ?? []), ...(spec.joinsShell?.unless ?? [])]);
}

/** `watch ls -la` runs `sh -c 'ls -la'`: the words are one command line again. */
function joinedShell(inv: Invocation, inner: Word[], out: Unwrapped): Word[] {
  if (inner.length === 0) return inner;
  const dynamic = inner.find((a) => a.value === undefined);
  if (dynamic)
    out.unresolved.push(`${inv.program ?? 'a wrapper'} runs ${dynamic.dynamic ?? dynamic.text} through a shell, which cannot be resolved statically`);
  else out.reentries.push({ source: inner.map((a) => a.value).join(' '), via: inv.program ?? 'a wrapper' });
  return [];
}

/**
 * `sh -c LINE`: options come in any order before the line (`bash -o posix -c …`, `bash -c -e …`);
 * the line is the first word that is not an option. Without `-c` the shell runs a script or its
 * input, and the shell itself must be allowed.
 */
function shellReentry(inv: Invocation, out: Unwrapped): void {
  const args = inv.args;
  let runsLine = false;
  let i = 0;
  for (; i < args.length; i++) {
    const value = args[i]?.value;
    if (value === undefined || !/^[-+]./.test(value)) break;
    if (value === '--') {
      i++;
      break;
    }
    if (value.startsWith('--')) {
      if (SHELL_VALUED.has(value)) i++;
      continue;
    }
    if (value.startsWith('-') && value.includes('c')) runsLine = true;
    // Each o or O in a cluster (`-o posix`, `+O extglob`, `-eo pipefail`) takes the next word.
    i += value.slice(1).replace(/[^oO]/g, '').length;
  }
  if (!runsLine) {
    out.invocations.push(inv);
    return;
  }
  const shell = inv.program ?? 'sh';
  const script = args[i];
  out.invocations.push({ ...inv, wrapper: true });
  if (!script) out.unresolved.push(`${shell} -c has no command line`);
  else if (script.value === undefined) out.unresolved.push(`${shell} -c runs ${script.dynamic ?? script.text}, which cannot be resolved statically`);
  else out.reentries.push({ source: script.value, via: `${shell} -c` });
}

function evalReentry(inv: Invocation, out: Unwrapped): void {
  out.invocations.push({ ...inv, wrapper: true });
  const dynamic = inv.args.find((a) => a.value === undefined);
  if (dynamic) out.unresolved.push(`eval runs ${dynamic.dynamic ?? dynamic.text}, which cannot be resolved statically`);
  else out.reentries.push({ source: inv.args.map((a) => a.value).join(' '), via: 'eval' });
}

/** `trap 'cmd' SIGNAL` runs its first operand as a command line when the signal comes (EXIT: at the end). */
function trapReentry(inv: Invocation, out: Unwrapped): void {
  out.invocations.push({ ...inv, wrapper: true });
  const args = inv.args.filter((a) => a.value !== '--');
  const action = args[0];
  if (!action || args.length < 2 || action.value === '-' || (action.value?.startsWith('-') ?? false)) return;
  if (action.value === undefined) out.unresolved.push(`trap runs ${action.dynamic ?? action.text}, which cannot be resolved statically`);
  else if (action.value !== '') out.reentries.push({ source: action.value, via: 'trap' });
}

function findExec(inv: Invocation, out: Unwrapped): void {
  const args = inv.args;
  for (let i = 0; i < args.length; i++) {
    if (!FIND_EXEC.has(args[i]?.value ?? '')) continue;
    const start = i + 1;
    let end = start;
    // `;` ends it, and `+` only right after `{}` (`-exec env -u + rm x ;` runs `env -u + rm x`).
    while (end < args.length && args[end]?.value !== ';' && !(args[end]?.value === '+' && args[end - 1]?.value === '{}')) end++;
    const words = args.slice(start, end).map((w) => (w.value === '{}' ? { ...w, value: undefined, dynamic: '{} (a path find found)' } : w));
    const nested = invocation(words, inv.text, false, 'find passes the paths it finds');
    if (nested) {
      const inner = unwrap({ words: [nested.programWord, ...nested.args], text: inv.text });
      for (const x of inner.invocations) x.runtimeArgs ??= 'find passes the paths it finds';
      out.invocations.push(...inner.invocations);
      out.reentries.push(...inner.reentries);
      out.unresolved.push(...inner.unresolved);
      out.assignments.push(...inner.assignments);
    }
    i = end;
  }
}
