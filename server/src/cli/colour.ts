/**
 * Colour for a person at a terminal, never for a pipe or a file: only when the stream is a TTY,
 * NO_COLOR is unset or empty (no-color.org) and TERM is not `dumb`. (No FORCE_COLOR: a hook's
 * output, read by an agent runtime, must never carry escape codes.)
 */
export interface Style {
  severity(severity: string): string;
  decision(decision: string): string;
  dim(text: string): string;
}

const paint = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const red = paint('31');
const yellow = paint('33');
const cyan = paint('36');
const green = paint('32');

export const PLAIN: Style = { severity: (s) => s, decision: (d) => d, dim: (t) => t };

const COLOURED: Style = {
  severity: (s) => (s === 'error' ? red(s) : s === 'warning' ? yellow(s) : cyan(s)),
  decision: (d) => (/^deny$/i.test(d) ? red(d) : /^ask$/i.test(d) ? yellow(d) : /^allow$/i.test(d) ? green(d) : d),
  dim: paint('2'),
};

export function styleFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Style {
  if ((env.NO_COLOR ?? '') !== '' || env.TERM === 'dumb') return PLAIN;
  return stream.isTTY === true ? COLOURED : PLAIN;
}
