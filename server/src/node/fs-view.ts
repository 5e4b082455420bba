import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FileSystemView } from '#core';

/** Symlink resolution for the core: a path that does not exist yet resolves through its nearest existing ancestor. */
export const nodeFileSystem: FileSystemView = {
  realPath(absolutePath: string): string | undefined {
    let current = absolutePath;
    const rest: string[] = [];
    for (;;) {
      try {
        const real = realpathSync.native(current);
        return rest.length ? join(real, ...rest.reverse()) : real;
      } catch {
        const parent = dirname(current);
        if (parent === current) return undefined;
        rest.push(basename(current));
        current = parent;
      }
    }
  },
};

/** Whether the file system at `dir` ignores case (macOS and Windows by default). */
export function isCaseInsensitive(): boolean {
  return process.platform === 'darwin' || process.platform === 'win32';
}
