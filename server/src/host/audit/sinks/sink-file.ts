import type { SinkRecord } from '#core/audit';
import { readLines } from '../chain-order';
import { SD_ID } from './syslog-sink';

const SD = new RegExp(`\\[${SD_ID.replace('.', '\\.')} ([^\\]]*)\\]`);

/**
 * The entries of one log in what a sink wrote: a syslog server's file (each line holding one of
 * our messages: header, structured data, then the entry's JSON) or a plain export of JSON lines.
 * Lines of other programs, and messages another log sent (their `log` parameter differs), are skipped.
 */
export async function* sinkRecords(file: string, logId: string): AsyncGenerator<SinkRecord> {
  for await (const { line, text } of readLines(file)) {
    const sd = SD.exec(text);
    const from = sd ? sd.index + sd[0].length : 0;
    if (sd && !sd[1]?.includes(`log="${logId}"`)) continue;
    const start = text.indexOf('{', from);
    if (start < 0) continue;
    let entry: { seq?: unknown; hash?: unknown };
    try {
      entry = JSON.parse(text.slice(start)) as typeof entry;
    } catch {
      continue;
    }
    if (typeof entry.seq === 'number' && typeof entry.hash === 'string') yield { seq: entry.seq, hash: entry.hash, line };
  }
}
