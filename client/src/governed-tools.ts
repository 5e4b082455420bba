import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { Gate, GateOutcome } from './gate';
import type { PolicyContext } from './policy-context';

export const EDIT_TOOL = 'agentPolicy_editFile';
export const RUN_TOOL = 'agentPolicy_runCommand';
export const TOOL_RUNTIME = 'vscode-lm-tool';
const MAX_OUTPUT = 256 * 1024;

interface EditInput {
  path: string;
  content: string;
}

interface RunInput {
  command: string;
  cwd?: string;
}

/**
 * Language-model tools for in-editor agents that act only through the gate: the policy decides
 * before anything is written or run, an `ask` waits for a human, and a denial comes back to the
 * model as the reason instead of an action. The registrations returned are the caller's to dispose.
 */
export function registerGovernedTools(context: PolicyContext, gate: Gate): vscode.Disposable[] {
  return [
    vscode.lm.registerTool<EditInput>(EDIT_TOOL, new EditFileTool(context, gate)),
    vscode.lm.registerTool<RunInput>(RUN_TOOL, new RunCommandTool(context, gate)),
  ];
}

function refusal(outcome: GateOutcome): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([
    new vscode.LanguageModelTextPart(`Refused by Agent Policy (${outcome.status ?? outcome.result.decision}): ${outcome.reason}`),
  ]);
}

/** What the policy says now, for the confirmation shown before the tool runs. */
function preview(context: PolicyContext, action: Record<string, unknown>, title: string, detail: string): vscode.PreparedToolInvocation {
  const { result } = context.decide(action);
  if (result.decision === 'deny') return { invocationMessage: `Agent Policy refuses: ${result.reason}` };
  if (result.decision === 'ask') {
    return {
      invocationMessage: `Waiting for approval: ${title}`,
      confirmationMessages: { title: `Agent Policy: approval needed to ${title}`, message: new vscode.MarkdownString(`${result.reason}\n\n${detail}`) },
    };
  }
  return { invocationMessage: title };
}

class EditFileTool implements vscode.LanguageModelTool<EditInput> {
  constructor(
    private readonly context: PolicyContext,
    private readonly gate: Gate,
  ) {}

  private target(input: EditInput): { absolute: string; path: string; action: Record<string, unknown> } {
    const absolute = isAbsolute(input.path) ? input.path : resolve(this.context.root, input.path);
    const path = relative(this.context.root, absolute).split('\\').join('/');
    return { absolute, path, action: { action: 'filesystem.write', path } };
  }

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<EditInput>): vscode.PreparedToolInvocation {
    const { path, action } = this.target(options.input);
    return preview(this.context, action, `write ${path}`, `${options.input.content.split('\n').length} lines; the diff opens with the request.`);
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<EditInput>): Promise<vscode.LanguageModelToolResult> {
    if (typeof options.input?.path !== 'string' || typeof options.input.content !== 'string')
      throw new Error('agentPolicy_editFile needs "path" and "content" strings');
    const { absolute, path, action } = this.target(options.input);
    const outcome = await this.gate.decide({ action, runtime: TOOL_RUNTIME, proposedContent: options.input.content });
    if (!outcome.allowed) return refusal(outcome);
    const existed = existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
    await vscode.workspace.fs.writeFile(vscode.Uri.file(absolute), Buffer.from(options.input.content, 'utf8'));
    return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(`${existed === undefined ? 'Created' : 'Wrote'} ${path} (${outcome.reason})`)]);
  }
}

class RunCommandTool implements vscode.LanguageModelTool<RunInput> {
  constructor(
    private readonly context: PolicyContext,
    private readonly gate: Gate,
  ) {}

  private action(input: RunInput): Record<string, unknown> {
    return { action: 'command.exec', command: input.command, ...(input.cwd ? { cwd: input.cwd } : {}) };
  }

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<RunInput>): vscode.PreparedToolInvocation {
    return preview(this.context, this.action(options.input), `run \`${options.input.command}\``, `In ${options.input.cwd ?? 'the workspace root'}.`);
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<RunInput>, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    if (typeof options.input?.command !== 'string') throw new Error('agentPolicy_runCommand needs a "command" string');
    const outcome = await this.gate.decide({ action: this.action(options.input), runtime: TOOL_RUNTIME });
    if (!outcome.allowed) return refusal(outcome);
    const cwd = options.input.cwd ? resolve(this.context.root, options.input.cwd) : this.context.root;
    const { code, output } = await runShell(options.input.command, cwd, token);
    return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(`exit code ${code}\n${output}`)]);
  }
}

function runShell(command: string, cwd: string, token: vscode.CancellationToken): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    if (!existsSync(cwd)) return done({ code: null, output: `no such directory: ${cwd}` });
    const shell =
      process.platform === 'win32' ? { file: process.env.ComSpec ?? 'cmd.exe', args: ['/d', '/s', '/c', command] } : { file: '/bin/sh', args: ['-c', command] };
    const child = spawn(shell.file, shell.args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const cancel = token.onCancellationRequested(() => child.kill());
    child.on('error', (error) => {
      cancel.dispose();
      done({ code: null, output: error.message });
    });
    child.on('close', (code) => {
      cancel.dispose();
      done({ code, output: output.slice(0, MAX_OUTPUT) });
    });
  });
}
