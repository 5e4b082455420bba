import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackwardRuns, formatSpan } from '#core/audit/backward-runs';

const byMs = (): BackwardRuns<number> => new BackwardRuns<number>((high, key) => high - key, 5);

function feed(runs: BackwardRuns<number>, keys: number[]): ReturnType<BackwardRuns<number>['end']>[] {
  const closed = keys.map((key, i) => runs.observe({ seq: i + 1, key, file: 'f', line: i + 1 })).filter((r) => r !== undefined);
  const last = runs.end();
  return last ? [...closed, last] : closed;
}

describe('entries that run backwards', () => {
  it('a steady clock, or one that repeats a reading, makes no run', () => {
    assert.deepEqual(feed(byMs(), [1, 2, 2, 3, 10]), []);
  });

  it('one run covers the entries behind the high-water mark, measured from the entry they were behind', () => {
    const [run, ...rest] = feed(byMs(), [100, 200, 150, 210, 120, 300]);
    assert.equal(rest.length, 0);
    assert.deepEqual({ first: run?.first.seq, last: run?.lastSeq, count: run?.count }, { first: 3, last: 5, count: 2 });
    assert.deepEqual({ worst: run?.worst.entry.seq, ahead: run?.worst.ahead.seq, behind: run?.worst.behind }, { worst: 5, ahead: 4, behind: 90 });
  });

  it('a quiet stretch of in-order entries closes a run; a later step back opens another', () => {
    const keys = [10, 5, 11, 12, 13, 14, 15, 1, 16];
    const runs = feed(byMs(), keys);
    assert.deepEqual(
      runs.map((r) => [r?.first.seq, r?.lastSeq, r?.worst.behind]),
      [
        [2, 2, 5],
        [8, 8, 14],
      ],
    );
  });

  it('spans read as people read them', () => {
    assert.equal(formatSpan(250), '250 ms');
    assert.equal(formatSpan(10_000), '10 s');
    assert.equal(formatSpan(4_200), '4.2 s');
    assert.equal(formatSpan(86_400_000), '1d');
    assert.equal(formatSpan(86_399_000), '23h 59m 59s');
  });
});
