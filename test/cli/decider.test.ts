import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { deciderPaths, encodeRequest, lateFrame } from '#host/services/decider-protocol';
import { CLI, workspace } from './cli-helpers';

// The resident decider (`agent-policy serve`) and the two hook clients that hand it calls: the
// native one (built where the machine has a C compiler) and the Node one. Each test has its own
// seal folder, so its own decider.

const POLICY = `version: "2.1"
agent_id: "decider-test"
permissions:
  filesystem:
    allow: ["src/**"]
    deny: ["secrets/**"]
  commands:
    allow: ["npm test"]
    deny: ["rm -rf"]
audit:
  log_all_actions: true
`;

const OUT = dirname(CLI);
const NATIVE = join(OUT, 'agent-policy-hook');
const CLIENTS: { name: string; command: string[] }[] = [
  ...(existsSync(NATIVE) ? [{ name: 'native client', command: [NATIVE, process.execPath] }] : []),
  { name: 'Node client', command: [process.execPath, '--liftoff-only', join(OUT, 'hook.js')] },
];

const deciders: ChildProcess[] = [];
after(() => {
  for (const d of deciders) d.kill('SIGKILL');
});

/** The decider started by a hook call exits by itself when idle; by the end of the suite it may be gone. */
function killIfRunning(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function sealEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AGENT_POLICY_SEAL_HOME: mkdtempSync(join(tmpdir(), 'ap-decider-seal-')) };
  delete env.AGENT_POLICY_DECIDER;
  delete env.AGENT_POLICY_START_DECIDER;
  delete env.AGENT_POLICY_HOOK_ELAPSED_MS;
  return env;
}

/** Starts `serve` and waits until it has written its token (it listens first). */
async function startServe(env: NodeJS.ProcessEnv, idle = '60s'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--idle', idle], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  deciders.push(child);
  const paths = deciderPaths(env);
  for (let i = 0; i < 200 && !existsSync(paths.token); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(paths.token), 'the decider wrote its token');
  return child;
}

function project(): string {
  return workspace({ '.agent-policy.yml': POLICY, 'src/app.ts': 'export {};\n', 'secrets/k': 'k\n' });
}

const edit = (root: string, file: string): string =>
  JSON.stringify({ session_id: 's', cwd: root, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: join(root, file) } });
const bash = (root: string, command: string): string =>
  JSON.stringify({ session_id: 's', cwd: root, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command } });

function call(
  client: { command: string[] },
  root: string,
  input: string,
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
): { code: number | null; decision: string; reason: string; stderr: string } {
  const [bin, ...pre] = client.command as [string, ...string[]];
  const r = spawnSync(bin, [...pre, 'hook', 'claude-code', '--root', root, '--timeout', '30', ...extra], { input, encoding: 'utf8', env, cwd: root });
  let decision = '';
  let reason = '';
  try {
    const out = JSON.parse(r.stdout) as { hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string } };
    decision = out.hookSpecificOutput?.permissionDecision ?? '';
    reason = out.hookSpecificOutput?.permissionDecisionReason ?? '';
  } catch {
    // Not JSON: the exit code and stderr say what happened.
  }
  return { code: r.status, decision, reason, stderr: r.stderr };
}

/** `call`, without blocking this process (whose event loop runs the stand-in deciders). */
function callAsync(
  client: { command: string[] },
  root: string,
  input: string,
  env: NodeJS.ProcessEnv,
  extra: string[] = ['--timeout', '30'],
): Promise<{ code: number | null; decision: string }> {
  const [bin, ...pre] = client.command as [string, ...string[]];
  const child = spawn(bin, [...pre, 'hook', 'claude-code', '--root', root, ...extra], { env, cwd: root });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      let decision = '';
      try {
        decision = (JSON.parse(stdout) as { hookSpecificOutput?: { permissionDecision?: string } }).hookSpecificOutput?.permissionDecision ?? '';
      } catch {
        // Not JSON.
      }
      resolve({ code, decision });
    }),
  );
}

function inProcess(root: string, input: string, env: NodeJS.ProcessEnv): { decision: string; reason: string } {
  const r = spawnSync(process.execPath, [CLI, 'hook', 'claude-code', '--root', root, '--timeout', '30'], {
    input,
    encoding: 'utf8',
    env: { ...env, AGENT_POLICY_DECIDER: 'off' },
    cwd: root,
  });
  const out = JSON.parse(r.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
  return { decision: out.hookSpecificOutput.permissionDecision, reason: out.hookSpecificOutput.permissionDecisionReason };
}

function auditCount(root: string): number {
  const dir = join(root, '.agent-policy', 'audit');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .reduce((n, f) => n + readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).length, 0);
}

