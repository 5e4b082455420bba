import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { FileSystemView } from '#core';

/**
 * Symlink resolution for the core. A path that does not exist yet resolves through its nearest
 * existing ancestor; a dangling link resolves to where it points (writing through it would create
 * its target), following chains of links up to a limit.
 */
export const nodeFileSystem: FileSystemView = {
  realPath: (absolutePath) => resolveReal(absolutePath, 0),
  isDirectory,
};

function isDirectory(absolutePath: string): boolean | undefined {
  try {
    return statSync(absolutePath, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return undefined;
  }
}

const MAX_LINK_HOPS = 40;

function resolveReal(path: string, hops: number): string | undefined {
  if (hops > MAX_LINK_HOPS) return undefined;
  try {
    return realpathSync.native(path);
  } catch {
    // Missing, dangling or looping: resolve piece by piece below.
  }
  const parent = dirname(path);
  if (parent === path) return undefined;
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) return resolveReal(resolve(parent, readlinkSync(path)), hops + 1);
  const realParent = resolveReal(parent, hops);
  return realParent === undefined ? undefined : join(realParent, basename(path));
}

const MAX_CACHED_DIRECTORIES = 10_000;

/**
 * The same resolution for batch work (linting a log, `eval` of many actions): each directory is
 * resolved and listed once (which of its entries are links), so most paths cost no system call.
 * Only for short-lived processes: a link created or changed mid-run is not seen.
 */
export function cachedFileSystem(): FileSystemView {
  const directories = new Map<string, { real: string | undefined; links: Set<string> }>();
  const directory = (dir: string): { real: string | undefined; links: Set<string> } => {
    let known = directories.get(dir);
    if (known) return known;
    if (directories.size >= MAX_CACHED_DIRECTORIES) directories.clear();
    let links = new Set<string>();
    try {
      links = new Set(
        readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isSymbolicLink())
          .map((e) => e.name),
      );
    } catch {
      // Not a directory, or not there (yet): nothing in it is a link.
    }
    known = { real: nodeFileSystem.realPath(dir), links };
    directories.set(dir, known);
    return known;
  };
  return {
    realPath(absolutePath: string): string | undefined {
      // Split at the last separator (what dirname and basename do, faster: lint asks for millions).
      const at = absolutePath.lastIndexOf(sep);
      const plain = at > 0 && at < absolutePath.length - 1;
      const parent = plain ? absolutePath.slice(0, at) : dirname(absolutePath);
      if (parent === absolutePath) return absolutePath;
      const name = plain ? absolutePath.slice(at + 1) : basename(absolutePath);
      const { real, links } = directory(parent);
      if (links.has(name)) return nodeFileSystem.realPath(absolutePath);
      if (real === undefined) return undefined;
      // The parent is its own real path (no link above): the path is its own, no join needed.
      return real === parent && absolutePath === `${parent}${parent.endsWith(sep) ? '' : sep}${name}` ? absolutePath : join(real, name);
    },
    isDirectory,
  };
}

/** Whether the file system at `dir` ignores case (macOS and Windows by default). */
export function isCaseInsensitive(): boolean {
  return process.platform === 'darwin' || process.platform === 'win32';
}

/** An absolute path as the core compares paths: symlinks resolved, forward slashes. */
export function posixPath(path: string): string {
  const absolute = resolve(path);
  return (resolveReal(absolute, 0) ?? absolute).split('\\').join('/');
}
