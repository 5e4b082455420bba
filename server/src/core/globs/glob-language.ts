import { Memo } from '../base/memo';
import picomatch from 'picomatch';
import { DFA, JS, NFA, TooManyNodesError, Transformers, transform, visitAst, type Expression, type NodeFactory, type NoParent } from 'refa';
import { globOptions, withoutVacuousAssertions } from './glob';

/**
 * Exact reasoning about the sets of paths that globs match: glob → regular expression
 * (picomatch) → automaton (refa), restricted to normalised paths (no empty, `.` or `..`
 * segments, no control characters). Used for conflicts, shadowed patterns and dead allows.
 */

const CHAR = '[^/\\u0000-\\u001f\\u007f\\u2028\\u2029]';
const FIRST = '[^/.\\u0000-\\u001f\\u007f\\u2028\\u2029]';
const SEGMENT = `(?:${FIRST}${CHAR}*|\\.${FIRST}${CHAR}*|\\.\\.${CHAR}+)`;
const NORMALISED = new RegExp(`^(?:\\/?${SEGMENT}(?:\\/${SEGMENT})*|\\/)$`);

export class UndecidableGlobError extends Error {}

/**
 * The most automaton states one analysis may build. A glob such as `**\/a????????????????????`
 * needs 2^20 (it must remember every `a` among the last 21 characters); `validate` ran out of
 * memory on it. Past the bound the glob is undecidable: reported, and it blocks.
 */
export const MAX_STATES = 10_000;

/** Runs an automaton construction within MAX_STATES; too many states make the glob undecidable. */
function bounded<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof TooManyNodesError) throw new UndecidableGlobError(`its automaton needs more than ${MAX_STATES} states`);
    throw error;
  }
}

// Made on first use: a process that builds no automaton never loads refa (its own bundle file).
let transformers: { simplify: ReturnType<typeof Transformers.simplify>; dropEdges: ReturnType<typeof Transformers.patternEdgeAssertions> } | undefined;

function toNfa(regex: RegExp): NFA {
  const parser = JS.Parser.fromLiteral({ source: regex.source, flags: regex.flags });
  let expression: NoParent<Expression> = parser.parse({ assertions: 'parse', simplify: false }).expression;
  transformers ??= {
    simplify: Transformers.simplify({ ignoreAmbiguity: true, ignoreOrder: true }),
    dropEdges: Transformers.patternEdgeAssertions({ remove: true, inline: true }),
  };
  const { simplify, dropEdges } = transformers;
  expression = transform(simplify, expression);
  expression = transform(dropEdges, expression);
  expression = transform(simplify, expression);
  let assertion = false;
  visitAst(expression, { onAssertionEnter: () => (assertion = true) });
  if (assertion) throw new UndecidableGlobError(`cannot analyse /${regex.source}/ exactly`);
  return NFA.fromRegex(expression, { maxCharacter: parser.maxCharacter });
}

let normalisedNfa: NFA | undefined;

/** The glob's automaton on normalised paths, before minimising, its states made by `factory`. */
function intersectionWithNormalised(pattern: string, caseInsensitive: boolean, factory: NodeFactory<DFA.Node>): DFA {
  const raw = picomatch.makeRe(pattern, globOptions(caseInsensitive));
  normalisedNfa ??= toNfa(NORMALISED);
  return DFA.fromIntersection(toNfa(new RegExp(withoutVacuousAssertions(raw.source), raw.flags)), normalisedNfa, factory);
}

/** How many states the analysis of `pattern` builds, counting up to `limit` + 1 (MAX_STATES bounds this), for tests and benchmarks. */
export function analysisStates(pattern: string, caseInsensitive: boolean, limit = 1_000_000): number {
  let count = 0;
  const inner = new DFA.LimitedNodeFactory(limit);
  try {
    intersectionWithNormalised(pattern, caseInsensitive, { createNode: () => (count++, inner.createNode()) });
  } catch (error) {
    if (!(error instanceof TooManyNodesError)) throw error;
  }
  return count;
}

const languages = new Memo<string, DFA>('glob languages', 20_000);

/** The language of a glob on normalised paths, as a minimal DFA. Throws UndecidableGlobError. */
export function globLanguage(pattern: string, caseInsensitive: boolean): DFA {
  return languages.get(`${caseInsensitive ? 'i' : 's'}:${pattern}`, () => {
    const dfa = bounded(() => intersectionWithNormalised(pattern, caseInsensitive, new DFA.LimitedNodeFactory(MAX_STATES)));
    dfa.minimize();
    return dfa;
  });
}

// Characters preferred when spelling an example path, so findings show `a/b.ts`, not `\u0020/!.ts`.
const PREFERRED = [...'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.'].map((c) => c.charCodeAt(0));

/**
 * A path that both globs match (a shortest one, spelled readably), or undefined when no path
 * does. Breadth-first over pairs of states, each pair visited once, so the cost is bounded by the
 * product of the two automata (refa's word-set enumeration walked every sequence of character
 * classes, exponentially many for `**\/a????????????????????`).
 */
