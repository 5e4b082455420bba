import type { EntryFilter } from '#core/audit';
import { linesBackward } from '../files/reverse-lines';

/** One audit entry as a reader sees it: the parsed object, or the raw line when it is not JSON. */
export interface AuditItem {
  entry: Record<string, unknown>;
  file: string;
}

/**
 * Reads an audit log newest first, a page at a time: `next(n)` returns up to `n` more entries that
 * pass the filter, scanning at most `budget` lines per call so a filter that matches nothing in a
 * million-entry log still returns control (with `done` false) instead of blocking the host.
 */
export class AuditPages {
  private readonly files: string[];
  private fileIndex: number;
  private lines: Generator<string> | undefined;
  done = false;

  constructor(
    filesOldestFirst: readonly string[],
    private readonly filter: EntryFilter = () => true,
  ) {
    this.files = [...filesOldestFirst];
    this.fileIndex = this.files.length - 1;
  }

  next(count: number, budget = 20_000): AuditItem[] {
    const out: AuditItem[] = [];
    let scanned = 0;
    while (out.length < count && scanned < budget && !this.done) {
      const file = this.files[this.fileIndex];
      if (file === undefined) {
        this.done = true;
        break;
      }
      this.lines ??= linesBackward(file);
      const step = this.lines.next();
      if (step.done) {
        this.lines = undefined;
        this.fileIndex -= 1;
        continue;
      }
      scanned += 1;
      const entry = parse(step.value);
      if (this.filter(entry)) out.push({ entry, file });
    }
    return out;
  }
}

function parse(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    /* shown as it is */
  }
  return { kind: 'unreadable', line: text };
}
