import { Memo } from '../base/memo';
import picomatch from 'picomatch';
import { compileLinear, UnsupportedRegexError } from '../globs/glob-matcher';
import type { ShellParser } from '../base/types';
import { ambiguousAbbreviation, canonicalFlags, gitGlobalOptionWidth } from './flags';
import { baseName, type Invocation } from './invocations';
import { resolveAbsolute } from '../base/paths';
import { analyse } from './walk';
import { programFamily } from './program-family';

export interface CommandPattern {
  raw: string;
  program: string;
  programMatcher: (name: string) => boolean;
  /** The program's path when the pattern names one (`/usr/bin/time`): only that file is it. */
  programPath: string | undefined;
  /** Words that must appear (glob-matched); '*' matches any one word. */
  positionals: string[];
  /** Canonical flags the command must carry. */
  flags: string[];
}

export type Match = 'yes' | 'maybe' | 'no';

/** How a command's words divide into positionals and flags; undefined entries are dynamic. */
export interface CommandShape {
  program: string | undefined;
  positionals: (string | undefined)[];
  flags: Set<string>;
  /** A dynamic word (or runtime arguments) could add any flag. */
  openFlags: boolean;
  /** Runtime arguments could add positionals at the end. */
  openPositionals: boolean;
}

const wordMatchers = new Memo<string, (word: string) => boolean>('command word matchers', 50_000);

// Called for every word of every decision: the builder is named once (no closure per call).
export function wordMatcher(pattern: string): (word: string) => boolean {
  return wordMatchers.get(pattern, buildWordMatcher);
}

