import type { AuditForward } from '#core';
import { SyslogSink } from './syslog-sink';

/** One audit entry on its way to a sink: its seq, its line as written, and the entry. */
export interface ForwardedEntry {
  seq: number;
  line: string;
  entry: Record<string, unknown>;
}

/**
 * A system outside the agent's reach that receives every audit entry (a syslog server or SIEM
 * now; an object-locked S3 bucket or an OpenTelemetry logs endpoint plug in the same way). The
 * forwarder hands each sink the entries it lacks, in chain order, and moves the sink's cursor
 * only when `send` resolved: a sink that is down loses nothing, it is sent the entries later.
 */
export interface AuditSink {
  /** Stable across runs: the seal keeps the sink's cursor under it. */
  readonly id: string;
  /** Resolves once the receiver has taken every entry; rejects (having taken some or none) otherwise. */
  send(entries: readonly ForwardedEntry[]): Promise<void>;
}

export interface SinkContext {
  /** Names this log to a sink that several logs forward to. */
  logId: string;
  hostname: string;
  /** How long connecting and handing over one batch may take. */
  timeoutMs: number;
}

/** The sink a policy's `audit.forward` item names. */
export function openSink(config: AuditForward, context: SinkContext): AuditSink {
  if (config.type === 'syslog') return new SyslogSink(config.address, context);
  throw new Error(`audit.forward: no sink of type ${JSON.stringify(config.type)}`);
}
