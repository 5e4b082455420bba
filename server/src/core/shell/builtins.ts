import type { Invocation } from './invocations';
import { ownEntry } from '../base/own-entry';

/**
 * Shell builtins that change the shell's state for the commands after them (reviewed data): the
 * variables they assign by name (`read PATH`, `printf -v PATH …`, `mapfile`, `getopts`, `let`),
 * and changes the analysis does not follow (`hash -p` renames a program, `enable -f` loads code
 * into the shell, `coproc` runs a command it does not parse).
 */
export interface BuiltinEffects {
  assigns: string[];
  unresolved: string[];
}

interface Assigner {
  /** Options that take the next word; those in `naming` name a variable the builtin assigns. */
  valued: string[];
  naming: string[];
  /** Which operands are variable names: all, the last, or the second (getopts). */
  operands: 'all' | 'second' | 'none' | 'assignments';
}

const ASSIGNERS: Record<string, Assigner> = {
  read: { valued: ['-a', '-d', '-i', '-n', '-N', '-p', '-t', '-u'], naming: ['-a'], operands: 'all' },
  printf: { valued: ['-v'], naming: ['-v'], operands: 'none' },
  // bash assigns the first operand (`mapfile -t PATH junk`); every operand is checked.
  mapfile: { valued: ['-d', '-n', '-O', '-s', '-u', '-C', '-c'], naming: [], operands: 'all' },
  readarray: { valued: ['-d', '-n', '-O', '-s', '-u', '-C', '-c'], naming: [], operands: 'all' },
  getopts: { valued: [], naming: [], operands: 'second' },
  let: { valued: [], naming: [], operands: 'assignments' },
};

const UNFOLLOWED: Record<string, (args: (string | undefined)[]) => string | undefined> = {
  hash: (args) =>
    args.some((a) => a === undefined || /^-[A-Za-z]*p/.test(a))
      ? 'hash -p makes a command name run another program, which the analysis does not follow'
      : undefined,
  enable: (args) =>
    args.some((a) => a === undefined || /^-[A-Za-z]*f/.test(a))
      ? 'enable -f loads a shared object into the shell as a builtin, code the policy cannot see'
      : undefined,
  coproc: () => 'coproc runs a command in the background that the analysis does not parse',
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function builtinEffects(inv: Invocation): BuiltinEffects | undefined {
  const program = inv.program;
  if (program === undefined) return undefined;
  const values = inv.args.map((a) => a.value);
  const unfollowed = ownEntry(UNFOLLOWED, program)?.(values);
  if (unfollowed !== undefined) return { assigns: [], unresolved: [unfollowed] };
  const assigner = ownEntry(ASSIGNERS, program);
  if (!assigner) return undefined;
  const out: BuiltinEffects = { assigns: [], unresolved: [] };
  const operands: (string | undefined)[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === '--') {
      operands.push(...values.slice(i + 1));
      break;
    }
    if (value === undefined || !value.startsWith('-') || value === '-' || assigner.operands === 'assignments') {
      operands.push(value);
      continue;
    }
    // A cluster (`-ra NAME`): the first letter that takes a value takes the rest or the next word.
    for (let j = 1; j < value.length; j++) {
      const option = `-${value[j] as string}`;
      if (!assigner.valued.includes(option)) continue;
      const attached = value.slice(j + 1);
      const taken = attached !== '' ? attached : values[++i];
      if (assigner.naming.includes(option)) named(taken, program, out);
      break;
    }
  }
  const names = assigner.operands === 'all' || assigner.operands === 'assignments' ? operands : assigner.operands === 'second' ? operands.slice(1, 2) : [];
  for (const name of names) named(assigner.operands === 'assignments' && name !== undefined ? NAME.exec(name)?.[0] : name, program, out);
  return out;
}

function named(name: string | undefined, program: string, out: BuiltinEffects): void {
  if (name === undefined) out.unresolved.push(`${program} assigns a variable whose name the shell computes`);
  else out.assigns.push(name);
}
