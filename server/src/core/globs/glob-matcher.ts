/**
 * Glob matching in time linear in the path, whatever the glob. A glob's regular expression
 * (picomatch's, the one the lint reasons about) is compiled to a Thompson NFA and run as a DFA
 * built lazily, one state per set of NFA states, with a dense table for ASCII. Nothing
 * backtracks: `**\/*a*a*a*a*b` costs what `src/**` costs, one table step per character, where a
 * backtracking engine took seconds on a 250-character name.
 *
 * The parser reads the subset of regular expressions picomatch writes: literals and escapes,
 * `.`, classes, groups, alternation, greedy and lazy quantifiers, `^` and `$` (also inside a
 * group, as in `(?:^|\/)`). Anything else throws, and the glob is refused when it is compiled.
 */

export interface LinearMatcher {
  test(input: string): boolean;
}

export class UnsupportedRegexError extends Error {}

/** A character test: sorted, disjoint ranges, or their complement. */
interface CharSet {
  ranges: [number, number][];
  negated: boolean;
}

type Node =
  | { kind: 'char'; set: CharSet }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'concat'; items: Node[] }
  | { kind: 'alt'; items: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number };

const LINE_TERMINATORS: [number, number][] = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
const DIGITS: [number, number][] = [[0x30, 0x39]];
const WORD: [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: [number, number][] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
/** Bounded repetition is unrolled; picomatch writes none larger than this. */
const MAX_REPEAT = 32;

/** A recursive-descent parser of picomatch's regular expressions. */
class Parser {
  private at = 0;
  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.source.length) this.fail(`unexpected ${JSON.stringify(this.source[this.at])}`);
    return node;
  }

  private fail(what: string): never {
    throw new UnsupportedRegexError(`${what} at ${this.at} in /${this.source}/`);
  }

  private peek(): string | undefined {
    return this.source[this.at];
  }

  private alternation(): Node {
    const items = [this.concatenation()];
    while (this.peek() === '|') {
      this.at++;
      items.push(this.concatenation());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'alt', items };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) items.push(this.quantified(this.atom()));
    return { kind: 'concat', items };
  }

  private quantified(item: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.at++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.source.slice(this.at))) {
      const [, low, comma, high] = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at)) as RegExpExecArray;
      this.at += (/^\{\d+(,\d*)?\}/.exec(this.source.slice(this.at)) as RegExpExecArray)[0].length;
      min = Number(low);
      max = comma === undefined ? min : high === '' || high === undefined ? Infinity : Number(high);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) this.fail('a repetition too large');
    } else return item;
    // Laziness changes which match is found, not whether one is.
    if (this.peek() === '?') this.at++;
    if (item.kind === 'start' || item.kind === 'end') return item;
    return { kind: 'repeat', item, min, max };
  }

  private atom(): Node {
    const c = this.source[this.at++] as string;
    switch (c) {
      case '(': {
        if (this.source.startsWith('?:', this.at)) this.at += 2;
        else if (this.peek() === '?') this.fail('a lookaround or named group');
        const inner = this.alternation();
        if (this.source[this.at++] !== ')') this.fail('an unclosed group');
        return inner;
      }
      case '[':
        return { kind: 'char', set: this.characterClass() };
      case '.':
        return { kind: 'char', set: { ranges: LINE_TERMINATORS, negated: true } };
      case '^':
        return { kind: 'start' };
      case '$':
        return { kind: 'end' };
      case '\\':
        return { kind: 'char', set: this.escape(false) };
      case ')':
      case '*':
      case '+':
      case '?':
        return this.fail(`a misplaced ${c}`);
      default:
        return { kind: 'char', set: single(c.charCodeAt(0)) };
    }
  }

  private escape(inClass: boolean): CharSet {
    const c = this.source[this.at++];
    if (c === undefined) this.fail('a trailing backslash');
    const classes: Record<string, CharSet> = {
      d: { ranges: DIGITS, negated: false },
      D: { ranges: DIGITS, negated: true },
      w: { ranges: WORD, negated: false },
      W: { ranges: WORD, negated: true },
      s: { ranges: SPACE, negated: false },
      S: { ranges: SPACE, negated: true },
    };
    const shorthand = Object.hasOwn(classes, c) ? classes[c] : undefined;
    if (shorthand) return shorthand;
    const controls: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b, '0': 0 };
    if (Object.hasOwn(controls, c)) return single(controls[c] as number);
    if (c === 'x' || c === 'u') {
      const digits = c === 'x' ? 2 : 4;
      const hex = this.source.slice(this.at, this.at + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) this.fail(`a malformed \\${c} escape`);
      this.at += digits;
      return single(parseInt(hex, 16));
    }
    if (c === 'b' && inClass) return single(0x08);
    if (/[A-Za-z0-9]/.test(c)) this.fail(`the escape \\${c}`);
    return single(c.charCodeAt(0));
  }

  private characterClass(): CharSet {
    const negated = this.peek() === '^';
    if (negated) this.at++;
    const ranges: [number, number][] = [];
    const parts: CharSet[] = [];
    while (this.peek() !== ']') {
      if (this.peek() === undefined) this.fail('an unclosed class');
      const low = this.classAtom();
      if (this.peek() === '-' && this.source[this.at + 1] !== ']' && this.source[this.at + 1] !== undefined && low.single !== undefined) {
        this.at++;
        const high = this.classAtom();
        if (high.single === undefined || high.single < low.single) this.fail('a malformed range');
        ranges.push([low.single, high.single]);
      } else if (low.single !== undefined) ranges.push([low.single, low.single]);
      else parts.push(low.set);
    }
    this.at++;
    let set: CharSet = { ranges: normalise(ranges), negated: false };
    for (const part of parts) set = union(set, part);
    return negated ? complement(set) : set;
  }

  private classAtom(): { single: number | undefined; set: CharSet } {
    const c = this.source[this.at++] as string;
    if (c !== '\\') return { single: c.charCodeAt(0), set: single(c.charCodeAt(0)) };
    const set = this.escape(true);
    const only = !set.negated && set.ranges.length === 1 && set.ranges[0]?.[0] === set.ranges[0]?.[1] ? set.ranges[0]?.[0] : undefined;
    return { single: only, set };
  }
}