function buildWordMatcher(pattern: string): (word: string) => boolean {
  if (!/[*?[{]/.test(pattern)) return (w) => w === pattern;
  const re = picomatch.makeRe(pattern, { dot: true, nonegate: true, noextglob: true });
  return linearWordMatcher(re.source) ?? ((w) => re.test(w));
}

// The guard picomatch puts before a word that starts with a wildcard: not `.`, `..`, `./…` or
// `../…`, and not empty (nor starting with a line break, which `.` does not match).
const LEADING_GUARD = '(?!\\.{1,2}(?:\\/|$))(?=.)';
const GUARDED = /^(?:\.{1,2}(?:\/|$)|$|[\n\r\u2028\u2029])/;

/**
 * The word pattern as a linear-time matcher (glob-matcher.ts), so that no word an agent chooses
 * can make a policy's pattern backtrack (`tool*a*a*a*b` against a long word). The leading guard is
 * checked apart; a pattern with assertions elsewhere (a `/` in the word pattern before a
 * wildcard, `**`) keeps V8's regex.
 */
function linearWordMatcher(source: string): ((word: string) => boolean) | undefined {
  const guarded = source.startsWith(`^(?:${LEADING_GUARD}`);
  const body = guarded ? `^(?:${source.slice(4 + LEADING_GUARD.length)}` : source;
  if (body.includes('(?=') || body.includes('(?!')) return undefined;
  let linear: ReturnType<typeof compileLinear>;
  try {
    linear = compileLinear(body, false);
  } catch (error) {
    if (error instanceof UnsupportedRegexError) return undefined;
    throw error;
  }
  return guarded ? (w) => !GUARDED.test(w) && linear.test(w) : (w) => linear.test(w);
}

export type CommandPatternResult = { ok: true; pattern: CommandPattern } | { ok: false; message: string };

const parsedPatterns = new WeakMap<ShellParser, Memo<string, CommandPatternResult>>();

/** Parses a command pattern (memoised per parser: results are immutable and shared). */
export function parseCommandPattern(raw: string, shell: ShellParser): CommandPatternResult {
  let memo = parsedPatterns.get(shell);
  if (!memo) parsedPatterns.set(shell, (memo = new Memo('parsed command patterns', 50_000)));
  return memo.get(raw, () => parseUncached(raw, shell));
}

/**
 * A pattern made only of plain words (letters, digits and `_ . / : + , * -`; the first word
 * starting with a letter, digit, `_`, `.` or `/`; `@` and `=` after it) separated by single spaces: its words are its text split at the spaces, which is
 * what the shell parser finds too (test/unit/command-pattern-words.test.ts compares the two on
 * generated patterns). Most patterns are such, so loading a policy rarely needs the parser.
 */
const PLAIN_PATTERN = /^[A-Za-z0-9_./][A-Za-z0-9_./:+,*-]*(?: [A-Za-z0-9_./:@+,*=-]+)*$/;

/** The pattern's literal words, or why it has none. */
export function patternWords(raw: string, shell: ShellParser): string[] | { message: string } {
  if (PLAIN_PATTERN.test(raw)) return raw.split(' ');
  const analysis = shell.withTree(raw, (root) => analyse(root));
  if (analysis.errors.length) return { message: analysis.errors[0] as string };
  if (analysis.unresolved.length) return { message: analysis.unresolved[0] as string };
  if (analysis.commands.length !== 1 || analysis.redirects.length)
    return { message: 'a command pattern must be one simple command, without operators or redirections' };
  const command = analysis.commands[0];
  const words = command?.words ?? [];
  if (command?.assignments.length) return { message: 'a command pattern may not start with variable assignments' };
  if (words.length === 0 || words.some((w) => w.value === undefined)) return { message: 'a command pattern must be made of literal words (no $ expansions)' };
  return words.map((w) => w.value as string);
}

function parseUncached(raw: string, shell: ShellParser): CommandPatternResult {
  if (raw.trim() === '') return { ok: false, message: 'a command pattern may not be empty' };
  const values = patternWords(raw, shell);
  if (!Array.isArray(values)) return { ok: false, message: values.message };
  const program = baseName(values[0] as string);
  const shape = shapeOf(program, values.slice(1), 'pattern');
  const positionals = shape.positionals.map((p) => p as string);
  // An abbreviation that stands for several options would match none of them: refused, not silently dead.
  const sub = program === 'git' ? positionals[0] : undefined;
  for (const word of values.slice(1)) {
    const candidates = ambiguousAbbreviation(word, program, sub);
    if (candidates)
      return {
        ok: false,
        message: `"${word}" is an ambiguous abbreviation for ${program}${sub === undefined ? '' : ` ${sub}`} (${candidates.join(', ')}); write the option whole`,
      };
  }
  while (positionals[positionals.length - 1] === '*') positionals.pop();
  const written = values[0] as string;
  const programPath = written.includes('/') ? resolveAbsolute(written.startsWith('/') ? written : `/${written}`) : undefined;
  return { ok: true, pattern: { raw, program, programMatcher: wordMatcher(program), programPath, positionals, flags: [...shape.flags] } };
}

/** Splits words into positionals and canonical flags, skipping git's global options. */
export function shapeOf(program: string | undefined, words: (string | undefined)[], side: 'pattern' | 'command'): CommandShape {
  const shape: CommandShape = { program, positionals: [], flags: new Set(), openFlags: false, openPositionals: false };
  let i = 0;
  if (program === 'git') {
    while (i < words.length && words[i] !== undefined && gitGlobalOptionWidth(words[i] as string) > 0) i += gitGlobalOptionWidth(words[i] as string);
  }
  let sub: string | undefined;
  let endOfFlags = false;
  for (; i < words.length; i++) {
    const word = words[i];
    if (word === undefined) {
      shape.positionals.push(undefined);
      shape.openFlags = true;
      continue;
    }
    if (!endOfFlags && word === '--') {
      endOfFlags = true;
      continue;
    }
    if (!endOfFlags && word.startsWith('-') && word.length > 1) {
      for (const flag of canonicalFlags(word, program ?? '', sub, side)) shape.flags.add(flag);
      continue;
    }
    if (sub === undefined) sub = word;
    // A refspec `+src:dst` forces, and `:dst` deletes (`git push origin :main` is `--delete main`).
    if (side === 'command' && program === 'git' && sub === 'push' && word.startsWith('+')) shape.flags.add('-f');
    if (side === 'command' && program === 'git' && sub === 'push' && /^\+?:./.test(word)) shape.flags.add('-d');
    shape.positionals.push(word);
  }
  return shape;
}

export function invocationShape(inv: Invocation): CommandShape {
  const shape = shapeOf(
    inv.program,
    inv.args.map((a) => a.value),
    'command',
  );
  if (inv.runtimeArgs) {
    shape.openFlags = true;
    shape.openPositionals = true;
  }
  return shape;
}

/** Deny and approval matching: could this command be what the pattern names? */
export function matchLoose(pattern: CommandPattern, shape: CommandShape): Match {
  if (shape.program === undefined) return 'maybe';
  // `python3.11` is a `python3`: a deny sees through the version.
  if (!programFamily(shape.program).some(pattern.programMatcher)) return 'no';
  let result: Match = 'yes';
  const staticOnly = subsequence(pattern.positionals, shape.positionals, false);
  if (!staticOnly) {
    if (subsequence(pattern.positionals, shape.positionals, true) || shape.openPositionals) result = 'maybe';
    else return 'no';
  }
  const missing = pattern.flags.some((f) => !shape.flags.has(f));
  if (missing) {
    if (shape.openFlags) result = 'maybe';
    else return 'no';
  }
  return result;
}

function subsequence(wanted: string[], have: (string | undefined)[], dynamicMatches: boolean): boolean {
  let j = 0;
  next: for (const want of wanted) {
    const matcher = wordMatcher(want);
    while (j < have.length) {
      const word = have[j++];
      if (word === undefined ? dynamicMatches : want === '*' || matcher(word)) continue next;
    }
    return false;
  }
  return true;
}

// Where a program found by name usually lives: `/bin/cat` is the `cat` an allow of "cat" means.
const SYSTEM_PROGRAM_FOLDERS = new Set(['/bin', '/usr/bin', '/usr/local/bin', '/sbin', '/usr/sbin', '/usr/local/sbin']);

/**
 * Allow side only: is the program the command names the one the pattern allows? A pattern's bare
 * name is the program found on PATH or in a system folder, never `./cat` or `/tmp/x/cat`; a
 * pattern's path is that file only. (Denies match any program of the name.)
 */
export function sameProgram(pattern: CommandPattern, programWord: string): boolean {
  if (!programWord.includes('/')) return pattern.programPath === undefined;
  if (!programWord.startsWith('/')) return false;
  const path = resolveAbsolute(programWord);
  if (pattern.programPath !== undefined) return path === pattern.programPath;
  return SYSTEM_PROGRAM_FOLDERS.has(path.slice(0, path.lastIndexOf('/')));
}

/** Allow matching: the command starts with the pattern's words (all static) and carries its flags. */
export function matchStrict(pattern: CommandPattern, shape: CommandShape): boolean {
  if (shape.program === undefined || !pattern.programMatcher(shape.program)) return false;
  for (let i = 0; i < pattern.positionals.length; i++) {
    const word = shape.positionals[i];
    const want = pattern.positionals[i] as string;
    if (word === undefined) return false;
    if (want !== '*' && !wordMatcher(want)(word)) return false;
  }
  return pattern.flags.every((f) => shape.flags.has(f));
}
