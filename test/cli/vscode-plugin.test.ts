import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startApprovalService } from '#host/services/approval-service';
import { AuditLog } from '#host/audit/audit-log';
import { workspace } from './cli-helpers';

/** The script VS Code's built-in agent runs, exactly as agent-plugin/hooks/hooks.json names it. */
const SCRIPT = join(__dirname, '..', '..', 'agent-plugin', 'hooks', 'pre-tool-use.sh');
const HOOKS = JSON.parse(readFileSync(join(__dirname, '..', '..', 'agent-plugin', 'hooks', 'hooks.json'), 'utf8')) as {
  hooks: { PreToolUse: { command: string; timeout: number }[] };
};

const POLICY =
  'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n    deny: ["**/.env*", "secrets/**"]\n  commands:\n    allow: ["ls"]\n    deny: ["rm -rf"]\naudit:\n  log_all_actions: true\n';

/** A payload as VS Code 1.139.1 sent it (../shared/reference/vscode-agent-observed/hook-stdin-payloads.jsonl). */
function payload(ws: string, tool: string, input: Record<string, unknown>): string {
  return JSON.stringify({
    timestamp: '2026-12-01T22:03:40.844Z',
    hook_event_name: 'PreToolUse',
    session_id: 'ab696a1f',
    transcript_path: '/u/transcripts/ab696a1f.jsonl',
    tool_name: tool,
    tool_input: input,
    tool_use_id: 'call_env_1__vscode-1',
    cwd: ws,
  });
}

/** Runs the hook as VS Code does: the command from hooks.json in a shell, in the workspace folder, with the extension host's environment. */
function runHook(
  ws: string,
  input: string,
  env: NodeJS.ProcessEnv = process.env,
  timeout = HOOKS.hooks.PreToolUse[0]?.timeout ?? 600,
): { code: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const command = (HOOKS.hooks.PreToolUse[0]?.command ?? '').replace('${PLUGIN_ROOT}', join(SCRIPT, '..', '..')).replace(/ \d+$/, ` ${timeout}`);
  const r = spawnSync('/bin/sh', ['-c', command], { cwd: ws, input, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}

function decisionOf(stdout: string): { permissionDecision: string; permissionDecisionReason: string } {
  return (JSON.parse(stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } }).hookSpecificOutput;
}

function audit(ws: string): Record<string, unknown>[] {
  const dir = join(ws, '.agent-policy', 'audit');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
}

/** A PATH with the few tools the script needs and no `node`. */
function pathWithoutNode(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-policy-path-'));
  for (const tool of ['sh', 'cat', 'dirname', 'pwd'])
    if (existsSync(`/usr/bin/${tool}`) || existsSync(`/bin/${tool}`))
      symlinkSync(existsSync(`/usr/bin/${tool}`) ? `/usr/bin/${tool}` : `/bin/${tool}`, join(dir, tool));
  return dir;
}

const noService = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.AGENT_POLICY_HOOK_SERVICE;
  delete env.AGENT_POLICY_EDITOR_NODE;
  return env;
};

