/**
 * Whether a glob's analysis (glob-language.ts) is known to succeed from the glob's shape alone,
 * without building its automaton: what a process that only enforces needs (AP2004 blocks a glob
 * the analysis cannot handle), at a fraction of the cost.
 *
 * The shape covered: segments of plain characters, `?`, `*`, whole `**` segments and flat
 * `{a,b}` groups of plain characters. Anything else (classes, escapes, nested or starred braces,
 * other punctuation) returns undefined and the caller builds the automaton as before.
 *
 * The bound: the glob is cut into pieces at its loops (`*`, `**`); each piece is a finite set of
 * strings (its brace expansions), whose matching automaton (Aho–Corasick) has at most its total
 * length + 1 states, doubled for each `?` it holds (a `?` after a loop must remember whether each
 * recent character could have been it: `*a??????????` needs 2^10). The subset construction runs
 * the pieces side by side, so the bound is the product over pieces (a leading piece whose strings
 * have one length is passed before the rest begins, so it adds instead), times a constant for the
 * normalised-path automaton the language is intersected with. It is far above what refa builds
 * (`src/components/**\/*.tsx`: bound 416, built 27); test/unit/glob-state-bound.test.ts checks
 * bound ≥ built on generated globs.
 */

const PLAIN = /^[A-Za-z0-9._~-]$/;
const MAX_EXPANSIONS = 64;
/** The normalised-path automaton and picomatch's guards (dot segments), generously. */
const CONSTANT = 16;

type Token = { kind: 'loop' } | { kind: 'text'; strings: string[]; wildcards: number };

/** The bound on the states the analysis builds, or undefined when the shape is not covered. */
export function analysisStateBound(pattern: string): number | undefined {
  const body = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  const tokens: Token[] = [];
  const segments = body.split('/');
  // `x/**/*` keeps an assertion the analysis refuses (`(?:\/…\/|\/|$)`): left to it, to be reported.
  if (segments.length >= 2 && /^\*+$/.test(segments[segments.length - 1] as string) && segments[segments.length - 2] === '**') return undefined;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (i > 0) tokens.push(text(['/'], 0));
    if (segment === '**') tokens.push({ kind: 'loop' });
    else if (!segmentTokens(segment, tokens)) return undefined;
  }
  const [first, ...rest] = pieces(tokens);
  const later = rest.reduce((product, piece) => product * piece.states, 1);
  // A leading piece whose strings all have one length is left by every thread at once: its states come before the rest's, not beside them.
  const bound = CONSTANT * (first && first.sameLength && rest.length > 0 ? first.states + later : (first?.states ?? 1) * later);
  return Number.isFinite(bound) ? bound : Infinity;
}

function text(strings: string[], wildcards: number): Token {
  return { kind: 'text', strings, wildcards };
}

/** One segment's tokens; false when it holds anything outside the covered shape. */
function segmentTokens(segment: string, out: Token[]): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') {
      while (segment[i + 1] === '*') i++;
      out.push({ kind: 'loop' });
    } else if (c === '?') out.push(text(['?'], 1));
    else if (c === '{') {
      const end = segment.indexOf('}', i);
      if (end < 0) return false;
      const alternatives = segment.slice(i + 1, end).split(',');
      if (alternatives.length < 2 || alternatives.some((a) => ![...a].every((x) => PLAIN.test(x)))) return false;
      out.push(text(alternatives, 0));
      i = end;
    } else if (PLAIN.test(c)) out.push(text([c], 0));
    else return false;
  }
  return true;
}

interface Piece {
  /** The most states matching it can need. */
  states: number;
  /** Whether all its strings have one length. */
  sameLength: boolean;
}

/** The pieces (the runs of text between loops), each with its bound. */
function pieces(tokens: Token[]): Piece[] {
  const out: Piece[] = [];
  let strings = [''];
  let wildcards = 0;
  const close = (): void => {
    const total = strings.reduce((n, s) => n + s.length, 0);
    out.push({ states: (total + 1) * 2 ** wildcards, sameLength: strings.every((s) => s.length === strings[0]?.length) });
    strings = [''];
    wildcards = 0;
  };
  for (const token of tokens) {
    if (token.kind === 'loop') {
      close();
      continue;
    }
    const next = strings.flatMap((s) => token.strings.map((t) => s + t));
    // Too many expansions to bound cheaply: counted as if unbounded.
    if (next.length > MAX_EXPANSIONS) return [{ states: Infinity, sameLength: false }];
    strings = next;
    wildcards += token.wildcards;
  }
  close();
  return out;
}
