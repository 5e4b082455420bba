import type { Finding, PolicySet } from '#core';
import { LineIndex } from '#core';

/** `file:line:col severity CODE message`, the CLI's edge conversion of a finding's offset. */
export function formatFinding(f: Finding, set: PolicySet): string {
  const file = set.files.find((x) => x.source.uri === f.uri);
  const { line, column } = (file?.lines ?? new LineIndex('')).position(f.offset);
  const related = f.related.map((r) => {
    const other = set.files.find((x) => x.source.uri === r.uri);
    const p = (other?.lines ?? new LineIndex('')).position(r.offset);
    return `\n    ${r.uri}:${p.line}:${p.column}: ${r.message}`;
  });
  return `${f.uri}:${line}:${column} ${f.severity} ${f.code} ${f.message}${related.join('')}`;
}

export function findingPosition(f: Finding, set: PolicySet): { line: number; column: number } {
  const file = set.files.find((x) => x.source.uri === f.uri);
  return (file?.lines ?? new LineIndex('')).position(f.offset);
}
