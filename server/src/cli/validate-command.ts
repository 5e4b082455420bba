import type { PolicySet } from '#core';
import { EXIT, type CliIo } from './io';
import { findingProblem, ProblemWriter, type ReportFormat } from './report-formats';

/** Prints every finding across the root policy and its overrides; exit 1 when any is an error. */
export function runValidate(set: PolicySet, io: CliIo, format: ReportFormat): number {
  const writer = new ProblemWriter(format, io.stdout, io.styles.stdout);
  const checked = reportFindings(set, writer, io.cwd);
  writer.end(checked.summary);
  return checked.code;
}

/** Adds every finding to a report (one document may also hold a log's violations); its exit code and summary line. */
export function reportFindings(set: PolicySet, writer: ProblemWriter, from: string): { code: number; summary: string } {
  const findings = [...set.findings].sort((a, b) => a.uri.localeCompare(b.uri) || a.offset - b.offset);
  for (const f of findings) writer.add(findingProblem(f, set, from));
  const errors = findings.filter((f) => f.severity === 'error').length;
  let summary = `${set.files.length} policy file(s): ${errors} error(s), ${findings.length - errors} other finding(s)${errors ? '' : '; ok'}`;
  if (set.refusal) summary += '\nThe policy set cannot be enforced while a blocking error remains: every action is denied.';
  return { code: errors ? EXIT.violation : EXIT.ok, summary };
}
