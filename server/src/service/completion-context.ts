import { keysOf, mapAt, parseLenient, walkScalars, type PathStep } from './yaml-position';

/** Where a completion was asked for, worked out by parsing the text with a marker at the caret. */
export interface CompletionContext {
  /** `key`: a mapping key at `path` (the mapping's path); `value`: the value at `path`. */
  kind: 'key' | 'value';
  path: PathStep[];
  /** What was typed so far (without an opening quote). */
  prefix: string;
  /** The text the chosen item replaces: the word at the caret, quotes included. */
  replace: { offset: number; length: number };
  quote: '"' | "'" | undefined;
  /** Keys the mapping already has (key completion). */
  siblings: string[];
}

const MARK = '__agent_policy_caret__';
const KEY_VALUE = /^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)(\s*:\s+)(.*)$/;
const ITEM = /^(\s*(?:-\s+)+)(.*)$/;
const KEY = /^(\s*)([\w-]*)$/;
const WORD_END = /^[^\s"',\]}#]*/;

export function completionContext(text: string, offset: number): CompletionContext | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const newline = text.indexOf('\n', offset);
  const lineEnd = newline < 0 ? text.length : newline;
  const before = text.slice(lineStart, offset);
  const after = text.slice(offset, lineEnd);
  if (/^\s*#/.test(before)) return undefined;
  const keyValue = KEY_VALUE.exec(before);
  const item = keyValue ? undefined : ITEM.exec(before);
  const key = keyValue || item ? undefined : KEY.exec(before);
  if (!keyValue && !item && !key) return undefined;
  const lead = keyValue ? `${keyValue[1]}${keyValue[2]}${keyValue[3]}` : (((item ?? key) as RegExpExecArray)[1] as string);
  const token = before.slice(lead.length);
  const quote = token.startsWith('"') ? '"' : token.startsWith("'") ? "'" : undefined;
  if (quote === undefined && /\s/.test(token)) return undefined;
  const wordAfter = (WORD_END.exec(after)?.[0] ?? '').length;
  const closing = quote !== undefined && after[wordAfter] === quote ? 1 : 0;
  const replace = { offset: lineStart + lead.length, length: token.length + wordAfter + closing };
  const prefix = quote ? token.slice(1) : token;
  const marked = text.slice(0, lineStart) + lead + (key ? `${MARK}:` : MARK) + text.slice(lineEnd);
  const document = parseLenient(marked);
  let found: { path: PathStep[]; role: 'key' | 'value' } | undefined;
  walkScalars(document, (s) => {
    if (s.node.value !== MARK) return false;
    found = { path: s.path, role: s.role };
    return true;
  });
  if (!found) return undefined;
  if (found.role === 'key') {
    const path = found.path.slice(0, -1);
    return { kind: 'key', path, prefix, replace, quote, siblings: keysOf(mapAt(document, path)).filter((k) => k !== MARK) };
  }
  // `- x` in a sequence of mappings is decided by the schema: completion treats it as an item's first key.
  return { kind: 'value', path: found.path, prefix, replace, quote, siblings: [] };
}
