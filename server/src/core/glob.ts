import picomatch from 'picomatch';

/**
 * Path globs. Semantics (documented in README): patterns are relative to the repository root, or
 * absolute for paths outside it; `*` stays within a segment, `**` crosses segments, wildcards
 * match dotfiles, `{a,b}` and `[a-z]`/`[^a]` work as in picomatch. Negation (`!x`), extglobs and
 * `[!x]` (which picomatch would read as a class of `!` and `x`) are rejected as ambiguous.
 */
export interface CompiledGlob {
  pattern: string;
  regex: RegExp;
  absolute: boolean;
  /** Literal leading segments (lower-cased when matching is case-insensitive); '' when the first segment has a wildcard. */
  base: string;
  /** The first literal segment, the key of the rule index. */
  firstSegment: string | undefined;
}

export type GlobResult = { ok: true; glob: CompiledGlob } | { ok: false; message: string };

export function globOptions(caseInsensitive: boolean): picomatch.PicomatchOptions {
  return { dot: true, nonegate: true, noextglob: true, nocase: caseInsensitive, strictSlashes: true };
}

const EXTGLOB = /[@!+*?]\(/;

export function validateGlob(pattern: string): string | undefined {
  if (pattern.trim() !== pattern || pattern.length === 0) return 'a pattern may not be empty or start or end with spaces';
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

export function compileGlob(pattern: string, caseInsensitive: boolean): GlobResult {
  const problem = validateGlob(pattern);
  if (problem) return { ok: false, message: problem };
  let regex: RegExp;
  try {
    regex = picomatch.makeRe(pattern, globOptions(caseInsensitive));
  } catch (error) {
    return { ok: false, message: `not a valid glob: ${String((error as Error).message ?? error)}` };
  }
  const absolute = pattern.startsWith('/');
  const segments = literalPrefix(absolute ? pattern.slice(1) : pattern);
  let base = (absolute ? '/' : '') + segments.join('/');
  if (caseInsensitive) base = base.toLowerCase();
  const first = segments[0];
  const firstSegment = first === undefined ? undefined : caseInsensitive ? first.toLowerCase() : first;
  return { ok: true, glob: { pattern, regex, absolute, base, firstSegment } };
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
