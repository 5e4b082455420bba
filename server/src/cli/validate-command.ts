import type { PolicySet } from '#core';
import { formatFinding, findingPosition } from '../node/format';
import { EXIT, type CliIo } from './io';

/** Prints every finding across the root policy and its overrides; exit 1 when any is an error. */
export function runValidate(set: PolicySet, io: CliIo, json: boolean): number {
  const findings = [...set.findings].sort((a, b) => a.uri.localeCompare(b.uri) || a.offset - b.offset);
  if (json) {
    io.stdout(JSON.stringify(findings.map((f) => ({ ...f, ...findingPosition(f, set) }))) + '\n');
  } else {
    for (const f of findings) io.stdout(formatFinding(f, set) + '\n');
    const errors = findings.filter((f) => f.severity === 'error').length;
    const summary = `${set.files.length} policy file(s): ${errors} error(s), ${findings.length - errors} other finding(s)`;
    io.stdout((errors ? summary : `${summary}; ok`) + '\n');
    if (set.refusal) io.stdout('The policy set cannot be enforced while a blocking error remains: every action is denied.\n');
  }
  return findings.some((f) => f.severity === 'error') ? EXIT.violation : EXIT.ok;
}
