import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';

/**
 * The person's terminal: the process's controlling terminal (/dev/tty), never stdin, so a
 * passphrase cannot be piped in. Agent runtimes run tool calls without one; a terminal an agent
 * makes (script, expect, a pty) is one it can type into, which is why what is typed here is a
 * passphrase only the person knows.
 */
export interface Terminal {
  /** The terminal's device (`/dev/pts/3`), for the record. */
  device: string;
  write(text: string): void;
  /** Reads a line with echo off; rejects on Ctrl-C or Ctrl-D. */
  readSecret(prompt: string): Promise<string>;
  close(): void;
}

export function openTerminal(path = '/dev/tty'): Terminal | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return undefined; // ENXIO: no controlling terminal
  }
  const device = controllingTerminalName() ?? path;
  let input: ReadStream | undefined;
  const typed = { ahead: '' }; // what was typed after the line a read took (typed ahead of the next prompt)
  return {
    device,
    write: (text) => void writeSync(fd, text),
    readSecret: (prompt) => readSecret(fd, (input ??= new ReadStream(fd)), prompt, typed),
    close: () => (input ? input.destroy() : closeSync(fd)),
  };
}

function readSecret(fd: number, input: ReadStream, prompt: string, typed: { ahead: string }): Promise<string> {
  writeSync(fd, prompt);
  input.setRawMode(true);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error?: Error): void => {
      input.setRawMode(false);
      input.removeListener('data', take);
      input.pause();
      writeSync(fd, '\r\n');
      if (error) reject(error);
      else resolve(text);
    };
    /** Takes characters up to the end of a line; true when the line ended. */
    const line = (chars: string): boolean => {
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i] as string;
        if (ch === '\r' || ch === '\n') {
          typed.ahead = chars.slice(chars[i + 1] === '\n' && ch === '\r' ? i + 2 : i + 1);
          done();
          return true;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          done(new Error('cancelled at the terminal'));
          return true;
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
      return false;
    };
    const take = (chunk: Buffer): void => void line(chunk.toString('utf8'));
    const ahead = typed.ahead;
    typed.ahead = '';
    if (line(ahead)) return;
    input.on('data', take);
    input.resume();
  });
}

/** The controlling terminal's name from /proc/self/stat (`/dev/pts/3`), where Linux says it. */
function controllingTerminalName(): string | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const ttyNr = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4]);
    const major = (ttyNr >> 8) & 0xfff;
    const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
    if (major >= 136 && major <= 143) return `/dev/pts/${(major - 136) * 256 + minor}`;
    if (major === 4) return `/dev/tty${minor}`;
    return undefined;
  } catch {
    return undefined;
  }
}
