import { lstatSync, readFileSync, realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import type { PolicySet } from '#core';
import { OVERRIDE_POLICY, ROOT_POLICY } from './policy-files';
import { loadWorkspacePolicy } from './workspace';

/**
 * The policies a resident decider keeps loaded, one per workspace root, each as fresh as a load
 * from disk would be:
 * - every call compares the files the policy was read from (the root policy and each override:
 *   inode, size, modification and change times) with what is on disk now, and reloads on any
 *   difference (an edit, a deletion, a replacement);
 * - a recursive watch on the root notices what a comparison cannot: a new override, or a folder
 *   moved in with one; the next call reloads. Where the watch cannot run (inotify's limit, an
 *   unsupported file system), every call reloads: slower, never stale.
 * At most MAX_ROOTS roots are kept; the least recently used goes first.
 */
const MAX_ROOTS = 16;

interface Entry {
  set: Promise<PolicySet>;
  /** The root folder itself (device, inode, real path): a folder replaced (a re-clone) is another workspace, and the watch on the old one sees nothing of it. */
  folder: string;
  stamps: Map<string, string>;
  stale: boolean;
  watcher: FSWatcher | undefined;
  watchFailed: boolean;
}

export class ResidentPolicies {
  private readonly entries = new Map<string, Entry>();
  /** Loads since start, for `serve`'s log and tests. */
  loads = 0;

  constructor(private readonly load: (root: string) => Promise<PolicySet> = (root) => loadWorkspacePolicy(root, 'enforcement')) {}

  get(root: string): Promise<PolicySet> {
    let entry = this.entries.get(root);
    if (entry && entry.folder !== folderStamp(root)) {
      entry.watcher?.close();
      this.entries.delete(root);
      entry = undefined;
    }
    if (entry && !entry.stale && !entry.watchFailed && unchanged(entry.stamps)) {
      this.entries.delete(root);
      this.entries.set(root, entry);
      return entry.set;
    }
    return this.reload(root, entry);
  }

  close(): void {
    for (const entry of this.entries.values()) entry.watcher?.close();
    this.entries.clear();
  }

  private reload(root: string, previous: Entry | undefined): Promise<PolicySet> {
    const entry: Entry = previous ?? {
      set: Promise.resolve(undefined as unknown as PolicySet),
      folder: folderStamp(root),
      stamps: new Map(),
      stale: false,
      watcher: undefined,
      watchFailed: false,
    };
    // Watching starts before reading, so a change made during the read marks the entry stale.
    if (!entry.watcher && !entry.watchFailed) entry.watcher = this.watch(root, entry);
    entry.stale = false;
    this.loads++;
    entry.set = this.load(root).then((set) => {
      const stamps = stampsOf(root, set);
      entry.stamps = stamps.stamps;
      // A file changed while it was read: this set serves the call that asked, the next one reloads.
      if (!stamps.asRead) entry.stale = true;
      return set;
    });
    // A failed load is not kept: the next call tries again.
    entry.set.catch(() => this.entries.delete(root));
    this.entries.delete(root);
    this.entries.set(root, entry);
    this.evict();
    return entry.set;
  }

  private watch(root: string, entry: Entry): FSWatcher | undefined {
    try {
      const watcher = watch(root, { recursive: true, persistent: false }, (event, name) => {
        if (name === null || name === '' || isPolicyName(basename(String(name))) || (event === 'rename' && isFolder(join(root, String(name)))))
          entry.stale = true;
        // The watched folder itself went (deleted, moved): nothing more will be seen through this watch.
        if (!isFolder(root)) entry.watchFailed = true;
      });
      watcher.on('error', () => {
        entry.watchFailed = true;
        watcher.close();
      });
      watcher.on('close', () => (entry.watchFailed = true));
      return watcher;
    } catch {
      entry.watchFailed = true;
      return undefined;
    }
  }

  private evict(): void {
    while (this.entries.size > MAX_ROOTS) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      entry.watcher?.close();
      this.entries.delete(oldest);
    }
  }
}

function folderStamp(root: string): string {
  try {
    const s = statSync(root, { bigint: true });
    // The birth time too: a freed inode is often handed to the next folder made (rm -rf; mkdir).
    return `${s.dev}:${s.ino}:${s.birthtimeNs}:${realpathSync(root)}`;
  } catch (error) {
    return `missing:${(error as NodeJS.ErrnoException).code ?? ''}`;
  }
}

function isPolicyName(name: string): boolean {
  return name === ROOT_POLICY || name === OVERRIDE_POLICY;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The files a set was read from (the root policy and each source), stamped, and whether each
 * still holds the text the set was made of (a change between the read and the stamp would
 * otherwise leave a stale set looking fresh).
 */
function stampsOf(root: string, set: PolicySet): { stamps: Map<string, string>; asRead: boolean } {
  const stamps = new Map<string, string>([[join(root, ROOT_POLICY), stamp(join(root, ROOT_POLICY))]]);
  let asRead = true;
  for (const file of set.files) {
    const path = join(root, file.source.uri);
    stamps.set(path, stamp(path));
    if (file.source.unreadable === undefined && readText(path) !== file.source.text) asRead = false;
  }
  return { stamps, asRead };
}

function readText(path: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: false }).decode(readFileSync(path));
  } catch {
    return undefined;
  }
}

function stamp(path: string): string {
  try {
    const s = lstatSync(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    return `missing:${(error as NodeJS.ErrnoException).code ?? ''}`;
  }
}

function unchanged(stamps: Map<string, string>): boolean {
  for (const [path, before] of stamps) if (stamp(path) !== before) return false;
  return true;
}
