import type { PolicySet } from '#core';
import { EXIT, type CliIo } from './io';
import { findingProblem, ProblemWriter, type ReportFormat } from './report-formats';

/** Prints every finding across the root policy and its overrides; exit 1 when any is an error. */
export function runValidate(set: PolicySet, io: CliIo, format: ReportFormat): number {
  const findings = [...set.findings].sort((a, b) => a.uri.localeCompare(b.uri) || a.offset - b.offset);
  const writer = new ProblemWriter(format, io.stdout);
  for (const f of findings) writer.add(findingProblem(f, set));
  const errors = findings.filter((f) => f.severity === 'error').length;
  let summary = `${set.files.length} policy file(s): ${errors} error(s), ${findings.length - errors} other finding(s)${errors ? '' : '; ok'}`;
  if (set.refusal) summary += '\nThe policy set cannot be enforced while a blocking error remains: every action is denied.';
  writer.end(summary);
  return errors ? EXIT.violation : EXIT.ok;
}
