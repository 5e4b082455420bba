import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkspaceFiles } from '#service/policy-workspace';

const SKIPPED = new Set(['.git', 'node_modules', '.agent-policy']);
const MAX_ENTRIES = 50_000;
const FRESH_MS = 5_000;

/**
 * The workspace's files and folders for completion and hover, listed lazily, at most 50,000
 * entries (then `truncated()`), skipping .git, node_modules and the state folder, and re-listed
 * when older than five seconds or after `invalidate()`.
 */
export class WorkspaceListing implements WorkspaceFiles {
  private listing: { files: string[]; directories: string[]; truncated: boolean; at: number } | undefined;

  constructor(
    private readonly root: string,
    private readonly clock: () => number = Date.now,
  ) {}

  invalidate(): void {
    this.listing = undefined;
  }

  files(): readonly string[] {
    return this.current().files;
  }

  directories(): readonly string[] {
    return this.current().directories;
  }

  truncated(): boolean {
    return this.current().truncated;
  }

  private current(): { files: string[]; directories: string[]; truncated: boolean; at: number } {
    const now = this.clock();
    if (this.listing && now - this.listing.at < FRESH_MS) return this.listing;
    const files: string[] = [];
    const directories: string[] = [];
    const queue = [''];
    let truncated = false;
    while (queue.length && !truncated) {
      const rel = queue.shift() as string;
      let entries;
      try {
        entries = readdirSync(join(this.root, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory()) {
          if (SKIPPED.has(entry.name)) continue;
          directories.push(path);
          queue.push(path);
        } else files.push(path);
        if (files.length + directories.length >= MAX_ENTRIES) {
          truncated = true;
          break;
        }
      }
    }
    this.listing = { files, directories, truncated, at: now };
    return this.listing;
  }
}
