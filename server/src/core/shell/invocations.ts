import type { SimpleCommand } from './walk';
import type { Word } from './words';

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
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: { valued: ['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T', '--user', '--group', '--host', '--prompt', '--chdir', '--role', '--type', '--other-user', '--command-timeout', '--close-from'], leading: 0, needsAllow: true },
  doas: { valued: ['-u', '-C'], leading: 0, needsAllow: true },
  env: { valued: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string', '-P'], leading: 0, needsAllow: false },
  timeout: { valued: ['-s', '--signal', '-k', '--kill-after'], leading: 1, needsAllow: false },
  nice: { valued: ['-n', '--adjustment'], leading: 0, needsAllow: false },
  nohup: { valued: [], leading: 0, needsAllow: false },
  command: { valued: [], leading: 0, needsAllow: false },
  builtin: { valued: [], leading: 0, needsAllow: false },
  time: { valued: ['-f', '--format', '-o', '--output'], leading: 0, needsAllow: false },
  exec: { valued: ['-a'], leading: 0, needsAllow: false },
  stdbuf: { valued: ['-i', '-o', '-e', '--input', '--output', '--error'], leading: 0, needsAllow: false },
  ionice: { valued: ['-c', '-n', '-p', '-P', '-u', '--class', '--classdata'], leading: 0, needsAllow: false },
  xargs: { valued: ['-I', '-d', '-E', '-L', '-n', '-P', '-s', '-a', '--arg-file', '--delimiter', '--eof', '--max-lines', '--max-args', '--max-procs', '--max-chars', '--replace', '--process-slot-var'], leading: 0, needsAllow: false, appends: 'xargs appends arguments read from its input' },
};

/** Programs that run another command which rules still see through (for explanations). */
export const WRAPPER_NAMES: readonly string[] = Object.keys(WRAPPERS);

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'busybox']);
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
    const spec = inv.program === undefined ? undefined : WRAPPERS[inv.program];
    if (inv.program !== undefined && SHELLS.has(inv.program)) {
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
    const inner = wrappedCommand(inv, spec, out);
    if (!inner || inner.length === 0) {
      out.invocations.push(inv);
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
  let i = 0;
  let leading = spec.leading;
  while (i < args.length) {
    const word = args[i] as Word;
    const value = word.value;
    if (value === undefined) {
      out.unresolved.push(`the arguments of ${inv.program ?? 'a wrapper'} include ${word.dynamic ?? word.text}, which cannot be resolved statically`);
      return undefined;
    }
    if (value === '--') {
      i++;
      break;
    }
    if (inv.program === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
      out.assignments.push(value.slice(0, value.indexOf('=')));
      i++;
      continue;
    }
    if (value.startsWith('-') && value.length > 1 && leading === spec.leading) {
      const name = value.includes('=') ? value.slice(0, value.indexOf('=')) : value;
      if (inv.program === 'env' && (name === '-S' || name === '--split-string' || value.startsWith('-S'))) {
        const text = value.includes('=') ? value.slice(value.indexOf('=') + 1) : value === '-S' ? args[i + 1]?.value : value.slice(2);
        if (text === undefined) out.unresolved.push('env -S takes a command line that cannot be resolved statically');
        else out.reentries.push({ source: text, via: 'env -S' });
        return [];
      }
      if (inv.program === 'nice' && /^-\d+$/.test(value)) {
        i++;
        continue;
      }
      i += spec.valued.includes(name) && !value.includes('=') ? 2 : 1;
      continue;
    }
    if (leading > 0) {
      leading--;
      i++;
      continue;
    }
    break;
  }
  return args.slice(i);
}

function shellReentry(inv: Invocation, out: Unwrapped): void {
  const args = inv.args;
  for (let i = 0; i < args.length; i++) {
    const value = args[i]?.value;
    if (value === undefined) break;
    if (!value.startsWith('-') || value === '--') break;
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(value)) {
      const script = args[i + 1];
      out.invocations.push({ ...inv, wrapper: true });
      if (!script) out.unresolved.push(`${inv.program ?? 'sh'} -c has no command line`);
      else if (script.value === undefined) out.unresolved.push(`${inv.program ?? 'sh'} -c runs ${script.dynamic ?? script.text}, which cannot be resolved statically`);
      else out.reentries.push({ source: script.value, via: `${inv.program ?? 'sh'} -c` });
      return;
    }
  }
  // A shell running a script file or reading commands from its input: the shell itself must be allowed.
  out.invocations.push(inv);
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
    while (end < args.length && args[end]?.value !== ';' && args[end]?.value !== '+') end++;
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
