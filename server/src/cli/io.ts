import type { Style } from './colour';

/** What a CLI command may touch; main.ts wires the process's streams in. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  /** The folder the command was run in: the paths a report shows are relative to it. */
  cwd: string;
  /** How text for each stream is coloured (plain unless it is a terminal that wants colour). */
  styles: { stdout: Style; stderr: Style };
}

export const EXIT = { ok: 0, violation: 1, usage: 2, ask: 3 } as const;

export class UsageError extends Error {}

/** Project settings are shared files (committed, read by the runtime): readable by all, like any source file. */
export const SHARED_FILE_MODE = 0o644;
