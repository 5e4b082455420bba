/**
 * Runs inside a real VS Code (code-server; see bench/run-vscode.mjs): the extension's activation
 * time, and the time from a governed tool call to its decision, each beside its baselines in the
 * same run: loading the policy alone (the part of activation that cannot be avoided), the gate
 * called directly (no VS Code tool plumbing) and the core's evaluation alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AgentPolicyApi } from '../../client/src/extension';
import { EDIT_TOOL, RUN_TOOL } from '../../client/src/governed-tools';
import { loadWorkspacePolicy } from '#host/workspace/workspace';

const N = 200;
const stats = (xs: number[]): { median: number; p90: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? 0, p90: s[Math.floor(s.length * 0.9)] ?? 0 };
};

async function time(n: number, body: (i: number) => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await body(i);
    out.push(performance.now() - start);
  }
  return out;
}

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<AgentPolicyApi>('agent-policy.agent-policy');
  if (!extension) throw new Error('the extension is not loaded');
  const api = extension.isActive ? extension.exports : await extension.activate();
  const root = api.context.root;
  const languageServerMs = await api.activation.languageServerReady;
  const firstLoad = { ...api.context.lastLoad };
  const policyAlone = await time(5, () => loadWorkspacePolicy(root, 'enforcement'));

  const denied = (i: number): { path: string; content: string } => ({ path: `secrets/bench-${i % 50}.txt`, content: 'x' });
  await time(20, (i) => vscode.lm.invokeTool(EDIT_TOOL, { input: denied(i), toolInvocationToken: undefined }));
  const toolEdit = await time(N, (i) => vscode.lm.invokeTool(EDIT_TOOL, { input: denied(i), toolInvocationToken: undefined }));
  const toolRun = await time(N, (i) =>
    vscode.lm.invokeTool(RUN_TOOL, { input: { command: `curl https://example.com/${i % 50}` }, toolInvocationToken: undefined }),
  );
  const gate = await time(N, (i) => api.gate.decide({ action: { action: 'filesystem.write', path: denied(i).path }, runtime: 'bench' }));
  const core = await time(N * 10, (i) => api.context.decide({ action: 'filesystem.write', path: denied(i).path }));

  const rows: [string, { median: number; p90: number }][] = [
    ['activation (this window, once; until the gate decides)', { median: api.activation.totalMs, p90: api.activation.totalMs }],
    ['  of which policy load', { median: api.activation.policyMs, p90: api.activation.policyMs }],
    ['    its parts: the policy files', { median: firstLoad.policyMs, p90: firstLoad.policyMs }],
    ['    the stores', { median: firstLoad.storesMs, p90: firstLoad.storesMs }],
    ['    the views told of it', { median: firstLoad.viewsMs, p90: firstLoad.viewsMs }],
    ['language server ready (beside activation, not waited for)', { median: languageServerMs, p90: languageServerMs }],
    ['baseline: policy load alone (warm)', stats(policyAlone)],
    ['governed edit tool call → refusal', stats(toolEdit)],
    ['governed run tool call → refusal', stats(toolRun)],
    ['baseline: gate.decide (decide + audit write)', stats(gate)],
    ['baseline: core decision only', stats(core)],
  ];
  const lines = [
    `Agent Policy in VS Code ${vscode.version} (extension host Node ${process.version}), ms`,
    `${'measure'.padEnd(58)} ${'median'.padStart(9)} ${'p90'.padStart(9)}`,
  ];
  for (const [name, s] of rows) lines.push(`${name.padEnd(58)} ${s.median.toFixed(2).padStart(9)} ${s.p90.toFixed(2).padStart(9)}`);
  lines.push(`  ${api.activation.totalMs <= 200 ? 'met   ' : 'MISSED'} activation ${api.activation.totalMs.toFixed(0)} ms (target ≤ 200 ms)`);
  console.log(lines.join('\n'));
  const results = join(__dirname, '..', '..', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'vscode.json'), JSON.stringify({ vscode: vscode.version, node: process.version, rows: Object.fromEntries(rows) }, null, 2));
}
