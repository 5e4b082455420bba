/**
 * RFC 8785 (JSON Canonicalization Scheme) for the trees audit entries are made of: plain objects,
 * arrays, strings, finite numbers, booleans and null. Object members are sorted by their names'
 * UTF-16 code units (`sort()`'s default order); strings and numbers are written as ECMAScript's
 * JSON.stringify writes them, which is what RFC 8785 prescribes. As JSON.stringify does, a member
 * whose value has no JSON form (undefined, a function, a symbol) is left out, and such an array
 * element is written as null. NaN, infinities and lone surrogates are refused: they have no
 * canonical form (callers make strings well-formed first).
 */
export function canonicalize(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return primitive(value);
  if (Array.isArray(value)) return `[${value.map((element: unknown) => canonicalize(element) ?? 'null').join(',')}]`;
  const members: string[] = [];
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object).sort()) {
    const member = canonicalize(object[key]);
    if (member !== undefined) members.push(`${text(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}

function primitive(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${String(value)} has no canonical JSON form`);
      return JSON.stringify(value);
    case 'string':
      return text(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new Error('a BigInt has no JSON form');
    default:
      // null; undefined, functions and symbols have no JSON form.
      return value === null ? 'null' : undefined;
  }
}

function text(value: string): string {
  if (!value.isWellFormed()) throw new Error('a lone surrogate has no canonical JSON form');
  return JSON.stringify(value);
}
