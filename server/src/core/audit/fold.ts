import type { AuditRecord } from './record';
import { recordTarget } from './record';

/**
 * Flood control: identical denials (same agent, action, target and reason) repeated within a
 * window are not written one by one. The first is written in full; the repeats are counted, and a
 * `summary` record saying how many were folded is written when the run ends (a different entry,
 * the window passing, or an explicit flush). A flooding agent therefore cannot bury other entries.
 */
export interface FoldState {
  key: string;
  /** Seq and hash of the full entry the repeats are folded into. */
  first_seq: number;
  first_hash: string;
  folded: number;
  window_start: string;
  last_at: string;
  sample: { agent_id: unknown; action: unknown; target: string | undefined; reason: unknown };
}

export const DEFAULT_FOLD_WINDOW_MS = 10_000;

export function foldKey(record: AuditRecord): string | undefined {
  if (record.kind !== 'decision' || record.decision !== 'deny') return undefined;
  return JSON.stringify([record.agent_id, record.runtime, record.action, recordTarget(record), record.reason]);
}

export type FoldStep =
  /** Count the record into the current run; write nothing. */
  | { fold: true; state: FoldState }
  /** Write `summary` first (when present), then the record; `track` says whether to start a run with it. */
  | { fold: false; summary: AuditRecord | undefined; track: boolean };

export function foldStep(state: FoldState | undefined, record: AuditRecord, windowMs: number): FoldStep {
  const key = foldKey(record);
  const now = Date.parse(record.timestamp);
  if (state && key === state.key && now - Date.parse(state.window_start) <= windowMs && now >= Date.parse(state.window_start)) {
    return { fold: true, state: { ...state, folded: state.folded + 1, last_at: record.timestamp } };
  }
  return { fold: false, summary: state ? summaryRecord(state, record.timestamp) : undefined, track: key !== undefined };
}

/** The record that closes a run; undefined when nothing was folded. */
export function summaryRecord(state: FoldState, timestamp: string): AuditRecord | undefined {
  if (state.folded === 0) return undefined;
  return {
    kind: 'summary',
    timestamp,
    folded: state.folded,
    of_seq: state.first_seq,
    of_hash: state.first_hash,
    from: state.window_start,
    until: state.last_at,
    agent_id: state.sample.agent_id,
    action: state.sample.action,
    target: state.sample.target ?? null,
    reason: `${state.folded} identical denial(s) folded into entry ${state.first_seq}: ${String(state.sample.reason)}`,
  };
}

export function startRun(record: AuditRecord, seq: number, hash: string): FoldState {
  return {
    key: foldKey(record) ?? '',
    first_seq: seq,
    first_hash: hash,
    folded: 0,
    window_start: record.timestamp,
    last_at: record.timestamp,
    sample: { agent_id: record.agent_id, action: record.action, target: recordTarget(record), reason: record.reason },
  };
}