const decidersLog = (env: NodeJS.ProcessEnv): string => {
  try {
    return readFileSync(deciderPaths(env).log, 'utf8');
  } catch {
    return '';
  }
};

for (const client of CLIENTS) {
  describe(`hook calls through the resident decider (${client.name})`, () => {
    it('gives the answer the hook process gives, for the same reason, and records it', async () => {
      const env = sealEnv();
      const root = project();
      await startServe(env);
      for (const input of [edit(root, 'src/app.ts'), edit(root, 'secrets/k'), bash(root, 'rm -rf build'), bash(root, 'npm test'), '{not json']) {
        const before = existsSync(join(root, '.agent-policy', 'audit')) ? auditCount(root) : 0;
        const viaDecider = call(client, root, input, env);
        if (input === '{not json') {
          assert.equal(viaDecider.decision, 'deny', 'unparseable input is denied by the decider as by the process');
          assert.match(viaDecider.reason, /not JSON/);
          continue;
        }
        assert.ok(auditCount(root) > before, `the decider recorded the call: ${input}`);
        const direct = inProcess(root, input, env);
        assert.equal(viaDecider.decision, direct.decision, input);
        assert.equal(viaDecider.reason, direct.reason, `the same rule decides: ${input}`);
      }
      assert.match(call(client, root, edit(root, 'secrets/k'), env).reason, /secrets\/\*\*/, 'the deny names its rule');
    });

    it('sees a policy edit at the very next call (no stale policy), and a new override the watch reports', async () => {
      const env = sealEnv();
      const root = project();
      await startServe(env);
      assert.equal(call(client, root, edit(root, 'src/app.ts'), env).decision, 'allow');
      writeFileSync(join(root, '.agent-policy.yml'), POLICY.replace('deny: ["secrets/**"]', 'deny: ["secrets/**", "src/app.ts"]'));
      const denied = call(client, root, edit(root, 'src/app.ts'), env);
      assert.equal(denied.decision, 'deny');
      assert.match(denied.reason, /src\/app\.ts/, 'denied by the rule just added');
      writeFileSync(join(root, '.agent-policy.yml'), POLICY);
      assert.equal(call(client, root, edit(root, 'src/lib.ts'), env).decision, 'allow');
      writeFileSync(join(root, 'src', '.agent-policy.override.yml'), 'version: "2.1"\npermissions:\n  filesystem:\n    deny: ["src/generated/**"]\n');
      await new Promise((r) => setTimeout(r, 300));
      const byOverride = call(client, root, edit(root, 'src/generated/x.ts'), env);
      assert.equal(byOverride.decision, 'deny', 'the new override governs');
      assert.match(byOverride.reason, /override/);
    });

    it('the first call without a decider is decided in-process and starts one; later calls are its', async () => {
      const env = { ...sealEnv(), AGENT_POLICY_DECIDER_IDLE: '20s' };
      const root = project();
      const first = call(client, root, edit(root, 'secrets/k'), env);
      assert.equal(first.decision, 'deny');
      const paths = deciderPaths(env);
      for (let i = 0; i < 200 && !existsSync(paths.token); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(existsSync(paths.token), `a decider was started: ${decidersLog(env)}`);
      const pid = Number(readFileSync(`${paths.lock}.pid`, 'utf8').split(' ')[0]);
      deciders.push({ kill: () => killIfRunning(pid) } as unknown as ChildProcess);
      assert.equal(call(client, root, edit(root, 'secrets/k'), env).decision, 'deny');
      assert.match(decidersLog(env), /deciding on/);
    });

    it('a caller with another HOME, or a wrong token, is declined and decided in-process (never by another environment)', async () => {
      const env = sealEnv();
      const root = project();
      await startServe(env);
      const otherHome = call(client, root, edit(root, 'src/app.ts'), { ...env, HOME: mkdtempSync(join(tmpdir(), 'ap-other-home-')) });
      assert.equal(otherHome.decision, 'allow', 'still decided, in-process');
      const paths = deciderPaths(env);
      const token = readFileSync(paths.token, 'utf8');
      writeFileSync(paths.token, 'f'.repeat(64));
      const wrongToken = call(client, root, edit(root, 'secrets/k'), env);
      assert.equal(wrongToken.decision, 'deny');
      writeFileSync(paths.token, token);
    });

    it("a relative or empty AGENT_POLICY_STATE_DIR, or a relative --state, is the caller's to resolve: declined, and the protected state folder is the one in the caller's folder", async () => {
      const base = sealEnv();
      const env = { ...base, AGENT_POLICY_STATE_DIR: '.aps' };
      const root = workspace({ '.agent-policy.yml': POLICY.replace('allow: ["src/**"]', 'allow: ["**"]') });
      // A decider never runs with one: each caller would resolve it in its own folder.
      const refused = spawnSync(process.execPath, [CLI, 'serve', '--idle', '5s'], { env, encoding: 'utf8' });
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /AGENT_POLICY_STATE_DIR is relative/);
      await startServe(base);
      const viaClient = call(client, root, edit(root, '.aps/audit/x.jsonl'), env);
      assert.equal(viaClient.decision, 'deny', 'the state folder is protected whoever decides');
      assert.match(viaClient.reason, /state folder/);
      const relativeState = call(client, root, edit(root, 'st/x'), base, ['--state', 'st']);
      assert.equal(relativeState.decision, 'deny');
    });

    it('a call whose deadline passes while the decider is blocked (a held audit lock) is denied, and recorded as denied at the deadline', async () => {
      const env = sealEnv();
      const root = project();
      await startServe(env);
      assert.equal(call(client, root, edit(root, 'src/app.ts'), env).decision, 'allow');
      const lock = join(root, '.agent-policy', 'audit', '.lock');
      const holder = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `require(${JSON.stringify(join(__dirname, '..', '..', 'server', 'src', 'host', 'files', 'file-lock.ts'))}).withFileLock(${JSON.stringify(lock)}, () => { process.stdout.write('held\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500); })`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise((r) => holder.stdout.once('data', r));
      const started = performance.now();
      const late = await callAsync(client, root, edit(root, 'src/late.ts'), env, ['--timeout', '1']);
      assert.equal(late.decision, 'deny', 'an allowed edit, denied: its deadline came first');
      assert.equal(late.code, 2);
      assert.ok(performance.now() - started < 2000, 'answered at the deadline, not when the lock was released');
      await new Promise((r) => holder.on('exit', r));
      await new Promise((r) => setTimeout(r, 500));
      call(client, root, edit(root, 'src/next.ts'), env);
      const entries = readdirSync(join(root, '.agent-policy', 'audit'))
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) =>
          readFileSync(join(root, '.agent-policy', 'audit', f), 'utf8')
            .split('\n')
            .filter(Boolean),
        )
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const marked = entries.find((e) => e.unfinished === true);
      assert.ok(marked, 'the late call is in the log as unfinished');
      assert.match(String(marked.reason), /deadline/);
      assert.equal(
        entries.filter((e) => String(e.path).endsWith('src/late.ts') && e.decision === 'allow').length,
        0,
        'the decision the deadline overtook is not recorded as made',
      );
    });

    it('a call the client gave up on (the decider stopped) is decided once, by the client, never again by the decider when it resumes', async () => {
      const env = sealEnv();
      const root = project();
      const decider = await startServe(env);
      assert.equal(call(client, root, edit(root, 'src/app.ts'), env).decision, 'allow');
      decider.kill('SIGSTOP');
      try {
        assert.equal((await callAsync(client, root, edit(root, 'src/once.ts'), env)).decision, 'allow', 'decided in-process');
      } finally {
        decider.kill('SIGCONT');
      }
      await new Promise((r) => setTimeout(r, 500));
      call(client, root, edit(root, 'src/after.ts'), env);
      const lines = readdirSync(join(root, '.agent-policy', 'audit'))
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) =>
          readFileSync(join(root, '.agent-policy', 'audit', f), 'utf8')
            .split('\n')
            .filter(Boolean),
        );
      assert.equal(lines.filter((l) => l.includes('src/once.ts')).length, 1, 'one entry for the call');
    });

    it('a workspace folder replaced under a running decider (a re-clone) is a new workspace: its new override governs', async () => {
      const env = sealEnv();
      const root = project();
      // The state outside the folder: a replaced folder with its own log would be a truncated log (denied, rightly).
      const state = ['--state', mkdtempSync(join(tmpdir(), 'ap-decider-state-'))];
      await startServe(env);
      assert.equal(call(client, root, edit(root, 'src/gen/x.ts'), env, state).decision, 'allow');
      renameSync(root, `${root}.old`);
      mkdirSync(join(root, 'src'), { recursive: true });
      writeFileSync(join(root, '.agent-policy.yml'), POLICY);
      assert.equal(call(client, root, edit(root, 'src/gen/x.ts'), env, state).decision, 'allow');
      writeFileSync(join(root, 'src', '.agent-policy.override.yml'), 'version: "2.1"\npermissions:\n  filesystem:\n    deny: ["src/gen/**"]\n');
      await new Promise((r) => setTimeout(r, 300));
      const denied = call(client, root, edit(root, 'src/gen/x.ts'), env, state);
      assert.equal(denied.decision, 'deny', 'the watch follows the new folder');
    });
  });

  describe(`the ${client.name} never trusts silence`, () => {
    /** A stand-in decider on the seal folder's socket that does `behave` with each connection. */
    async function fakeDecider(env: NodeJS.ProcessEnv, behave: (socket: Socket) => void): Promise<() => void> {
      const paths = deciderPaths(env);
      mkdirSync(paths.folder, { recursive: true, mode: 0o700 });
      const server = createServer({ allowHalfOpen: true }, behave);
      await new Promise<void>((r) => server.listen(paths.socket as string, r));
      writeFileSync(paths.token, 'a'.repeat(64));
      return () => server.close();
    }

    it('a decider that sends its deadline denial and then nothing: the denial is the answer, at the deadline', async () => {
      const env = sealEnv();
      const root = project();
      const close = await fakeDecider(env, (s) =>
        s.write(
          lateFrame({ stdout: '{"hookSpecificOutput":{"permissionDecision":"deny","permissionDecisionReason":"late"}}', stderr: 'late\n', exitCode: 2 }, 200),
        ),
      );
      const started = performance.now();
      const r = await callAsync(client, root, edit(root, 'src/app.ts'), env);
      close();
      assert.equal(r.code, 2);
      assert.equal(r.decision, 'deny', 'an allowed edit is denied: the decider took the call and never answered');
      assert.ok(performance.now() - started >= 400, 'after the deadline plus its grace');
    });

    it('a socket in a folder others may write (a shared seal home) is not asked: whoever made it could answer allow to everything', async () => {
      const env = sealEnv();
      const root = project();
      const allowAll = '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","permissionDecisionReason":"planted"}}';
      const close = await fakeDecider(env, (s) => s.end(`answer 0 ${Buffer.byteLength(allowAll)} 0\n${allowAll}`));
      chmodSync(deciderPaths(env).folder, 0o755);
      const r = await callAsync(client, root, edit(root, 'secrets/k'), env);
      close();
      assert.equal(r.decision, 'deny', 'decided in-process, by the policy');
    });

    it('a decider that accepts and says nothing, or sends garbage: decided in-process (the right answer, not a guess)', async () => {
      for (const behave of [(_s: Socket) => undefined, (s: Socket) => s.end('answer 0 2 0 nonsense\n{}')]) {
        const env = sealEnv();
        const root = project();
        const close = await fakeDecider(env, behave);
        assert.equal((await callAsync(client, root, edit(root, 'secrets/k'), env)).decision, 'deny');
        assert.equal((await callAsync(client, root, edit(root, 'src/app.ts'), env)).decision, 'allow');
        close();
      }
    });
  });
}

