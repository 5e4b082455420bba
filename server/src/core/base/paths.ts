/** Path normalisation: every path is matched in one canonical form, so `src/../.env` is `.env`. */

export type NormalisedPath =
  | { ok: true; /** Relative to the root when inside it, else absolute. */ path: string; inside: boolean }
  | { ok: false; reason: string; /** A name that stands for something else the policy cannot see. */ special?: 'descriptor' | 'process' };

// Control characters and the Unicode line separators: rejected outright. Glob regexes use `.`,
// which stops at them, so a name holding one could slip past a deny pattern such as `secrets/**`.
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;

// Anything that keeps a path off the fast path: control characters, a leading or trailing slash,
// an empty, `.` or `..` segment.
const NOT_PLAIN = /[\u0000-\u001f\u007f\u2028\u2029]|^\/|\/\/|\/$|(^|\/)\.{1,2}(\/|$)/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** Joins and resolves `.`, `..` and empty segments of an absolute POSIX path. */
export function resolveAbsolute(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return '/' + out.join('/');
}

export interface PathContext {
  /** Absolute POSIX path of the repository root, without a trailing slash. */
  root: string;
  caseInsensitive: boolean;
}

/**
 * Normalises `input`, relative to `cwd` (itself relative to the root) unless absolute. The result
 * is root-relative when inside the root, absolute otherwise.
 */
export function normalisePath(input: string, cwd: string, context: PathContext): NormalisedPath {
  if (input.length === 0) return { ok: false, reason: 'the path is empty' };
  // Fast path: a plain relative path from the root is already normal (unless the root is one
  // where it could name a kernel link: at `/`, `proc/self/cwd/x` is /proc/self/cwd/x).
  if (cwd === '' && !NOT_PLAIN.test(input) && !rootMayHoldLinks(context.root)) return { ok: true, path: input, inside: true };
  if (hasControlCharacters(input) || hasControlCharacters(cwd)) return { ok: false, reason: 'the path contains control or line-separator characters' };
  const base = cwd.startsWith('/') ? cwd : `${context.root}/${cwd}`;
  const joined = input.startsWith('/') ? input : `${base}/${input}`;
  const absolute = MAY_BE_SPECIAL.test(joined) ? resolveSpecial(joined, base) : resolveAbsolute(joined);
  return typeof absolute === 'string' ? classify(absolute, context) : absolute;
}

const MAY_BE_SPECIAL = /\/(proc|dev)(\/|$)/;

function rootMayHoldLinks(root: string): boolean {
  return root === '/' || root === '' || root.startsWith('/proc') || root.startsWith('/dev');
}

/**
 * Like resolveAbsolute, but through the kernel's links to a process's own folders, as the kernel
 * follows them: `/proc/self/cwd` is the directory the command runs in (`base`), so
 * `/proc/self/cwd/../x` is the `x` beside it; `/proc/self/root` is `/`. A descriptor above 2
 * (`/dev/fd/3`) or another process's folder could be any file: refused, with `special` saying why.
 */
function resolveSpecial(path: string, base: string): string | NormalisedPath {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
    const refusal = specialSegment(out, base);
    if (refusal) return refusal;
  }
  return '/' + out.join('/');
}

/** The directory a command runs in, resolved as the kernel resolves it (its own `.`, `..` and links). */
function resolvedBase(base: string): string[] | NormalisedPath {
  const resolved = resolveSpecial(base, '/');
  return typeof resolved === 'string' ? resolved.split('/').filter(Boolean) : resolved;
}

function specialSegment(out: string[], base: string): NormalisedPath | undefined {
  const [top, owner, link, descriptor] = out;
  if (top === 'dev' && owner === 'fd' && link !== undefined && out.length === 3) return descriptorPath(link, `/dev/fd/${link}`);
  if (top !== 'proc' || owner === undefined || link === undefined) return undefined;
  // A thread's folder is its process's: /proc/self/task/TID/cwd is /proc/self/cwd.
  if (out.length === 4 && link === 'task' && /^\d+$/.test(descriptor ?? '')) {
    out.length = 2;
    return undefined;
  }
  const self = owner === 'self' || owner === 'thread-self';
  if (out.length === 3 && self && link === 'cwd') {
    const dir = resolvedBase(base);
    if (!Array.isArray(dir)) return dir;
    out.splice(0, 3, ...dir);
  } else if (out.length === 3 && self && link === 'root') out.length = 0;
  else if (out.length === 4 && self && link === 'fd' && descriptor !== undefined) return descriptorPath(descriptor, `/proc/${owner}/fd/${descriptor}`);
  else if (out.length === 3 && /^\d+$/.test(owner) && (link === 'cwd' || link === 'root' || link === 'fd')) {
    return {
      ok: false,
      reason: `names /proc/${owner}/${link}, another process's ${link === 'fd' ? 'descriptors' : 'folder'}, which could be any file`,
      special: 'process',
    };
  }
  return undefined;
}

function descriptorPath(descriptor: string, shown: string): NormalisedPath | undefined {
  if (/^[0-2]$/.test(descriptor)) return undefined;
  return { ok: false, reason: `names ${shown}, a file descriptor that could be any file the shell has open`, special: 'descriptor' };
}

/** Classifies an absolute, resolved path as inside or outside the root. */
export function classify(absolute: string, context: PathContext): NormalisedPath {
  const root = context.root === '/' ? '' : context.root;
  const compareAbs = context.caseInsensitive ? absolute.toLowerCase() : absolute;
  const compareRoot = context.caseInsensitive ? root.toLowerCase() : root;
  if (compareAbs === compareRoot || (compareRoot === '' && absolute === '/')) return { ok: true, path: '', inside: true };
  if (compareAbs.startsWith(compareRoot + '/')) return { ok: true, path: absolute.slice(root.length + 1), inside: true };
  return { ok: true, path: absolute, inside: false };
}

/** The absolute form of a normalised path. */
export function absolutePath(path: NormalisedPath & { ok: true }, context: PathContext): string {
  if (!path.inside) return path.path;
  const root = context.root === '/' ? '' : context.root;
  return path.path === '' ? root || '/' : `${root}/${path.path}`;
}

/** Whether `path` (root-relative) lies under directory `dir` ('' is the root). */
export function isUnder(path: string, dir: string, caseInsensitive: boolean): boolean {
  if (dir === '') return !path.startsWith('/');
  const p = caseInsensitive ? path.toLowerCase() : path;
  const d = caseInsensitive ? dir.toLowerCase() : dir;
  return p === d || p.startsWith(d + '/');
}