export function intersectionExample(a: DFA, b: DFA): string | undefined {
  type Step = { from: [DFA.Node, DFA.Node] | undefined; char: number };
  const seen = new Map<DFA.Node, Map<DFA.Node, Step>>();
  const visit = (x: DFA.Node, y: DFA.Node, from: [DFA.Node, DFA.Node] | undefined, char: number): boolean => {
    let row = seen.get(x);
    if (!row) seen.set(x, (row = new Map<DFA.Node, Step>()));
    if (row.has(y)) return false;
    row.set(y, { from, char });
    return true;
  };
  let queue: [DFA.Node, DFA.Node][] = [[a.initial, b.initial]];
  visit(a.initial, b.initial, undefined, -1);
  let visited = 1;
  while (queue.length > 0) {
    const next: [DFA.Node, DFA.Node][] = [];
    for (const pair of queue) {
      const [x, y] = pair;
      if (a.finals.has(x) && b.finals.has(y)) return spell(pair, (p) => seen.get(p[0])?.get(p[1]));
      // The most readable character leading to each next pair (`a`, not `-`, for [^/]).
      const steps = new Map<DFA.Node, Map<DFA.Node, number>>();
      for (const [rangeX, targetX] of x.out.entries()) {
        for (const [rangeY, targetY] of y.out.entries()) {
          const low = Math.max(rangeX.min, rangeY.min);
          const high = Math.min(rangeX.max, rangeY.max);
          if (low > high) continue;
          const char = PREFERRED.find((c) => c >= low && c <= high) ?? low;
          let row = steps.get(targetX);
          if (!row) steps.set(targetX, (row = new Map<DFA.Node, number>()));
          const known = row.get(targetY);
          if (known === undefined || readability(char) < readability(known)) row.set(targetY, char);
        }
      }
      for (const [targetX, row] of steps) {
        for (const [targetY, char] of row) {
          if (!visit(targetX, targetY, pair, char)) continue;
          if (++visited > MAX_STATES) throw new UndecidableGlobError(`the intersection needs more than ${MAX_STATES} states`);
          next.push([targetX, targetY]);
        }
      }
    }
    queue = next;
  }
  return undefined;
}

function readability(char: number): number {
  const rank = PREFERRED.indexOf(char);
  return rank < 0 ? PREFERRED.length + char : rank;
}

/** The characters along the recorded path to `end`. */
function spell(end: [DFA.Node, DFA.Node], step: (pair: [DFA.Node, DFA.Node]) => { from: [DFA.Node, DFA.Node] | undefined; char: number } | undefined): string {
  const chars: number[] = [];
  for (let at = step(end); at?.from !== undefined; at = step(at.from)) chars.push(at.char);
  return String.fromCharCode(...chars.reverse());
}

/** Whether every path `a` matches is also matched by `b`. */
export function isSubset(a: DFA, b: DFA): boolean {
  return intersectionExample(a, complementOf(b)) === undefined;
}

const complements = new WeakMap<DFA, DFA>();

/** The complement of a (cached, never mutated) language. */
function complementOf(dfa: DFA): DFA {
  let not = complements.get(dfa);
  if (!not) {
    not = dfa.copy();
    not.complement();
    complements.set(dfa, not);
  }
  return not;
}

/** Whether every path `pattern` matches is matched by at least one of `others`. */
export function coveredBy(pattern: string, others: readonly string[], caseInsensitive: boolean): boolean {
  let rest = globLanguage(pattern, caseInsensitive);
  for (const other of others) {
    const complement = complementOf(globLanguage(other, caseInsensitive));
    const before = rest;
    rest = bounded(() => DFA.fromIntersection(before, complement, new DFA.LimitedNodeFactory(MAX_STATES)));
    rest.minimize();
  }
  return rest.finals.size === 0;
}

const pairs = new Memo<string, { example: string | undefined; subset: boolean }>('glob pairs', 200_000);

/**
 * How two globs relate: a path both match (undefined when none does) and whether every path of
 * `a` is also one of `b`. Memoised by pattern, so re-checking a policy after an edit only
 * analyses the pairs the edit created.
 */
export function relation(a: string, b: string, caseInsensitive: boolean): { example: string | undefined; subset: boolean } {
  return pairs.get(`${caseInsensitive ? 'i' : 's'}\0${a}\0${b}`, () => {
    const la = globLanguage(a, caseInsensitive);
    const lb = globLanguage(b, caseInsensitive);
    const example = intersectionExample(la, lb);
    return { example, subset: example !== undefined ? isSubset(la, lb) : la.finals.size === 0 };
  });
}

const liveNodes = new WeakMap<DFA, Set<DFA.Node>>();

/** Nodes from which an accepting node can still be reached. */
function live(dfa: DFA): Set<DFA.Node> {
  let set = liveNodes.get(dfa);
  if (set) return set;
  const incoming = new Map<DFA.Node, DFA.Node[]>();
  const seen = new Set<DFA.Node>([dfa.initial]);
  const queue = [dfa.initial];
  while (queue.length) {
    const node = queue.pop() as DFA.Node;
    for (const target of node.out.values()) {
      const list = incoming.get(target);
      if (list) list.push(node);
      else incoming.set(target, [node]);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  set = new Set(dfa.finals);
  const back = [...dfa.finals];
  while (back.length) {
    for (const source of incoming.get(back.pop() as DFA.Node) ?? []) {
      if (!set.has(source)) {
        set.add(source);
        back.push(source);
      }
    }
  }
  liveNodes.set(dfa, set);
  return set;
}

/** Whether some path the language accepts starts with `prefix` (e.g. "secrets/" for a directory). */
export function acceptsWithPrefix(dfa: DFA, prefix: string): boolean {
  let node: DFA.Node | undefined = dfa.initial;
  for (let i = 0; i < prefix.length && node; i++) node = node.out.get(prefix.charCodeAt(i));
  return node !== undefined && live(dfa).has(node);
}

/** Whether any path matched by `a` lies outside directory `dir` (root-relative). */
export function exampleOutside(a: DFA, dir: string, caseInsensitive: boolean): string | undefined {
  const inside = globLanguage(`${picomatch.scan(dir).isGlob ? escapeGlob(dir) : dir}/**`, caseInsensitive).copy();
  inside.complement();
  return intersectionExample(a, inside);
}

/** A literal path as a glob that matches only it. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]{}()!@+\\]/g, '\\$&');
}
