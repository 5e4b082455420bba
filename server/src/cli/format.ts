import { isAbsolute, join, relative, sep } from 'node:path';
import type { Finding, PolicySet } from '#core';
import { LineIndex } from '#core';
import { PLAIN, type Style } from './colour';

/**
 * A policy file's name (relative to the policy's root, as findings name it) as the CLI shows it:
 * relative to `from`, the folder the command was run in, so a path in a report opens from there
 * (`--config pkg/.agent-policy.yml` reports `pkg/.agent-policy.yml`); a file outside that folder
 * is named by its whole path.
 */
export function shownPath(set: PolicySet, uri: string, from: string): string {
  if (uri.includes(':')) return uri;
  const path = join(set.environment.root, uri);
  const shown = relative(from, path);
  // Outside the folder it was run in: the whole path reads better than a climb of `../`.
  if (shown === '' || shown === '..' || shown.startsWith(`..${sep}`) || isAbsolute(shown)) return path.split(sep).join('/');
  return shown.split(sep).join('/');
}

/** `file:line:col severity CODE message`, the CLI's edge conversion of a finding's offset. */
export function formatFinding(f: Finding, set: PolicySet, from: string, style: Style = PLAIN): string {
  const file = set.files.find((x) => x.source.uri === f.uri);
  const { line, column } = (file?.lines ?? new LineIndex('')).position(f.offset);
  const related = f.related.map((r) => {
    const other = set.files.find((x) => x.source.uri === r.uri);
    const p = (other?.lines ?? new LineIndex('')).position(r.offset);
    return `\n    ${style.dim(`${shownPath(set, r.uri, from)}:${p.line}:${p.column}:`)} ${r.message}`;
  });
  return `${shownPath(set, f.uri, from)}:${line}:${column} ${style.severity(f.severity)} ${f.code} ${f.message}${related.join('')}`;
}

export function findingPosition(f: Finding, set: PolicySet): { line: number; column: number } {
  const file = set.files.find((x) => x.source.uri === f.uri);
  return (file?.lines ?? new LineIndex('')).position(f.offset);
}
