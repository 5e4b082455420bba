import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The lines of a file from the last to the first, read in chunks from the end: the newest audit
 * entries come first without reading (or holding) the rest of a large log. A line split across
 * chunks is joined as bytes, so multi-byte characters survive. Empty lines are skipped.
 */
export function* linesBackward(file: string, chunkBytes = 64 * 1024): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    let position = fstatSync(fd).size;
    let carry: Buffer = Buffer.alloc(0);
    while (position > 0) {
      const size = Math.min(chunkBytes, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      readSync(fd, chunk, 0, size, position);
      let buffer = carry.length ? Buffer.concat([chunk, carry]) : chunk;
      let end = buffer.length;
      for (let nl = buffer.lastIndexOf(0x0a, end - 1); nl >= 0; nl = end > 0 ? buffer.lastIndexOf(0x0a, end - 1) : -1) {
        if (nl + 1 < end) yield buffer.toString('utf8', nl + 1, end);
        end = nl;
      }
      carry = buffer.subarray(0, end);
      buffer = Buffer.alloc(0);
    }
    if (carry.length) yield carry.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
