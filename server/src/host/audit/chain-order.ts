import { createReadStream } from 'node:fs';

export interface LogLine {
  file: string;
  line: number;
  text: string;
  /** False for a final line without a newline: a torn write. */
  terminated: boolean;
  /** The line's seq when it is JSON with a numeric seq. */
  seq: number | undefined;
}

/**
 * The lines of the audit log's day files in chain order: a merge by seq, one line buffered per
 * file. Within a file, lines keep their order; a line that is not an entry (a torn fragment,
 * garbage) comes right after the line before it in its file, where the verifier must see it.
 * Day-file names do not decide the order: files written while clocks disagreed may interleave.
 */
export class ChainOrder {
  private constructor(private readonly cursors: Cursor[]) {}

  /** `sizes`: read each file only up to this many bytes (a snapshot taken under the writers' lock). */
  static async open(files: string[], sizes?: ReadonlyMap<string, number>): Promise<ChainOrder> {
    const cursors = files.map((file) => new Cursor(file, sizes?.get(file)));
    for (const cursor of cursors) await cursor.advance();
    return new ChainOrder(cursors);
  }

  /** The lowest seq at the head of any file: where the chain starts. */
  firstSeq(): number | undefined {
    let first: number | undefined;
    for (const { head } of this.cursors) if (head?.seq !== undefined && (first === undefined || head.seq < first)) first = head.seq;
    return first;
  }

  async *lines(): AsyncGenerator<LogLine> {
    let current: Cursor | undefined;
    for (;;) {
      const loose = this.cursors.find((c) => c.head !== undefined && c.head.seq === undefined);
      const next = loose ?? this.following(current) ?? this.lowest();
      if (!next?.head) return;
      const line: LogLine = next.head;
      current = next;
      await next.advance();
      yield line;
    }
  }

  /** The current file, when its next line is the next seq (the usual case: no scan). */
  private following(current: Cursor | undefined): Cursor | undefined {
    return current?.head?.seq !== undefined && current.head.seq === current.lastSeq + 1 ? current : undefined;
  }

  private lowest(): Cursor | undefined {
    let best: Cursor | undefined;
    for (const c of this.cursors) if (c.head?.seq !== undefined && (best?.head?.seq === undefined || c.head.seq < best.head.seq)) best = c;
    return best;
  }
}

class Cursor {
  head: LogLine | undefined;
  lastSeq = Number.NEGATIVE_INFINITY;
  private readonly lines: AsyncGenerator<{ line: number; text: string; terminated: boolean }>;

  constructor(
    readonly file: string,
    size?: number,
  ) {
    this.lines = readLines(file, size);
  }

  async advance(): Promise<void> {
    if (this.head?.seq !== undefined) this.lastSeq = this.head.seq;
    for (;;) {
      const next = await this.lines.next();
      if (next.done) {
        this.head = undefined;
        return;
      }
      if (next.value.text.trim() === '') continue;
      this.head = { file: this.file, ...next.value, seq: seqOf(next.value.text) };
      return;
    }
  }
}

function seqOf(text: string): number | undefined {
  try {
    const parsed = JSON.parse(text) as { seq?: unknown } | null;
    return parsed !== null && typeof parsed === 'object' && typeof parsed.seq === 'number' ? parsed.seq : undefined;
  } catch {
    return undefined;
  }
}

/** Lines of a file, streamed, with whether each ended with a newline (the last may not: a torn write). */
export async function* readLines(file: string, size?: number): AsyncGenerator<{ line: number; text: string; terminated: boolean }> {
  let rest = '';
  let line = 0;
  if (size === 0) return;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024, ...(size !== undefined ? { end: size - 1 } : {}) })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield { line: ++line, text: text.slice(start, nl), terminated: true };
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) yield { line: ++line, text: rest, terminated: false };
}
