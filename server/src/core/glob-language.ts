import picomatch from 'picomatch';
import { DFA, JS, NFA, Transformers, getIntersectionWordSets, transform, visitAst, type Expression, type NoParent } from 'refa';
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

const simplify = Transformers.simplify({ ignoreAmbiguity: true, ignoreOrder: true });
const dropEdges = Transformers.patternEdgeAssertions({ remove: true, inline: true });

function toNfa(regex: RegExp): NFA {
  const parser = JS.Parser.fromLiteral({ source: regex.source, flags: regex.flags });
  let expression: NoParent<Expression> = parser.parse({ assertions: 'parse', simplify: false }).expression;
  expression = transform(simplify, expression);
  expression = transform(dropEdges, expression);
  expression = transform(simplify, expression);
  let assertion = false;
  visitAst(expression, { onAssertionEnter: () => (assertion = true) });
  if (assertion) throw new UndecidableGlobError(`cannot analyse /${regex.source}/ exactly`);
  return NFA.fromRegex(expression, { maxCharacter: parser.maxCharacter });
}

let normalisedNfa: NFA | undefined;

const cache = new Map<string, DFA>();
const MAX_CACHED_LANGUAGES = 20_000;

/** The language of a glob on normalised paths, as a minimal DFA. Throws UndecidableGlobError. */
export function globLanguage(pattern: string, caseInsensitive: boolean): DFA {
  const key = `${caseInsensitive ? 'i' : 's'}:${pattern}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const raw = picomatch.makeRe(pattern, globOptions(caseInsensitive));
  const source = withoutVacuousAssertions(raw.source);
  normalisedNfa ??= toNfa(NORMALISED);
  const dfa = DFA.fromIntersection(toNfa(new RegExp(source, raw.flags)), normalisedNfa);
  dfa.minimize();
  if (cache.size > MAX_CACHED_LANGUAGES) cache.clear();
  cache.set(key, dfa);
  return dfa;
}

// Characters preferred when spelling an example path, so findings show `a/b.ts`, not `\u0020/!.ts`.
const PREFERRED = [...'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.'].map((c) => c.charCodeAt(0));

/** A path that both globs match (the shortest, spelled readably), or undefined when no path does. */
export function intersectionExample(a: DFA, b: DFA): string | undefined {
  for (const wordSet of getIntersectionWordSets(a, b)) {
    return String.fromCharCode(...wordSet.map((set) => PREFERRED.find((c) => set.has(c)) ?? set.ranges[0]?.min ?? 63));
  }
  return undefined;
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
    rest = DFA.fromIntersection(rest, complementOf(globLanguage(other, caseInsensitive)));
    rest.minimize();
  }
  return rest.finals.size === 0;
}

const pairs = new Map<string, { example: string | undefined; subset: boolean }>();

/**
 * How two globs relate: a path both match (undefined when none does) and whether every path of
 * `a` is also one of `b`. Memoised by pattern, so re-checking a policy after an edit only
 * analyses the pairs the edit created.
 */
export function relation(a: string, b: string, caseInsensitive: boolean): { example: string | undefined; subset: boolean } {
  const key = `${caseInsensitive ? 'i' : 's'}\0${a}\0${b}`;
  let result = pairs.get(key);
  if (!result) {
    const la = globLanguage(a, caseInsensitive);
    const lb = globLanguage(b, caseInsensitive);
    const example = intersectionExample(la, lb);
    result = { example, subset: example !== undefined ? isSubset(la, lb) : la.finals.size === 0 };
    if (pairs.size > 200_000) pairs.clear();
    pairs.set(key, result);
  }
  return result;
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
