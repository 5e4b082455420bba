import { closeSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Lines as readline gives them with `crlfDelay: Infinity` (a line ends at `\n`, `\r\n` or a lone
 * `\r`; a last line without an ending counts), without readline's per-line regular expression,
 * events and promises: lint reads millions of lines. test/unit/read-lines.test.ts compares them
 * with readline on generated text cut into generated chunks.
 */
class LineSplitter {
  private buffer = '';
  // The last chunk ended in `\r`: a `\n` opening the next one ends the same line.
  private skipLf = false;

  /** The lines `chunk` completes. */
  push(chunk: string): string[] {
    this.buffer += this.skipLf && chunk.startsWith('\n') ? chunk.slice(1) : chunk;
    if (chunk !== '') this.skipLf = false;
    const buffer = this.buffer;
    const lines: string[] = [];
    let start = 0;
    let lf = buffer.indexOf('\n');
    let cr = buffer.indexOf('\r');
    for (;;) {
      if (lf >= 0 && lf < start) lf = buffer.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = buffer.indexOf('\r', start);
      const end = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
      if (end < 0) break;
      lines.push(buffer.slice(start, end));
      if (end === cr) {
        if (end + 1 === buffer.length) this.skipLf = true;
        start = buffer[end + 1] === '\n' ? end + 2 : end + 1;
      } else start = end + 1;
    }
    this.buffer = buffer.slice(start);
    return lines;
  }

  /** The last line, if it had no ending. */
  end(): string[] {
    return this.buffer === '' ? [] : [this.buffer];
  }
}

export async function* readLines(input: Readable): AsyncGenerator<string> {
  input.setEncoding('utf8');
  const splitter = new LineSplitter();
  for await (const chunk of input as AsyncIterable<string>) yield* splitter.push(chunk);
  yield* splitter.end();
}

/** A file's lines, a chunk at a time, read synchronously (a command that only reads: no event loop hops per chunk). */
export function* fileLineBatches(file: string, chunkBytes = 256 * 1024): Generator<string[]> {
  const fd = openSync(file, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const splitter = new LineSplitter();
    const bytes = Buffer.alloc(chunkBytes);
    for (;;) {
      const n = readSync(fd, bytes, 0, chunkBytes, null);
      if (n === 0) break;
      const lines = splitter.push(decoder.write(bytes.subarray(0, n)));
      if (lines.length) yield lines;
    }
    const last = splitter.push(decoder.end()).concat(splitter.end());
    if (last.length) yield last;
  } finally {
    closeSync(fd);
  }
}
