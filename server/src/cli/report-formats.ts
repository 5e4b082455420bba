import type { Finding, PolicySet } from '#core';
import { codeDocUrl, codeInfo } from '#core';
import { PLAIN, type Style } from './colour';
import { VERSION } from './version';
import { findingPosition, formatFinding, shownPath } from './format';

export type ReportFormat = 'text' | 'json' | 'sarif' | 'github';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif', 'github'];

/** One problem to report: a policy finding, or a violation in an agent log. */
export interface Problem {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  message: string;
  file: string;
  line: number;
  column: number;
  /** The text form, as the text format prints it (coloured by `style` on a terminal). */
  text: (style: Style) => string;
}

/** A finding as a problem; its file is shown relative to `from`, the folder the command was run in. */
export function findingProblem(f: Finding, set: PolicySet, from: string): Problem {
  const { line, column } = findingPosition(f, set);
  return {
    ruleId: f.code,
    level: f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'note',
    message: f.message,
    file: shownPath(set, f.uri, from),
    line,
    column,
    text: (style) => formatFinding(f, set, from, style),
  };
}

/**
 * Writes problems as they come, in any format, so a linter over a huge log runs in bounded memory:
 * text and GitHub annotations line by line; JSON and SARIF as one document streamed in pieces.
 */
export class ProblemWriter {
  private count = 0;
  private readonly ruleIds: string[] = [];

  constructor(
    private readonly format: ReportFormat,
    private readonly out: (text: string) => void,
    private readonly style: Style = PLAIN,
  ) {
    if (format === 'json') out('[');
    if (format === 'sarif') out(`{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"results":[`);
  }

  add(p: Problem): void {
    const first = this.count++ === 0;
    if (!this.ruleIds.includes(p.ruleId)) this.ruleIds.push(p.ruleId);
    switch (this.format) {
      case 'text':
        return this.out(`${p.text(this.style)}\n`);
      case 'github':
        // Workflow commands: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
        return this.out(
          `::${p.level === 'note' ? 'notice' : p.level} file=${escapeProperty(p.file)},line=${p.line},col=${p.column},title=${escapeProperty(p.ruleId)}::${escapeData(p.message)}\n`,
        );
      case 'json': {
        const { text: _text, ...rest } = p;
        return this.out(`${first ? '' : ','}\n${JSON.stringify(rest)}`);
      }
      case 'sarif':
        return this.out(
          `${first ? '' : ','}\n${JSON.stringify({ ruleId: p.ruleId, level: p.level, message: { text: p.message }, locations: [{ physicalLocation: { artifactLocation: { uri: p.file }, region: { startLine: p.line, startColumn: p.column } } }] })}`,
        );
    }
  }

  /** Closes the document; `summary` goes to the text and GitHub formats (JSON and SARIF stay pure). */
  end(summary: string): void {
    if ((this.format === 'text' || this.format === 'github') && summary !== '') this.out(`${summary}\n`);
    if (this.format === 'json') this.out('\n]\n');
    if (this.format === 'sarif') {
      const rules = this.ruleIds.sort().map(ruleDescriptor);
      const driver = { name: 'agent-policy', version: VERSION, semanticVersion: VERSION, informationUri: 'https://agent-policy.dev', rules };
      this.out(`\n],"tool":{"driver":${JSON.stringify(driver)}}}]}\n`);
    }
  }
}

/** What an agent-log check reports, beside the policy's own finding codes. */
const LOG_RULES: Record<string, { name: string; summary: string }> = {
  'denied-action': { name: 'denied-action', summary: 'The agent took an action that the policy denies.' },
  'unapproved-action': { name: 'unapproved-action', summary: "The agent took an action that needs a person's approval, and the log records none." },
};

/** SARIF's description of one rule: its name, what it means, and (for a finding code) its documentation. */
function ruleDescriptor(id: string): Record<string, unknown> {
  const info = codeInfo(id) ?? (Object.hasOwn(LOG_RULES, id) ? LOG_RULES[id] : undefined);
  const summary = info?.summary ?? id;
  const doc = codeInfo(id) ? codeDocUrl(id) : undefined;
  return {
    id,
    name: info?.name ?? id,
    shortDescription: { text: summary },
    fullDescription: { text: summary },
    ...(doc ? { helpUri: doc, help: { text: `${summary} See ${doc}.` } } : { help: { text: summary } }),
  };
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
