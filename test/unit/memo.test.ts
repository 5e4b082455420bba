import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearMemos, compileGlob, Memo, memoSizes } from '#core';

// Every module-level cache of the core is a Memo (server/src/core/base/memo.ts): bounded, named,
// and clearable from tests and benchmarks.
describe('memos', () => {
  it('builds a value once and keeps it, until the memo is full: then it starts again empty', () => {
    const memo = new Memo<number, string>('test squares', 3);
    let builds = 0;
    const square = (n: number): string => memo.get(n, () => (builds++, String(n * n)));
    assert.deepEqual([square(1), square(2), square(1)], ['1', '4', '1']);
    assert.equal(builds, 2, 'the second square(1) came from the memo');
    square(3);
    assert.equal(memo.size, 3);
    square(4);
    assert.equal(memo.size, 1, 'full at 3: emptied before the fourth went in');
    assert.equal(square(1), '1');
    assert.equal(builds, 5, 'square(1) was built again after the clear');
  });

  it('keeps nothing for a build that throws (the next call builds again)', () => {
    const memo = new Memo<string, number>('test throws', 10);
    assert.throws(() =>
      memo.get('x', () => {
        throw new Error('undecidable');
      }),
    );
    assert.equal(memo.size, 0);
    assert.equal(
      memo.get('x', () => 1),
      1,
    );
  });

  it('keeps an undefined result as a result', () => {
    const memo = new Memo<string, undefined>('test undefined', 10);
    let builds = 0;
    memo.get('a', () => void builds++);
    memo.get('a', () => void builds++);
    assert.equal(builds, 1);
  });

  it("lists the core's own memos by name, and clearMemos empties them all", () => {
    compileGlob('src/**/*.memo-test', false);
    assert.ok((memoSizes()['compiled globs'] ?? 0) >= 1, 'compileGlob went through the "compiled globs" memo');
    clearMemos();
    assert.equal(memoSizes()['compiled globs'], 0);
    const again = compileGlob('src/**/*.memo-test', false);
    assert.ok(again.ok, 'a cleared memo builds again: nothing that held a result is invalidated');
  });
});