describe("VS Code's built-in agent: the extension's plugin hook (the script VS Code runs)", () => {
  it('declares the layout VS Code substitutes ${PLUGIN_ROOT} in, and a PreToolUse hook with a timeout the script keeps its deadline inside', () => {
    assert.ok(
      existsSync(join(SCRIPT, '..', '..', '.plugin', 'plugin.json')),
      'agent-plugin/.plugin/plugin.json (a bare plugin.json leaves ${PLUGIN_ROOT} unreplaced and fails open)',
    );
    const hook = HOOKS.hooks.PreToolUse[0];
    assert.match(hook?.command ?? '', /^sh "\$\{PLUGIN_ROOT\}\/hooks\/pre-tool-use\.sh" (\d+)$/);
    assert.equal(Number(/(\d+)$/.exec(hook?.command ?? '')?.[1]), hook?.timeout, 'the script is told the timeout VS Code will apply');
  });

  it('passes a workspace without a policy through untouched: no answer, nothing started, nothing recorded', () => {
    const ws = workspace({ 'a.txt': '' });
    const r = runHook(ws, payload(ws, 'create_file', { filePath: join(ws, '.env'), content: 'X=1\n' }), noService());
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.equal(existsSync(join(ws, '.agent-policy')), false);
  });

  it('without the extension (its service not running) the bundled CLI decides: .env denied by its rule, src/ allowed, each recorded for the runtime vscode', () => {
    const ws = workspace({ '.agent-policy.yml': POLICY, 'src/a.ts': '' });
    const denied = runHook(ws, payload(ws, 'create_file', { filePath: join(ws, '.env'), content: 'SECRET=1\n' }), noService());
    assert.equal(denied.code, 0, denied.stderr);
    assert.equal(decisionOf(denied.stdout).permissionDecision, 'deny');
    assert.match(decisionOf(denied.stdout).permissionDecisionReason, /denied by "\*\*\/\.env\*" .*\(decided by the CLI: the extension did not answer\)/);
    const allowed = runHook(ws, payload(ws, 'create_file', { filePath: join(ws, 'src', 'b.ts'), content: 'x' }), noService());
    assert.equal(decisionOf(allowed.stdout).permissionDecision, 'allow');
    const rm = runHook(
      ws,
      payload(ws, 'run_in_terminal', { command: 'rm -rf secrets', explanation: 'x', goal: 'x', isBackground: false, timeout: 20000 }),
      noService(),
    );
    assert.match(decisionOf(rm.stdout).permissionDecisionReason, /rm is denied by "rm -rf"/);
    const entries = audit(ws).filter((e) => e.kind === 'decision');
    assert.deepEqual(
      entries.map((e) => [e.runtime, e.tool, e.decision]),
      [
        ['vscode', 'create_file', 'deny'],
        ['vscode', 'create_file', 'allow'],
        ['vscode', 'run_in_terminal', 'deny'],
      ],
    );
    assert.equal(entries[0]?.session_id, 'ab696a1f');
  });

  it('needs no node on PATH: it runs on the editor executable the extension publishes; with neither, it blocks (exit 2) and says why', () => {
    const ws = workspace({ '.agent-policy.yml': POLICY });
    const bare = { ...noService(), PATH: pathWithoutNode() };
    const blocked = runHook(ws, payload(ws, 'create_file', { filePath: join(ws, 'src', 'b.ts'), content: 'x' }), bare);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stderr, /no node is on PATH to run its CLI, so the action is blocked/);
    const editor = runHook(ws, payload(ws, 'create_file', { filePath: join(ws, 'src', 'b.ts'), content: 'x' }), {
      ...bare,
      AGENT_POLICY_EDITOR_NODE: process.execPath,
    });
    assert.equal(decisionOf(editor.stdout).permissionDecision, 'allow', editor.stderr);
  });

  it('an extension that takes the call and never answers (a hang) still ends in a denial, inside the hook timeout', async () => {
    const ws = workspace({ '.agent-policy.yml': POLICY });
    const stateDir = join(ws, '.agent-policy');
    mkdirSync(stateDir, { recursive: true });
    const service = await startApprovalService(stateDir, () => new Promise(() => undefined));
    try {
      const env = { ...process.env, AGENT_POLICY_HOOK_SERVICE: join(stateDir, 'approval-service.json'), AGENT_POLICY_EDITOR_NODE: process.execPath };
      const input = payload(ws, 'create_file', { filePath: join(ws, 'src', 'b.ts'), content: 'x' });
      const r = await new Promise<{ code: number | null; stdout: string; ms: number }>((resolve) => {
        const started = performance.now();
        const child = spawn('/bin/sh', [SCRIPT, '8'], { cwd: ws, env });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('close', (code) => resolve({ code, stdout: out, ms: performance.now() - started }));
        child.stdin.end(input);
      });
      assert.equal(r.code, 0);
      assert.equal(decisionOf(r.stdout).permissionDecision, 'deny');
      assert.match(decisionOf(r.stdout).permissionDecisionReason, /no decision within the hook's deadline \(4 s, inside VS Code's 8 s hook timeout\)/);
      assert.ok(r.ms < 8000, `answered in ${Math.round(r.ms)} ms`);
    } finally {
      await service.close();
    }
  });

  it("a service planted through the state folder (its info file) cannot allow: the answer is not authenticated by the log's seal (issue 16)", async () => {
    const ws = workspace({ '.agent-policy.yml': POLICY });
    const stateDir = join(ws, '.agent-policy');
    new AuditLog(stateDir).append({ kind: 'test.start' }); // the log and its seal exist, as in any workspace the editor served
    const planted = await startApprovalService(
      stateDir,
      () => Promise.resolve({ decision: 'allow', reason: 'the planted service allows everything' }),
      () => 'cd'.repeat(32),
    );
    const env = { ...process.env, AGENT_POLICY_HOOK_SERVICE: join(stateDir, 'approval-service.json'), AGENT_POLICY_EDITOR_NODE: process.execPath };
    try {
      const r = await hookAsync(ws, payload(ws, 'create_file', { filePath: join(ws, '.env'), content: 'X=1\n' }), env);
      assert.equal(decisionOf(r).permissionDecision, 'deny');
      assert.match(decisionOf(r).permissionDecisionReason, /not authenticated by this log's seal/);
    } finally {
      await planted.close();
    }
    const real = await startApprovalService(stateDir, () => Promise.resolve({ decision: 'allow', reason: 'decided by the editor' }));
    try {
      const r = await hookAsync(ws, payload(ws, 'create_file', { filePath: join(ws, 'src', 'b.ts'), content: 'x' }), env);
      assert.equal(decisionOf(r).permissionDecision, 'allow', r);
    } finally {
      await real.close();
    }
  });
});

/** The hook script as VS Code runs it, without blocking this process (a service here must answer it). */
function hookAsync(ws: string, input: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', [SCRIPT, '30'], { cwd: ws, env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', () => resolve(out));
    child.stdin.end(input);
  });
}
