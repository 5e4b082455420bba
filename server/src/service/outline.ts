import { isMap, isScalar, isSeq, type Document } from 'yaml';

export interface OutlineSymbol {
  name: string;
  detail?: string;
  kind: 'section' | 'list' | 'entry' | 'setting';
  offset: number;
  length: number;
  selectionOffset: number;
  selectionLength: number;
  children: OutlineSymbol[];
}

export interface FoldRange {
  startOffset: number;
  endOffset: number;
}

/** The policy's sections and their rules as a tree of symbols (mapping keys, list items). */
export function documentSymbols(document: Document): OutlineSymbol[] {
  return symbolsOf(document.contents);
}

function symbolsOf(node: unknown): OutlineSymbol[] {
  if (isMap(node)) {
    const out: OutlineSymbol[] = [];
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const key = pair.key.range;
      const value = pair.value as { range?: [number, number, number] } | null;
      const end = value?.range?.[1] ?? key[1];
      const container = isMap(pair.value) || isSeq(pair.value);
      out.push({
        name: String(pair.key.value),
        detail: isScalar(pair.value) ? String(pair.value.value) : undefined,
        kind: isMap(pair.value) ? 'section' : isSeq(pair.value) ? 'list' : 'setting',
        offset: key[0],
        length: Math.max(end, key[1]) - key[0],
        selectionOffset: key[0],
        selectionLength: key[1] - key[0],
        children: container ? symbolsOf(pair.value) : [],
      });
    }
    return out;
  }
  if (isSeq(node)) {
    const out: OutlineSymbol[] = [];
    for (const item of node.items) {
      const range = (item as { range?: [number, number, number] } | null)?.range;
      if (!range) continue;
      const name = isScalar(item)
        ? String(item.value)
        : isMap(item)
          ? item.items
              .map((p) => `${String((p.key as { value?: unknown } | null)?.value)}: ${String((p.value as { value?: unknown } | null)?.value)}`)
              .join(', ')
          : '(item)';
      out.push({
        name,
        kind: 'entry',
        offset: range[0],
        length: range[1] - range[0],
        selectionOffset: range[0],
        selectionLength: range[1] - range[0],
        children: [],
      });
    }
    return out;
  }
  return [];
}

/** A fold for every mapping or list value that spans more than one line, from its key to its end. */
export function foldingRanges(document: Document, text: string): FoldRange[] {
  const out: FoldRange[] = [];
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.range : undefined;
        const value = pair.value as { range?: [number, number, number] } | null;
        if (key && value?.range && (isMap(pair.value) || isSeq(pair.value))) {
          const end = trimEnd(text, value.range[1]);
          if (text.slice(key[0], end).includes('\n')) out.push({ startOffset: key[0], endOffset: end });
        }
        visit(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item);
    }
  };
  visit(document.contents);
  return out;
}

/** The end of a node's text without trailing line breaks and spaces (YAML ranges include them). */
function trimEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && /\s/.test(text[e - 1] as string)) e--;
  return e;
}
