import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { ensurePrivateDir } from '../files/state-dir';
import { join } from 'node:path';
import { writeReplacing } from '../files/durable-file';

/**
 * A hook call under way leaves a marker file (`audit/unfinished/<pid>-<n>.json`) from before its
 * decision until its answer is written. A hook that is ended first (its own watchdog at the
 * deadline, or the runtime's kill) leaves its marker behind, and the next append to the audit log
 * records it: no call goes unrecorded because the process never got to record it.
 *
 * Markers are replaced atomically but not fsynced: they stand for a process that was ended, which
 * a power loss does not leave behind (the runtime that waited on the call is gone with it), and an
 * fsync here cost a decision more than its audit entry's share of a group commit.
 */
export interface CallMarker {
  pid: number;
  started_at: string;
  runtime: string;
  /** The first action the call would perform, for the entry (absent: not parsed yet). */
  action?: Record<string, unknown>;
  tool?: string;
  session_id?: string;
  tool_use_id?: string;
  transcript_path?: string;
  permission_mode?: string;
  /** Set by the watchdog as it answers deny at the deadline. */
  answered?: 'deny at the deadline';
  /** Set by a resident decider when the call's work ends after its deadline answered: recorded though `pid` lives on. */
  ended?: true;
}

export const UNFINISHED_DIR = 'unfinished';
let counter = 0;

/** Writes the marker; returns its path, to be removed with `endCall` once the answer is written. */
export function beginCall(auditDir: string, marker: CallMarker): string {
  const dir = join(auditDir, UNFINISHED_DIR);
  ensurePrivateDir(dir);
  const file = join(dir, `${marker.pid}-${counter++}.json`);
  writeReplacing(file, JSON.stringify(marker));
  return file;
}

export function endCall(file: string): void {
  rmSync(file, { force: true });
}

/** Notes in a call's marker what happened to it (a resident decider's deadline, or the end of its late work); a marker already gone stays gone. */
export function noteCall(file: string, note: Pick<CallMarker, 'answered' | 'ended'>): void {
  try {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as CallMarker;
    writeReplacing(file, JSON.stringify({ ...marker, ...note }));
  } catch {
    // Taken by an append already, or torn: nothing to note.
  }
}

/**
 * Markers left by processes that no longer run (or whose late work ended), oldest first. The
 * caller removes each (`endCall`) once its entry is on disk: a marker removed before its entry
 * was committed would be a call never recorded.
 */
export function abandonedCalls(auditDir: string, isAlive: (pid: number) => boolean): { file: string; marker: CallMarker }[] {
  const dir = join(auditDir, UNFINISHED_DIR);
  if (!existsSync(dir)) return [];
  const markers: { file: string; marker: CallMarker }[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = join(dir, name);
    try {
      markers.push({ file, marker: JSON.parse(readFileSync(file, 'utf8')) as CallMarker });
    } catch {
      // Torn by a crash mid-write: nothing readable to record, and the call never got past its start.
      rmSync(file, { force: true });
    }
  }
  return markers
    .sort((a, b) => a.marker.started_at.localeCompare(b.marker.started_at))
    .filter(({ marker }) => marker.ended === true || typeof marker.pid !== 'number' || !isAlive(marker.pid));
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