describe('the decider itself', () => {
  it('answers nothing to a caller without the token (an agent that found the socket)', async () => {
    const env = sealEnv();
    const root = project();
    await startServe(env);
    const paths = deciderPaths(env);
    const request = encodeRequest({
      token: 'b'.repeat(64),
      elapsedMs: 0,
      cwd: root,
      env: {},
      args: ['claude-code', '--root', root],
      payload: Buffer.from(edit(root, 'secrets/k')),
    });
    const reply = await new Promise<string>((resolve) => {
      const c = createConnection(paths.socket as string, () => c.end(request));
      let text = '';
      c.on('data', (d) => (text += String(d)));
      c.on('close', () => resolve(text));
    });
    assert.equal(reply, 'decline not authenticated\n');
    assert.equal(existsSync(join(root, '.agent-policy', 'audit')), false, 'nothing decided, nothing recorded');
  });

  it('exits when idle and removes its socket and token; a second one started beside it exits at once', async () => {
    const env = sealEnv();
    const first = await startServe(env, '1s');
    const second = spawnSync(process.execPath, [CLI, 'serve', '--idle', '1s'], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(second.status, 0);
    assert.match(second.stderr, /already runs/);
    const code = await new Promise<number | null>((resolve) => first.on('exit', resolve));
    assert.equal(code, 0);
    const paths = deciderPaths(env);
    assert.equal(existsSync(paths.token), false);
    assert.equal(existsSync(paths.socket as string), false);
  });
});
