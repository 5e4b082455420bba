import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar } from 'yaml';

export type PathStep = string | number;

/** The scalar under an offset: a mapping key or a value, with the path to it. */
export interface ScalarAt {
  node: Scalar;
  /** For a key: the path of the mapping holding it plus the key. For a value: the path to the value. */
  path: PathStep[];
  role: 'key' | 'value';
}

const PARSE_OPTIONS = { uniqueKeys: false, strict: false, prettyErrors: false, version: '1.2' } as const;

export function parseLenient(text: string): Document {
  return parseDocument(text, PARSE_OPTIONS);
}

/** Calls `visit` for every scalar of a document with its path and role. */
export function walkScalars(document: Document, visit: (found: ScalarAt) => boolean | void): void {
  const walk = (node: unknown, path: PathStep[]): boolean => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (visit({ node: pair.key, path: [...path, key], role: 'key' }) === true) return true;
        if (walk(pair.value, [...path, key])) return true;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) if (walk(node.items[i], [...path, i])) return true;
    } else if (isScalar(node)) {
      return visit({ node, path, role: 'value' }) === true;
    }
    return false;
  };
  walk(document.contents, []);
}

/** The scalar whose text contains `offset` (its end included, so a caret just after a word finds it). */
export function scalarAt(document: Document, offset: number): ScalarAt | undefined {
  let found: ScalarAt | undefined;
  walkScalars(document, (s) => {
    const range = s.node.range;
    if (range && range[0] <= offset && offset <= range[1]) {
      found = s;
      return true;
    }
    return false;
  });
  return found;
}

/** The mapping at a path of a document, if there is one. */
export function mapAt(document: Document, path: readonly PathStep[]): Node | undefined {
  const node = path.length === 0 ? document.contents : document.getIn(path, true);
  return isMap(node) ? node : undefined;
}

export function keysOf(node: Node | undefined): string[] {
  return isMap(node) ? node.items.filter((p) => isPair(p) && isScalar(p.key)).map((p) => String((p.key as Scalar).value)) : [];
}
