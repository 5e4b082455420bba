import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readTornTail } from '#host/files/durable-file';

const file = (text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'ap-torn-')), 'audit.jsonl');
  writeFileSync(path, text);
  return path;
};

describe('readTornTail reads the end in growing windows', () => {
  const entry = (n: number, pad = 0): string => JSON.stringify({ seq: n, hash: 'h', pad: 'x'.repeat(pad) });
  const older = Array.from({ length: 400 }, (_, i) => entry(i, 300)).join('\n') + '\n';

  it('finds the last entry behind torn pieces longer than the first window (the entry starts before it)', () => {
    const torn = ['not json '.repeat(5000), 'also not json '.repeat(4000)];
    const tail = readTornTail(file(`${older}${entry(400)}\n${torn[0]}\n${torn[1]}`));
    assert.equal(tail.entryLine, entry(400));
    assert.deepEqual(tail.torn, torn);
    assert.equal(tail.unterminated, true);
  });

  it('a last entry longer than the first window is read whole, not taken for a torn piece', () => {
    const long = entry(400, 200_000);
    const tail = readTornTail(file(`${older}${long}\n`));
    assert.equal(tail.entryLine, long);
    assert.deepEqual(tail.torn, []);
  });

  it('an ordinary end: the last entry, nothing torn, from a small window', () => {
    const tail = readTornTail(file(`${older}${entry(400)}\n`));
    assert.equal(tail.entryLine, entry(400));
    assert.deepEqual(tail.torn, []);
    assert.equal(tail.unterminated, false);
  });
});
