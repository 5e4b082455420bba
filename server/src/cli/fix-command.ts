import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, PolicySet, TextEdit } from '#core';
import { formatFinding } from './format';
import type { CliIo } from './io';

/**
 * `--fix`: applies the mechanical fixes findings carry (duplicate or shadowed patterns, quoting a
 * version, ...) to the policy files, and lists the findings it cannot fix. Edits in one file are
 * applied from the end so offsets stay valid; overlapping edits are left for a second run.
 */
export function applyFixes(set: PolicySet, root: string, io: CliIo): { applied: number; unfixable: Finding[] } {
  const byFile = new Map<string, { finding: Finding; fix: TextEdit }[]>();
  const unfixable: Finding[] = [];
  for (const f of set.findings) {
    if (f.fix) {
      const list = byFile.get(f.uri) ?? [];
      list.push({ finding: f, fix: f.fix });
      byFile.set(f.uri, list);
    } else if (f.severity !== 'info') unfixable.push(f);
  }
  let applied = 0;
  for (const [uri, edits] of byFile) {
    const path = join(root, uri);
    let text = readFileSync(path, 'utf8');
    let limit = Infinity;
    for (const { finding, fix } of edits.sort((a, b) => b.fix.offset - a.fix.offset)) {
      if (fix.offset + fix.length > limit) continue;
      text = text.slice(0, fix.offset) + fix.newText + text.slice(fix.offset + fix.length);
      limit = fix.offset;
      applied++;
      io.stdout(`fixed ${formatFinding(finding, set, io.cwd, io.styles.stdout)}\n      → ${fix.description}\n`);
    }
    writeFileSync(path, text);
  }
  for (const f of unfixable) io.stdout(`cannot fix ${formatFinding(f, set, io.cwd, io.styles.stdout)}\n`);
  return { applied, unfixable };
}