function single(code: number): CharSet {
  return { ranges: [[code, code]], negated: false };
}

function normalise(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [low, high] of sorted) {
    const last = out[out.length - 1];
    if (last && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else out.push([low, high]);
  }
  return out;
}

/** The ranges a set holds, as positive ranges over UTF-16 code units. */
function positive(set: CharSet): [number, number][] {
  if (!set.negated) return set.ranges;
  const out: [number, number][] = [];
  let next = 0;
  for (const [low, high] of set.ranges) {
    if (low > next) out.push([next, low - 1]);
    next = high + 1;
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

function union(a: CharSet, b: CharSet): CharSet {
  return { ranges: normalise([...positive(a), ...positive(b)]), negated: false };
}

function complement(set: CharSet): CharSet {
  return { ranges: normalise(positive(set)), negated: true };
}

function has(set: CharSet, code: number): boolean {
  let inside = false;
  for (const [low, high] of set.ranges) {
    if (code < low) break;
    if (code <= high) {
      inside = true;
      break;
    }
  }
  return inside !== set.negated;
}

/** JavaScript's canonical form of a character under the `i` flag without `u` (ES Canonicalize). */
function canonical(code: number): number {
  const upper = String.fromCharCode(code).toUpperCase();
  if (upper.length !== 1) return code;
  const folded = upper.charCodeAt(0);
  return code >= 128 && folded < 128 ? code : folded;
}

/**
 * A set under the `i` flag: the characters whose canonical form is that of one in the set (a
 * negated class excludes them all). Only ranges of up to 512 characters are folded one by one;
 * a wider one is folded for its ASCII letters (picomatch writes no wide positive class).
 */
function caseFolded(set: CharSet): CharSet {
  const extra: [number, number][] = [];
  for (const [low, high] of set.ranges) {
    const end = high - low > 512 ? Math.min(high, 0x7f) : high;
    for (let code = low; code <= end; code++) {
      const c = String.fromCharCode(code);
      for (const other of [c.toLowerCase(), c.toUpperCase()]) {
        if (other.length === 1 && canonical(other.charCodeAt(0)) === canonical(code)) extra.push([other.charCodeAt(0), other.charCodeAt(0)]);
      }
    }
  }
  return { ranges: normalise([...set.ranges, ...extra]), negated: set.negated };
}

/** A Thompson NFA: states with one character edge, or up to two empty edges, some only at the start or the end. */
interface State {
  set?: CharSet;
  /** Targets of empty edges; `anchor` limits them to the start or the end of the input. */
  next: number[];
  anchor?: 'start' | 'end';
}

class NfaBuilder {
  readonly states: State[] = [];

  add(state: State): number {
    this.states.push(state);
    return this.states.length - 1;
  }

  /** Builds `node` to continue at `out`; returns its entry state. */
  build(node: Node, out: number): number {
    switch (node.kind) {
      case 'char':
        return this.add({ set: node.set, next: [out] });
      case 'start':
      case 'end':
        return this.add({ next: [out], anchor: node.kind });
      case 'concat': {
        let entry = out;
        for (let i = node.items.length - 1; i >= 0; i--) entry = this.build(node.items[i] as Node, entry);
        return entry;
      }
      case 'alt':
        return this.add({ next: node.items.map((item) => this.build(item, out)) });
      case 'repeat':
        return this.repeat(node.item, node.min, node.max, out);
    }
  }

  private repeat(item: Node, min: number, max: number, out: number): number {
    let entry = out;
    if (max === Infinity) {
      const loop = this.add({ next: [] });
      (this.states[loop] as State).next = [this.build(item, loop), out];
      entry = loop;
    } else {
      for (let i = min; i < max; i++) entry = this.add({ next: [this.build(item, entry), out] });
    }
    for (let i = 0; i < min; i++) entry = this.build(item, entry);
    return entry;
  }
}

interface DfaState {
  /** NFA states with a character edge, sorted. */
  chars: number[];
  acceptsAtEnd: boolean;
}

/** The most DFA states kept per glob; past it the cache is flushed (the run stays linear). */
const MAX_DFA_STATES = 512;

class LazyDfa implements LinearMatcher {
  private states: DfaState[] = [];
  private index = new Map<string, number>();
  /** ASCII transitions: target + 1, or 0 when not yet computed. */
  private ascii = new Int32Array(0);
  /** 1 for a state with no way on: the run ends there. */
  private terminal = new Uint8Array(0);
  private other = new Map<number, number>();
  private startState = -1;
  private readonly mark: Int32Array;
  private generation = 0;

  constructor(
    private readonly nfa: State[],
    private readonly entry: number,
    private readonly accept: number,
  ) {
    this.mark = new Int32Array(nfa.length);
  }

  test(input: string): boolean {
    if (this.startState < 0) this.startState = this.intern(this.closure([this.entry], true));
    let state = this.startState;
    let ascii = this.ascii;
    const length = input.length;
    for (let i = 0; i < length; i++) {
      const code = input.charCodeAt(i);
      // The hot path: one table read per ASCII character, to a state that goes on.
      const known = code < 128 ? (ascii[state * 128 + code] as number) : 0;
      if (known > 0) {
        state = known - 1;
        continue;
      }
      state = known < 0 ? -known - 1 : this.step(state, code);
      ascii = this.ascii;
      if (this.terminal[state] === 1) return i === length - 1 && (this.states[state] as DfaState).acceptsAtEnd;
    }
    return (this.states[state] as DfaState).acceptsAtEnd;
  }

  /** A transition not yet in the tables: computed, and recorded. */
  private step(state: number, code: number): number {
    if (code >= 128) {
      const known = this.other.get(state * 0x10000 + code);
      if (known !== undefined) return known;
    }
    const from = this.states[state] as DfaState;
    const targets: number[] = [];
    for (const s of from.chars) {
      const nfaState = this.nfa[s] as State;
      if (has(nfaState.set as CharSet, code)) targets.push(...nfaState.next);
    }
    const closure = this.closure(targets, false);
    if (this.states.length >= MAX_DFA_STATES) {
      // Flush: keep nothing but what the run needs next.
      this.states = [];
      this.index.clear();
      this.ascii = new Int32Array(0);
      this.terminal = new Uint8Array(0);
      this.other.clear();
      this.startState = -1;
      return this.intern(closure);
    }
    const target = this.intern(closure);
    // A target with no way on is stored negated, so the hot path never has to look it up.
    if (code < 128) this.ascii[state * 128 + code] = this.terminal[target] === 1 ? -(target + 1) : target + 1;
    else this.other.set(state * 0x10000 + code, target);
    return target;
  }

  /** The states reachable from `from` by empty edges (start-anchored ones only at the start), and whether the end is acceptable from them. */
  private closure(from: number[], atStart: boolean): DfaState {
    const generation = ++this.generation;
    const chars: number[] = [];
    let acceptsAtEnd = false;
    // Two passes share the marks: first without end anchors (states usable mid-input), then with them (acceptance).
    const visit = (roots: number[], withEnd: boolean, pass: number): void => {
      const stack = [...roots];
      while (stack.length > 0) {
        const s = stack.pop() as number;
        if ((this.mark[s] as number) >= pass) continue;
        this.mark[s] = pass;
        if (s === this.accept) {
          if (withEnd) acceptsAtEnd = true;
          continue;
        }
        const state = this.nfa[s] as State;
        if (state.set) {
          if (!withEnd) chars.push(s);
          continue;
        }
        if (state.anchor === 'start' && !atStart) continue;
        if (state.anchor === 'end' && !withEnd) continue;
        stack.push(...state.next);
      }
    };
    visit(from, false, generation * 2);
    visit(from, true, generation * 2 + 1);
    chars.sort((a, b) => a - b);
    return { chars, acceptsAtEnd };
  }

  private intern(state: DfaState): number {
    const key = `${state.acceptsAtEnd ? 1 : 0}:${state.chars.join(',')}`;
    const known = this.index.get(key);
    if (known !== undefined) return known;
    this.states.push(state);
    this.index.set(key, this.states.length - 1);
    if (this.ascii.length < this.states.length * 128) {
      const capacity = Math.max(this.states.length * 2, 8);
      const grown = new Int32Array(capacity * 128);
      grown.set(this.ascii);
      this.ascii = grown;
      const terminal = new Uint8Array(capacity);
      terminal.set(this.terminal);
      this.terminal = terminal;
    }
    this.terminal[this.states.length - 1] = state.chars.length === 0 ? 1 : 0;
    return this.states.length - 1;
  }
}

/** Compiles a regular expression of the subset picomatch writes to a linear-time matcher. Throws UnsupportedRegexError. */
export function compileLinear(source: string, ignoreCase: boolean): LinearMatcher {
  let tree = new Parser(source).parse();
  if (ignoreCase) tree = foldTree(tree);
  const builder = new NfaBuilder();
  const accept = builder.add({ next: [] });
  const entry = builder.build(tree, accept);
  return new LazyDfa(builder.states, entry, accept);
}

function foldTree(node: Node): Node {
  switch (node.kind) {
    case 'char':
      return { kind: 'char', set: caseFolded(node.set) };
    case 'concat':
    case 'alt':
      return { kind: node.kind, items: node.items.map(foldTree) };
    case 'repeat':
      return { ...node, item: foldTree(node.item) };
    default:
      return node;
  }
}
