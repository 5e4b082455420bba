import type { AuditLog } from '../audit-log';
import type { AuditSink, ForwardedEntry } from './audit-sink';

const BATCH = 256;

export interface ForwardProblem {
  sink: string;
  message: string;
}

/**
 * Ships the audit log to its sinks: each sink is sent, in chain order and in batches, the entries
 * after its cursor (kept in the seal), and the cursor moves after each batch it acknowledged. The
 * log is the durable queue: a sink that is down costs nothing but a failed connection, and it
 * catches up on the next run. One run at a time per process; a nudge during a run asks for another.
 */
export class AuditForwarder {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly log: AuditLog,
    readonly sinks: readonly AuditSink[],
    private readonly onProblem: (problem: ForwardProblem) => void = () => undefined,
  ) {}

  /** Starts a run (or asks the current one to go round again); resolves when no run is left. */
  nudge(): Promise<void> {
    if (this.sinks.length === 0) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Waits for the current run for at most `ms`: true when it ended. The run goes on either way. */
  async settle(ms: number): Promise<boolean> {
    const running = this.running;
    if (!running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const ended = await Promise.race([running.then(() => true as const), timeout]);
    clearTimeout(timer);
    return ended;
  }

  /** Sends `sink` what it lacks; returns how many entries it acknowledged. Throws when it stopped taking them. */
  async forwardTo(sink: AuditSink): Promise<number> {
    let sent = 0;
    let batch: ForwardedEntry[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await sink.send(batch);
      this.log.recordForwarded(sink.id, (batch.at(-1) as ForwardedEntry).seq);
      sent += batch.length;
      batch = [];
    };
    for await (const entry of this.log.linesAfter(this.log.forwardedUpTo(sink.id))) {
      batch.push(entry);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    return sent;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      for (const sink of this.sinks) {
        try {
          await this.forwardTo(sink);
        } catch (error) {
          this.onProblem({ sink: sink.id, message: (error as Error).message });
        }
      }
    } while (this.again);
  }
}
