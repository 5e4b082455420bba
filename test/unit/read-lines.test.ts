import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileLineBatches, readLines } from '#host/files/read-lines';
import { prng } from '../helpers';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('readLines (lint reads logs with it)', () => {
  it('splits exactly as readline with crlfDelay Infinity, whatever the chunks (generated text with \\n, \\r\\n, lone \\r, non-ASCII)', async () => {
    const random = prng(4242);
    const alphabet = ['a', 'b', '{', '"', '\n', '\r', '\r\n', 'é', '😀', ' '];
    for (let round = 0; round < 400; round++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(random() * 6);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      const expected = await collect(createInterface({ input: Readable.from(chunks), crlfDelay: Infinity }));
      assert.deepEqual(await collect(readLines(Readable.from(chunks))), expected, JSON.stringify(text));
    }
  });
});

describe('fileLineBatches', () => {
  it("reads a file in chunks smaller than its lines and gives readline's lines", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ap-lines-')), 'log.jsonl');
    writeFileSync(file, 'one\r\ntwo\rthree\n\n😀 four é\r\r\nlast');
    const expected = await collect(createInterface({ input: createReadStream(file), crlfDelay: Infinity }));
    for (const size of [1, 2, 3, 5, 64]) assert.deepEqual([...fileLineBatches(file, size)].flat(), expected, `chunks of ${size} bytes`);
  });
});
