import * as vscode from 'vscode';
import type { DecisionResult } from '#core';
import { describeAction } from './describe';

/** Answers "what would happen and why" in the output channel, with the deciding rules. */
export class ExplainView {
  constructor(private readonly output: vscode.OutputChannel) {}

  show(action: Record<string, unknown>, result: DecisionResult): void {
    this.output.appendLine(`${result.decision.toUpperCase()}: ${describeAction(action)}`);
    this.output.appendLine(`  why: ${result.reason}`);
    for (const rule of result.rules) this.output.appendLine(`  rule: ${rule.list} "${rule.pattern}" at ${rule.file}:${rule.line}:${rule.column}`);
    if (result.bypass_id) this.output.appendLine(`  through bypass ${result.bypass_id}`);
    this.output.show(true);
    const verdict = result.decision === 'allow' ? 'would be allowed' : result.decision === 'ask' ? 'would need a human’s approval' : 'would be denied';
    void vscode.window.showInformationMessage(`Agent Policy: ${describeAction(action)} ${verdict}. ${result.reason}`);
  }
}
