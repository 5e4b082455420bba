import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { AuditSink, ForwardedEntry, SinkContext } from './audit-sink';

/** The structured-data id of our parameters (32473 is the enterprise number RFC 5612 reserves for examples). */
export const SD_ID = 'agentpolicy@32473';

/** RFC 5424 facility 13, "log audit". */
const FACILITY = 13;

/**
 * Syslog over TCP (RFC 5424 messages, octet-counted framing from RFC 6587), or over TLS (RFC 5425).
 * A batch goes over one connection that we then half-close; the receiver closing its side after
 * reading our end of stream is the acknowledgement that it read every message (plain syslog has
 * no other). A reset, a timeout or an error before that rejects: the batch is sent again later,
 * so a receiver may see an entry twice, never miss one it acknowledged.
 */
export class SyslogSink implements AuditSink {
  readonly id: string;
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;

  constructor(
    address: string,
    private readonly context: SinkContext,
  ) {
    const parsed = /^(tcp|tls):\/\/([^/:]+):(\d{1,5})$/.exec(address);
    if (!parsed) throw new Error(`audit.forward: ${JSON.stringify(address)} is not tcp://host:port or tls://host:port`);
    this.id = `syslog ${address}`;
    this.tls = parsed[1] === 'tls';
    this.host = parsed[2] as string;
    this.port = Number(parsed[3]);
  }

  send(entries: readonly ForwardedEntry[]): Promise<void> {
    const frames = entries.map((e) => {
      const message = Buffer.from(syslogMessage(e, this.context), 'utf8');
      return Buffer.concat([Buffer.from(`${message.length} `), message]);
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve();
      };
      const socket: Socket = this.tls
        ? connectTls({ host: this.host, port: this.port, ...(isIP(this.host) ? {} : { servername: this.host }) })
        : connectTcp({ host: this.host, port: this.port });
      const timer = setTimeout(() => finish(new Error(`${this.id}: no acknowledgement within ${this.context.timeoutMs} ms`)), this.context.timeoutMs);
      socket.once(this.tls ? 'secureConnect' : 'connect', () => socket.end(Buffer.concat(frames)));
      socket.on('data', () => undefined); // a receiver that talks back is read and ignored
      socket.once('error', (error) => finish(new Error(`${this.id}: ${error.message}`)));
      socket.once('close', (hadError) => finish(hadError ? new Error(`${this.id}: the connection failed`) : undefined));
    });
  }
}

/** One entry as an RFC 5424 message: severity from the decision, the kind as MSGID, seq and hash as structured data, the entry's JSON line as the message. */
export function syslogMessage(e: ForwardedEntry, context: Pick<SinkContext, 'logId' | 'hostname'>): string {
  const severity = e.entry.decision === 'deny' ? 4 : e.entry.decision === 'ask' ? 5 : 6;
  const timestamp =
    typeof e.entry.timestamp === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(e.entry.timestamp) ? e.entry.timestamp : '-';
  const msgid = headerField(typeof e.entry.kind === 'string' ? e.entry.kind : '', 32);
  const sd = `[${SD_ID} log="${sdValue(context.logId)}" seq="${e.seq}" hash="${sdValue(typeof e.entry.hash === 'string' ? e.entry.hash : '')}"]`;
  return `<${FACILITY * 8 + severity}>1 ${timestamp} ${headerField(context.hostname, 255)} agent-policy - ${msgid} ${sd} \uFEFF${e.line}`;
}

/** A header field: printable US-ASCII without spaces, at most `max` characters, `-` when empty. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

function sdValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}
