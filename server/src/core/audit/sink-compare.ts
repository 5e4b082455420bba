/**
 * The audit log against what a sink received (`audit verify --against`). The sink is the outside
 * witness: an entry it holds that the log lacks or holds differently was removed or rewritten
 * after it was sent, which the log's own chain and seal cannot show to someone who also took the
 * seal's keys. An entry the sink acknowledged (up to its cursor) but does not hold was lost on
 * the way. Entries after the cursor are still to be sent: a note, not a problem.
 */
export interface SinkRecord {
  seq: number;
  hash: string;
  /** Where it is in the sink's file. */
  line: number;
}

export interface SinkFinding {
  kind: 'removed' | 'rewritten' | 'lost' | 'out-of-order' | 'conflict';
  seq: number;
  line: number | undefined;
  message: string;
}

export interface SinkComparison {
  problems: SinkFinding[];
  /** Entries the sink holds that belong to this log (each seq once). */
  held: number;
  /** Entries of the log not sent yet (after the cursor). */
  pending: { first: number; last: number } | undefined;
}

/** `local`: seq → hash of the log's verified entries, `first`..`last`; `cursor`: what the sink acknowledged. */
export function compareWithSink(
  local: ReadonlyMap<number, string>,
  range: { first: number; last: number },
  sink: Iterable<SinkRecord>,
  cursor: number,
): SinkComparison {
  const problems: SinkFinding[] = [];
  const seen = new Map<number, string>();
  let highest = 0;
  for (const record of sink) {
    const earlier = seen.get(record.seq);
    if (earlier !== undefined) {
      if (earlier !== record.hash)
        problems.push({ kind: 'conflict', seq: record.seq, line: record.line, message: `the sink holds two different entries ${record.seq}` });
      continue; // sent again after a connection failed: harmless
    }
    seen.set(record.seq, record.hash);
    if (record.seq < highest)
      problems.push({ kind: 'out-of-order', seq: record.seq, line: record.line, message: `entry ${record.seq} reached the sink after entry ${highest}` });
    highest = Math.max(highest, record.seq);
    if (record.seq < range.first) continue; // pruned from the log by retention
    const hash = local.get(record.seq);
    if (hash === undefined)
      problems.push({
        kind: 'removed',
        seq: record.seq,
        line: record.line,
        message:
          record.seq > range.last
            ? `the sink holds entry ${record.seq}, but the log ends at entry ${range.last}: entries were removed from its end`
            : `the sink holds entry ${record.seq}, which the log lacks: it was removed`,
      });
    else if (hash !== record.hash)
      problems.push({
        kind: 'rewritten',
        seq: record.seq,
        line: record.line,
        message: `entry ${record.seq} in the log is not the entry that was sent: it was rewritten after it was forwarded`,
      });
  }
  for (const [seq] of local) {
    if (seq <= cursor && !seen.has(seq))
      problems.push({ kind: 'lost', seq, line: undefined, message: `entry ${seq} was acknowledged by the sink but is not in what it holds: lost on the way` });
  }
  const firstPending = Math.max(cursor + 1, range.first);
  return { problems, held: seen.size, pending: firstPending <= range.last ? { first: firstPending, last: range.last } : undefined };
}
