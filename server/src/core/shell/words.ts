import type { ShellNode } from '../base/types';

/** A shell word as the shell would pass it: its static value, or why it cannot be known statically. */
export interface Word {
  /** The value after quote removal; undefined when the word has an expansion. */
  value: string | undefined;
  /** Why the value is unknown (e.g. "$CMD"), when it is. */
  dynamic: string | undefined;
  /** Unquoted glob characters: the shell would expand it against the file system. */
  glob: boolean;
  text: string;
}

const DYNAMIC_NODES = new Set(['simple_expansion', 'expansion', 'command_substitution', 'arithmetic_expansion']);

function children(node: ShellNode): ShellNode[] {
  return node.children.filter((c): c is ShellNode => c !== null);
}

// Brace expansion as bash sees it: an unquoted `{` with an unquoted `,` or `..` before an unquoted `}`.
const BRACE_EXPANSION = /\{[^}]*(,|\.\.)[^}]*\}/;

/**
 * The word's unquoted structure across all its fragments: quoted and escaped characters become
 * `_`, so `{.e,}nv` and `{'.e',}nv` show their braces wherever the parser split the word.
 */
function unquotedSkeleton(parts: ShellNode[]): string {
  let out = '';
  for (const part of parts) {
    if (part.type !== 'word' && part.type !== 'number') {
      out += '_';
      continue;
    }
    out += part.text.replace(/\\[\s\S]/g, '__');
  }
  return out;
}

export function resolveWord(node: ShellNode): Word {
  return resolveParts(node.type === 'concatenation' ? children(node) : [node], node.text);
}

/** Sibling fragments that bash joins into one word (tree-sitter split them). */
export function resolveFragments(nodes: ShellNode[]): Word {
  const parts = nodes.flatMap((n) => (n.type === 'concatenation' ? children(n) : [n]));
  return resolveParts(parts, nodes.map((n) => n.text).join(''));
}

function resolveParts(parts: ShellNode[], text: string): Word {
  if (BRACE_EXPANSION.test(unquotedSkeleton(parts))) return { value: undefined, dynamic: `the brace expansion ${text}`, glob: false, text };
  let value = '';
  let dynamic: string | undefined;
  let glob = false;
  for (const [i, part] of parts.entries()) {
    // `$"…"` (a translated string) can reach here as a `$` token and a string: the `$` is not a character.
    if (part.type === '$' && parts[i + 1]?.type === 'string') continue;
    const piece = resolvePart(part, value === '' && part === parts[0]);
    if (piece.dynamic !== undefined) dynamic ??= piece.dynamic;
    else value += piece.value;
    glob ||= piece.glob;
  }
  // bash expands a tilde after the `=` (or a `:`) of an assignment-shaped word (`if=~/.ssh/id_rsa`).
  if (dynamic === undefined && TILDE_IN_ASSIGNMENT.test(unquotedSkeleton(parts)))
    return { value: undefined, dynamic: `the tilde in ${text}`, glob: false, text };
  return { value: dynamic === undefined ? value : undefined, dynamic, glob, text };
}

const TILDE_IN_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=(.*:)?~/;

interface Piece {
  value: string;
  dynamic: string | undefined;
  glob: boolean;
}

const staticPiece = (value: string, glob = false): Piece => ({ value, dynamic: undefined, glob });
const dynamicPiece = (why: string): Piece => ({ value: '', dynamic: why, glob: false });

function resolvePart(node: ShellNode, first: boolean): Piece {
  switch (node.type) {
    case 'word':
    case 'number':
      return unquotedWord(node.text, first);
    case 'raw_string':
      return staticPiece(node.text.slice(1, -1));
    case 'string':
    case 'translated_string':
      return doubleQuoted(node);
    case 'ansi_c_string':
      return ansiC(node.text);
    case '$':
      // A lone `$` followed by nothing it could expand is itself.
      return staticPiece('$');
    case 'process_substitution':
      // The shell passes a /dev/fd path; the commands inside are decided on their own.
      return staticPiece('/dev/fd/63');
    default:
      if (DYNAMIC_NODES.has(node.type)) return dynamicPiece(node.text);
      return dynamicPiece(node.text);
  }
}

function unquotedWord(text: string, first: boolean): Piece {
  if (first && text.startsWith('~')) return dynamicPiece(text);
  let value = '';
  let glob = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '\n') i++;
      else if (next !== undefined) {
        value += next;
        i++;
      }
      continue;
    }
    if (c === '*' || c === '?' || c === '[') glob = true;
    if (c === '$' || c === '`') return dynamicPiece(text);
    value += c;
  }
  return staticPiece(value, glob);
}

function doubleQuoted(node: ShellNode): Piece {
  let value = '';
  for (const child of children(node)) {
    if (child.type === '"' || child.type === '$"') continue;
    if (child.type === 'string_content') value += child.text.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));
    else return dynamicPiece(node.text);
  }
  return staticPiece(value);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\u0007',
  b: '\b',
  e: '\u001b',
  E: '\u001b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

function ansiC(text: string): Piece {
  const body = text.slice(2, -1);
  let value = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const rest = body.slice(i + 1);
    const simple = SIMPLE_ESCAPES[rest[0] ?? ''];
    let m: RegExpMatchArray | null;
    if (simple !== undefined) {
      value += simple;
      i += 1;
    } else if ((m = /^x([0-9a-fA-F]{1,2})/.exec(rest)) || (m = /^([0-7]{1,3})/.exec(rest))) {
      // A byte: bash passes it raw. Above 0x7f it is not the character of that code (`$'\351'` is one byte, not é).
      const byte = parseInt(m[1] as string, m[0].startsWith('x') ? 16 : 8) & 0xff;
      // A NUL ends the string in bash (`$'rm\0x'` is `rm`): the word is not what it reads as.
      if (byte > 0x7f || byte === 0) return dynamicPiece(text);
      value += String.fromCharCode(byte);
      i += m[0].length;
    } else if ((m = /^u([0-9a-fA-F]{1,4})/.exec(rest)) || (m = /^U([0-9a-fA-F]{1,8})/.exec(rest))) {
      const code = parseInt(m[1] as string, 16);
      if (code > 0x10ffff || code === 0) return dynamicPiece(text);
      value += String.fromCodePoint(code);
      i += m[0].length;
    } else {
      return dynamicPiece(text);
    }
  }
  return staticPiece(value);
}
