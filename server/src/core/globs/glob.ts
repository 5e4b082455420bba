import { Memo } from '../base/memo';
import picomatch from 'picomatch';
import { compileLinear, UnsupportedRegexError, type LinearMatcher } from './glob-matcher';

/**
 * Path globs. Semantics (documented in README): patterns are relative to the repository root, or
 * absolute for paths outside it; `*` stays within a segment, `**` crosses segments, wildcards
 * match dotfiles, `{a,b}` and `[a-z]`/`[^a]` work as in picomatch. Negation (`!x`), extglobs and
 * `[!x]` (which picomatch would read as a class of `!` and `x`) are rejected as ambiguous.
 */
export interface CompiledGlob {
  pattern: string;
  /** Matches normalised paths only (see `withoutVacuousAssertions`), in time linear in the path (glob-matcher.ts). */
  matcher: LinearMatcher;
  absolute: boolean;
  /** Literal leading segments, with the leading `/` of an absolute pattern (lower-cased when matching is case-insensitive); '' or '/' when the first segment has a wildcard. The rule index files rules by it. */
  base: string;
}

export type GlobResult = { ok: true; glob: CompiledGlob } | { ok: false; message: string };

export function globOptions(caseInsensitive: boolean): picomatch.PicomatchOptions {
  return { dot: true, nonegate: true, noextglob: true, nocase: caseInsensitive, strictSlashes: true };
}

// Lookarounds picomatch emits that are vacuous on normalised paths (no empty, `.` or `..` segments):
// "this segment is not . or ..", and "at least one character follows".
const VACUOUS = ['(?!\\.{1,2}(?:\\/|$))', '(?!(?:^|\\/)\\.{1,2}(?:\\/|$))', '(?=.)'];

/**
 * A picomatch regex source without the assertions that cannot fail on a normalised path. The
 * result matches exactly the same normalised paths (tested by enumeration), runs faster, and is
 * free of lookarounds, so the automaton construction in glob-language can read it.
 */
export function withoutVacuousAssertions(source: string): string {
  let out = source;
  for (const v of VACUOUS) out = out.split(v).join('');
  // After a dot that starts a segment (`.*`, `**/.*`): "this segment is not . or ..". Kept after
  // a second dot (`..*`), where it also refuses `...`, which a normalised path may hold.
  return out.replace(SEGMENT_DOT_NOT_DOTS, '$1');
}

const SEGMENT_DOT_NOT_DOTS = /((?:^|[^.])\\\.)\(\?!\\\.\{0,1\}\(\?:\\\/\|\$\)\)/g;

const EXTGLOB = /[@!+*?]\(/;

/** The longest pattern accepted: longer ones are refused before picomatch or the lint reads them. */
export const MAX_GLOB_LENGTH = 1024;

export function validateGlob(pattern: string): string | undefined {
  if (pattern.trim() !== pattern || pattern.length === 0) return 'a pattern may not be empty or start or end with spaces';
  if (pattern.length > MAX_GLOB_LENGTH) return `a pattern may be at most ${MAX_GLOB_LENGTH} characters long (this one has ${pattern.length})`;
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'a pattern may not contain control characters';
  if (pattern.startsWith('!')) return 'negated patterns are not supported; put the pattern in the other list (deny always wins)';
  if (EXTGLOB.test(pattern)) return 'extended globs such as @(a|b) or !(x) are not supported; use {a,b} or a deny pattern';
  if (pattern.includes('[!')) return 'write [^...] for a negated character class; [!...] is ambiguous';
  if (pattern.endsWith('/')) return `a trailing slash matches nothing; write "${pattern}**" for everything under the directory`;
  const segments = (pattern.startsWith('/') ? pattern.slice(1) : pattern).split('/');
  if (segments.some((s) => s === '')) return 'a pattern may not contain empty segments (//)';
  if (segments.some((s) => s === '.' || s === '..')) return 'a pattern may not contain . or .. segments; patterns are relative to the repository root';
  return undefined;
}

const compiled = new Memo<string, GlobResult>('compiled globs', 50_000);

/** Compiles a glob (memoised: results are immutable and shared, so re-loading a policy reuses them). */
export function compileGlob(pattern: string, caseInsensitive: boolean): GlobResult {
  return compiled.get(`${caseInsensitive ? 'i' : 's'}:${pattern}`, () => compileUncached(pattern, caseInsensitive));
}

function compileUncached(pattern: string, caseInsensitive: boolean): GlobResult {
  const problem = validateGlob(pattern);
  if (problem) return { ok: false, message: problem };
  let matcher: LinearMatcher;
  try {
    const raw = picomatch.makeRe(pattern, globOptions(caseInsensitive));
    matcher = compileLinear(withoutVacuousAssertions(raw.source), caseInsensitive);
  } catch (error) {
    if (error instanceof UnsupportedRegexError) return { ok: false, message: `cannot be matched in bounded time (${error.message})` };
    return { ok: false, message: `not a valid glob: ${String((error as Error).message ?? error)}` };
  }
  const absolute = pattern.startsWith('/');
  const segments = literalPrefix(absolute ? pattern.slice(1) : pattern);
  let base = (absolute ? '/' : '') + segments.join('/');
  if (caseInsensitive) base = base.toLowerCase();
  return { ok: true, glob: { pattern, matcher, absolute, base } };
}

// Conservative: a segment with any character that could be special (or escaped) is not literal.
const SPECIAL = /[*?[\]{}()!@+\\]/;

/** The leading segments of a pattern that match only themselves (all of them for a literal path). */
function literalPrefix(pattern: string): string[] {
  const segments = pattern.split('/');
  const out: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (SPECIAL.test(segment)) break;
    out.push(segment);
  }
  if (out.length === segments.length - 1 && !SPECIAL.test(segments[segments.length - 1] ?? '*')) out.push(segments[segments.length - 1] as string);
  return out;
}
