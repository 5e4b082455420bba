import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hookCommand } from '#core/runtimes';
import { startApprovalService } from '#host/services/approval-service';
import { answerOf, PAYLOADS } from '../fixtures/hook-payloads';
import { CLI, privateHome, run, workspace } from './cli-helpers';

const POLICY = `version: "2.1"
agent_id: "hook-test-agent"
permissions:
  filesystem:
    allow: ["src/**", "package.json"]
    deny: ["secrets/**"]
  commands:
    allow: ["npm test", "git commit", "git status", "mcp github *"]
    deny: ["rm -rf", "curl *", "git push --force"]
constraints:
  require_human_approval:
    - file_pattern: "package.json"
    - command_pattern: "git commit"
audit:
  log_all_actions: true
`;

function project(policy = POLICY): string {
  return workspace({ '.agent-policy.yml': policy, 'src/app.ts': 'export {};\n', 'secrets/deploy.key': 'k\n', 'package.json': '{}\n' });
}

/** The hook as `init` installs it: the root fixed on its command line, never taken from the payload. */
function hook(runtime: string, root: string, payload: unknown, extra: string[] = []): { code: number | null; stdout: string; stderr: string } {
  return run(['hook', runtime, '--root', root, '--state', join(root, '.state'), ...extra], typeof payload === 'string' ? payload : JSON.stringify(payload));
}

function auditEntries(root: string): Record<string, unknown>[] {
  const dir = join(root, '.state', 'audit');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const CANNOT_ASK = new Set(['gemini-cli', 'copilot-cli', 'codex']);

for (const [runtime, payloads] of Object.entries(PAYLOADS)) {
  describe(`agent-policy hook ${runtime} (real process, payloads from the runtime's docs)`, () => {
    it('denies what the policy denies, in the runtime format, and records it', () => {
      const root = project();
      const r = hook(runtime, root, payloads.deny(root));
      assert.equal(r.code, 0, r.stderr);
      const answer = answerOf(runtime, r.stdout);
      assert.equal(answer.decision, 'deny');
      assert.match(answer.reason, /^Agent Policy: /);
      const entry = auditEntries(root).find((e) => e.kind === 'decision');
      assert.equal(entry?.runtime, runtime);
      assert.equal(entry?.decision, 'deny');
      assert.equal(entry?.agent_id, 'hook-test-agent');
    });

    it('allows what the policy allows', () => {
      const root = project();
      const r = hook(runtime, root, payloads.allow(root));
      assert.equal(answerOf(runtime, r.stdout).decision, 'allow', r.stdout);
      assert.equal(auditEntries(root).find((e) => e.kind === 'decision')?.decision, 'allow');
    });

    it(CANNOT_ASK.has(runtime) ? 'denies an ask it cannot put to anyone' : "hands an ask to the runtime's own prompt when no editor is listening", () => {
      const root = project();
      const r = hook(runtime, root, payloads.ask(root));
      const answer = answerOf(runtime, r.stdout);
      if (CANNOT_ASK.has(runtime)) {
        assert.equal(answer.decision, 'deny');
        assert.match(answer.reason, /cannot ask you from this hook/);
      } else assert.equal(answer.decision, 'ask');
      assert.equal(auditEntries(root).find((e) => e.kind === 'decision')?.decision, 'ask');
    });

    it('turns an ask into the human decision when the approval service answers', async () => {
      const root = project();
      const seen: unknown[] = [];
      const service = await startApprovalService(join(root, '.state'), (request) => {
        seen.push(request);
        return Promise.resolve({ decision: 'allow', reason: 'approved by alice', approval_id: 'apr_1', status: 'approved' });
      });
      try {
        const stdout = await new Promise<string>((resolve) => {
          // Without --root, the root is the folder the runtime started the hook in.
          const child = spawn(process.execPath, [CLI, 'hook', runtime, '--state', join(root, '.state')], { cwd: root });
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          child.on('close', () => resolve(out));
          child.stdin.end(JSON.stringify(payloads.ask(root)));
        });
        assert.equal(answerOf(runtime, stdout).decision, 'allow');
        // Claude Code, Cursor and Copilot CLI carry the reason with an allow; Gemini CLI and Codex answer an allow without one.
        if (runtime === 'codex' || runtime === 'gemini-cli') assert.doesNotMatch(stdout, /deny/);
        else assert.match(answerOf(runtime, stdout).reason, /approved by alice/);
        assert.equal((seen[0] as { runtime: string }).runtime, runtime);
      } finally {
        await service.close();
      }
    });

    it('fails closed: a broken policy, unreadable input and an unknown tool are denied with the reason', () => {
      const broken = project('version: "2.1"\npermissions:\n  filesystem:\n    allow: [unclosed\n');
      // (the ask payload: Cursor's beforeReadFile answer carries no message)
      const a = answerOf(runtime, hook(runtime, broken, payloads.ask(broken)).stdout);
      assert.equal(a.decision, 'deny');
      assert.match(a.reason, /\.agent-policy\.yml:\d+:\d+/);
      const root = project();
      const b = answerOf(runtime, hook(runtime, root, 'this is not json').stdout);
      assert.equal(b.decision, 'deny');
      assert.match(b.reason, /not JSON/);
      const c = answerOf(runtime, hook(runtime, root, payloads.unknown(root)).stdout);
      assert.equal(c.decision, 'deny');
      const none = workspace({ 'src/app.ts': '' });
      assert.equal(answerOf(runtime, hook(runtime, none, payloads.allow(none)).stdout).decision, 'deny', 'no policy: nothing is allowed');
    });
  });
}

describe('agent-policy hook: audit entries can be joined to the runtime transcript', () => {
  it("records the tool, session, tool-use id, transcript path and permission mode the payload carries (Claude Code's payload)", () => {
    const root = project();
    hook('claude-code', root, PAYLOADS['claude-code']!.deny(root));
    const entry = auditEntries(root).find((e) => e.kind === 'decision');
    assert.equal(entry?.tool, 'Bash');
    assert.equal(entry?.session_id, 'abc123');
    assert.equal(entry?.tool_use_id, 'toolu_01ABC123');
    assert.equal(entry?.transcript_path, '/home/dev/.claude/projects/demo/abc123.jsonl');
    assert.equal(entry?.permission_mode, 'default');
  });
});

describe('governance files are protected from agents', () => {
  it('denies an agent writing the policy, an override, the state folder or a hook configuration, but lets it read them', () => {
    const root = project();
    for (const path of [
      '.agent-policy.yml',
      'src/.agent-policy.override.yml',
      '.agent-policy/bypasses.jsonl',
      '.claude/settings.json',
      '.cursor/hooks.json',
      '.gemini/settings.json',
      '.github/hooks/agent-policy.json',
      '.codex/hooks.json',
      '.vscode/settings.json',
    ]) {
      const r = run(['check', '--root', root, '--json', JSON.stringify({ action: 'filesystem.write', path })]);
      assert.equal(r.code, 1, path);
      assert.match(r.stdout, /protected/, path);
    }
    const shell = run(['check', '--root', root, '--json', JSON.stringify({ action: 'command.exec', command: 'npm test > .agent-policy.yml' })]);
    assert.equal(shell.code, 1);
    assert.match(shell.stdout, /protected/);
    const claude = hook('claude-code', root, {
      hook_event_name: 'PreToolUse',
      cwd: root,
      tool_name: 'Edit',
      tool_input: { file_path: join(root, '.claude/settings.json') },
    });
    assert.equal(answerOf('claude-code', claude.stdout).decision, 'deny');
  });

  it('asks before a command whose argument names a governance file or folder, whatever the program; denies a nested root policy', () => {
    const root = project(
      POLICY.replace('allow: ["npm test", "git commit", "git status", "mcp github *"]', 'allow: ["npm test", "rm", "mv", "cat", "ls"]').replace(
        'allow: ["src/**", "package.json"]',
        'allow: ["**"]',
      ),
    );
    for (const command of ['rm .agent-policy.yml', 'rm -r .github', 'rm -r .agent-policy', 'cat .agent-policy.yml']) {
      const r = run(['check', '--root', root, '--json', JSON.stringify({ action: 'command.exec', command })]);
      assert.equal(r.code, 3, command);
      assert.match(r.stdout, /agents may not change/, command);
    }
    // mv's destination is a write of that file, and a hook configuration is protected from writes (as a file action is).
    const moved = run(['check', '--root', root, '--json', JSON.stringify({ action: 'command.exec', command: 'mv x .claude/settings.json' })]);
    assert.equal(moved.code, 1);
    assert.match(moved.stdout, /mv writes \".claude\/settings.json\": filesystem.write \".claude\/settings.json\": protected/);
    assert.equal(run(['check', '--root', root, '--json', JSON.stringify({ action: 'command.exec', command: 'ls src' })]).code, 0);
    const nested = run(['check', '--root', root, '--json', JSON.stringify({ action: 'filesystem.write', path: 'src/.agent-policy.yml' })]);
    assert.equal(nested.code, 1, 'a new root policy in a subfolder would govern hooks run there');
  });

  it('protects a state folder set with --state too, inside the repository or outside it', () => {
    const root = project();
    const custom = join(root, 'ops-state');
    const r = run(['check', '--root', root, '--state', custom, '--json', JSON.stringify({ action: 'filesystem.write', path: 'ops-state/bypasses.jsonl' })]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /state folder/);
    const outside = join(workspace({}), 'state');
    const h = hook(
      'claude-code',
      root,
      { hook_event_name: 'PreToolUse', cwd: root, tool_name: 'Write', tool_input: { file_path: join(outside, 'audit', 'x.jsonl'), content: '' } },
      ['--state', outside],
    );
    assert.match(answerOf('claude-code', h.stdout).reason, /state folder/);
  });

  it('lets the policy opt a file out by allowing exactly its pattern', () => {
    const root = project(POLICY.replace('allow: ["src/**", "package.json"]', 'allow: ["src/**", "package.json", ".vscode/settings.json", "**"]'));
    assert.equal(run(['check', '--root', root, '--json', '{"action":"filesystem.write","path":".vscode/settings.json"}']).code, 0);
    assert.equal(
      run(['check', '--root', root, '--json', '{"action":"filesystem.write","path":".agent-policy.yml"}']).code,
      1,
      'a wildcard that covers it is not enough',
    );
  });
});

describe('agent-policy init', () => {
  it('installs each runtime hook into its project settings, keeps the rest, is idempotent, and uninstalls cleanly', () => {
    const root = project();
    const { env } = privateHome();
    const init = (args: string[]) => run(['init', ...args], undefined, CLI, env);
    mkdirSync(join(root, '.claude'));
    const existing = {
      permissions: { allow: ['Bash(ls:*)'] },
      hooks: { PostToolUse: [{ matcher: 'Write', hooks: [{ type: 'command', command: 'prettier --write' }] }] },
    };
    writeFileSync(join(root, '.claude', 'settings.json'), JSON.stringify(existing));
    const files: Record<string, string> = {
      'claude-code': '.claude/settings.json',
      cursor: '.cursor/hooks.json',
      'gemini-cli': '.gemini/settings.json',
      'copilot-cli': '.github/hooks/agent-policy.json',
      codex: '.codex/hooks.json',
    };
    for (const [runtime, file] of Object.entries(files)) {
      const installed = init(['--runtime', runtime, '--root', root]);
      assert.equal(installed.code, 0, installed.stderr);
      assert.match(installed.stdout, /probe: it found the policy and denied the probe call, as it must/, 'the command was run once before it was written');
      const text = readFileSync(join(root, file), 'utf8');
      assert.equal(text.split(` hook ${runtime} `).length - 1, runtime === 'cursor' ? 4 : 1, `${runtime}: one entry per hooked event`);
      assert.match(init(['--runtime', runtime, '--root', root]).stdout, /already installed/);
      assert.equal(statSync(join(root, file)).mode & 0o777, 0o644, 'a shared settings file, readable like any source file');
    }
    const claude = JSON.parse(readFileSync(join(root, files['claude-code'] as string), 'utf8')) as {
      permissions: { allow: unknown; deny: string[] };
      hooks: { PostToolUse: unknown; PreToolUse: { hooks: { command: string; timeout: number }[] }[] };
    };
    assert.deepEqual(claude.permissions.allow, existing.permissions.allow);
    assert.ok(claude.permissions.deny.includes('Bash(rm -rf:*)'), "the policy's denials are also Claude Code's own deny rules (a second layer)");
    assert.deepEqual(claude.hooks.PostToolUse, existing.hooks.PostToolUse);
    assert.match(claude.hooks.PreToolUse[0]?.hooks[0]?.command ?? '', /exit 2/, 'a hook that cannot start blocks');
    for (const [runtime, file] of Object.entries(files)) {
      assert.equal(init(['--runtime', runtime, '--root', root, '--uninstall']).code, 0);
      assert.equal(existsSync(join(root, file)), runtime === 'claude-code', `${runtime}: a file holding only our hook is removed`);
    }
    const after = JSON.parse(readFileSync(join(root, '.claude', 'settings.json'), 'utf8')) as typeof claude;
    assert.deepEqual(after.hooks, { PostToolUse: existing.hooks.PostToolUse }, 'our hook is gone, the rest kept');
    assert.ok(after.permissions.deny.includes('Bash(rm -rf:*)'), 'the native deny rules stay (they only refuse)');
  });

  it('refuses to touch a settings file that is not JSON', () => {
    const root = project();
    mkdirSync(join(root, '.codex'));
    writeFileSync(join(root, '.codex', 'hooks.json'), '{ broken');
    const r = run(['init', '--runtime', 'codex', '--root', root], undefined, CLI, privateHome().env);
    assert.equal(r.code, 2);
    assert.equal(readFileSync(join(root, '.codex', 'hooks.json'), 'utf8'), '{ broken');
  });
});

describe('agent-policy compile and sandbox', () => {
  it("writes denials and asks into Claude Code's permissions, merged, and lists what it cannot express", () => {
    const root = project();
    mkdirSync(join(root, '.claude'));
    writeFileSync(join(root, '.claude', 'settings.json'), JSON.stringify({ permissions: { deny: ['Bash(shutdown:*)'] }, model: 'opus' }));
    const r = run(['compile', '--target', 'claude-code', '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    const settings = JSON.parse(readFileSync(join(root, '.claude', 'settings.json'), 'utf8')) as {
      model: string;
      permissions: { deny: string[]; ask: string[]; allow?: unknown };
    };
    assert.equal(settings.model, 'opus');
    assert.ok(settings.permissions.deny.includes('Bash(shutdown:*)'));
    assert.ok(settings.permissions.deny.includes('Edit(/secrets/**)') && settings.permissions.deny.includes('Read(/secrets/**)'));
    assert.ok(settings.permissions.deny.includes('Bash(rm -rf:*)') && settings.permissions.deny.includes('Bash(curl:*)'));
    assert.deepEqual(
      settings.permissions.ask.sort(),
      ['Bash(git commit:*)', 'Edit(/package.json)', 'Read(/package.json)'],
      'an approval rule asks before reads too, as the gate does',
    );
    assert.equal(settings.permissions.allow, undefined, 'never an allow');
    assert.match(r.stdout, /cannot express/);
    assert.match(r.stdout, /rm -rf[\s\S]*other spellings of its flags/);
  });

  it('writes Codex prefix rules and Gemini CLI policy rules for commands', () => {
    const root = project();
    assert.equal(run(['compile', '--target', 'codex', '--root', root]).code, 0);
    const rules = readFileSync(join(root, '.codex', 'rules', 'agent-policy.rules'), 'utf8');
    assert.match(rules, /pattern = \["git", "push", "--force"\],\n {4}decision = "forbidden"/);
    assert.match(rules, /pattern = \["git", "commit"\],\n {4}decision = "prompt"/);
    const { home, env } = privateHome();
    const gemini = run(['compile', '--target', 'gemini-cli', '--root', root], undefined, CLI, env);
    assert.equal(gemini.code, 0, gemini.stderr);
    assert.match(gemini.stdout, /reads policy rules only from its user folder, so these denials apply in every folder/);
    const policies = join(home, '.gemini', 'policies');
    const [file] = readdirSync(policies);
    assert.match(file ?? '', /^agent-policy-agent-policy-\w+-[0-9a-f]{8}\.toml$/, 'one file per project, in the folder Gemini CLI 0.61 reads');
    const toml = readFileSync(join(policies, file ?? ''), 'utf8');
    assert.match(toml, /commandPrefix = "curl"\ndecision = "deny"/);
    assert.match(toml, /commandPrefix = "git commit"\ndecision = "ask_user"/);
  });

  it('emits the container boundary: no privileges, read-only, source read-only, scratch volume, no network', () => {
    const root = project();
    const r = run(['sandbox', '--emit', 'compose', '--root', root]);
    assert.equal(r.code, 0);
    for (const line of ['read_only: true', 'no-new-privileges:true', '- ALL', 'network_mode: none', 'target: /workspace', 'agent-scratch'])
      assert.ok(r.stdout.includes(line), line);
    const open = project(
      POLICY.replace('audit:', 'network:\n  allow_outbound: true\naudit:').replace('permissions:\n', 'permissions:\n  network:\n    allow_outbound: true\n'),
    );
    assert.doesNotMatch(run(['sandbox', '--emit', 'compose', '--root', open]).stdout, /network_mode/);
  });
});

describe('agent-policy hook: the runtime never proceeds without our answer', () => {
  it("answers deny before the runtime's timeout even while blocked (here on an audit lock a live process holds), and the installed command exits 2", () => {
    const root = project();
    const state = join(root, '.state');
    mkdirSync(join(state, 'audit'), { recursive: true });
    // A live holder: without the deadline the hook would wait 10 s for the lock, long after the runtime's 6 s timeout ran the call.
    writeFileSync(join(state, 'audit', '.lock'), `${process.pid} held ${Date.now()}`);
    const command = hookCommand('claude-code', { cli: `${process.execPath} ${CLI}`, root: { path: root }, timeoutSeconds: 6 });
    const payload = { hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(root, 'src', 'app.ts'), content: 'x' }, cwd: root };
    const started = performance.now();
    const r = spawnSync('sh', ['-c', command], { input: JSON.stringify(payload), encoding: 'utf8', env: { ...process.env, AGENT_POLICY_STATE_DIR: state } });
    const elapsed = performance.now() - started;
    assert.equal(r.status, 2, 'killed by its own watchdog after answering, the command blocks the call');
    assert.match(r.stderr, /no decision within the hook's deadline \(3 s, inside claude-code's 6 s timeout\)/);
    assert.equal(answerOf('claude-code', r.stdout).decision, 'deny');
    assert.ok(elapsed < 6000, `answered in ${Math.round(elapsed)} ms, inside the runtime's 6 s`);
    // The killed call never recorded itself; the next append records it, saying the hook answered deny.
    rmSync(join(state, 'audit', '.lock'));
    hook('claude-code', root, PAYLOADS['claude-code']!.allow(root));
    const unfinished = auditEntries(root).filter((e) => e.unfinished === true);
    assert.equal(unfinished.length, 1);
    assert.equal(unfinished[0]?.decision, 'deny');
    assert.equal(unfinished[0]?.tool, 'Write');
    assert.equal(unfinished[0]?.path, join(root, 'src', 'app.ts'));
    assert.match(String(unfinished[0]?.reason), /reached its deadline before it could decide, answered deny/);
    assert.equal(run(['audit', 'verify', '--root', root, '--state', state]).code, 0, 'the chain stays intact');
  });

  it("a hook killed from outside (the runtime's own timeout) is recorded as ended before it answered", () => {
    const root = project();
    const state = join(root, '.state');
    mkdirSync(join(state, 'audit'), { recursive: true });
    writeFileSync(join(state, 'audit', '.lock'), `${process.pid} held ${Date.now()}`);
    const child = spawnSync(process.execPath, [CLI, 'hook', 'claude-code', '--root', root, '--state', state, '--timeout', '60'], {
      input: JSON.stringify(PAYLOADS['claude-code']!.deny(root)),
      encoding: 'utf8',
      timeout: 1500,
      killSignal: 'SIGKILL',
    });
    assert.equal(child.signal, 'SIGKILL');
    rmSync(join(state, 'audit', '.lock'));
    hook('claude-code', root, PAYLOADS['claude-code']!.allow(root));
    const unfinished = auditEntries(root).find((e) => e.unfinished === true);
    assert.equal(unfinished?.command, 'rm -rf build');
    assert.match(String(unfinished?.reason), /ended before it answered .*the runtime may have run the call/);
  });

  it("an approval request expires at the hook's deadline, not after the runtime gave up", async () => {
    const root = project();
    const seen: { timeout_ms?: number }[] = [];
    const service = await startApprovalService(join(root, '.state'), (request) => {
      seen.push(request);
      return new Promise(() => undefined); // nobody answers
    });
    try {
      const started = performance.now();
      const out = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'hook', 'claude-code', '--root', root, '--state', join(root, '.state'), '--timeout', '8']);
        let text = '';
        child.stdout.on('data', (c: Buffer) => (text += c.toString()));
        child.on('close', () => resolve(text));
        child.stdin.end(JSON.stringify(PAYLOADS['claude-code']?.ask(root)));
      });
      assert.ok(performance.now() - started < 8000, 'answered inside the 8 s timeout');
      assert.ok((seen[0]?.timeout_ms ?? Infinity) <= 4000, `the request was asked to expire within the 4 s budget (${seen[0]?.timeout_ms} ms)`);
      assert.notEqual(answerOf('claude-code', out).decision, 'allow');
    } finally {
      await service.close();
    }
  });
});

describe('agent-policy hook: the model does not choose the policy', () => {
  const EVIL = 'version: "2.1"\npermissions:\n  commands:\n    allow: ["rm -rf *"]\n  filesystem:\n    allow: ["**"]\n';
  const payload = (cwd: string) => ({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm -rf ../../secrets' }, cwd });

  for (const form of ['--root fixed at install', 'the folder the runtime started the hook in']) {
    it(`a .agent-policy.yml placed under node_modules, named by the payload's cwd, does not govern (${form})`, () => {
      const root = project();
      const evil = join(root, 'node_modules', 'evil');
      mkdirSync(evil, { recursive: true });
      writeFileSync(join(evil, '.agent-policy.yml'), EVIL);
      const args = ['hook', 'codex', '--state', join(root, '.state'), ...(form.startsWith('--root') ? ['--root', root] : [])];
      const r = spawnSync(process.execPath, [CLI, ...args], { input: JSON.stringify(payload(evil)), encoding: 'utf8', cwd: root });
      const answer = answerOf('codex', r.stdout);
      assert.equal(answer.decision, 'deny');
      assert.match(answer.reason, /rm -rf/, "denied by the root policy's rule, not for some other reason");
      assert.equal(existsSync(join(evil, '.agent-policy')), false, 'no audit entry lands beside the planted policy');
      assert.equal(auditEntries(root).at(-1)?.agent_id, 'hook-test-agent', 'the root policy decided and recorded it');
    });
  }

  it('an empty --root (the runtime did not name its project folder) denies and says why', () => {
    const root = project();
    const r = run(['hook', 'claude-code', '--root', '', '--state', join(root, '.state')], JSON.stringify(PAYLOADS['claude-code']?.deny(root)));
    assert.match(answerOf('claude-code', r.stdout).reason, /did not name its project folder/);
  });
});

describe('agent-policy init: one entry, whatever --cli says', () => {
  it('installing twice with different --cli leaves one entry (the newer command), uninstall removes it; the command carries the timeout and the root', () => {
    const root = project();
    const { env } = privateHome();
    const init = (args: string[]) => run(['init', '--root', root, ...args], undefined, CLI, env);
    const other = join(mkdtempSync(join(tmpdir(), 'agent-policy-cli-')), 'cli.js');
    symlinkSync(CLI, other);
    assert.equal(init(['--runtime', 'codex', '--cli', `node ${CLI}`, '--timeout', '120']).code, 0);
    assert.equal(init(['--runtime', 'codex', '--cli', `node ${other}`]).code, 0);
    const hooks = (
      JSON.parse(readFileSync(join(root, '.codex', 'hooks.json'), 'utf8')) as { hooks: { PreToolUse: { hooks: { command: string; timeout: number }[] }[] } }
    ).hooks.PreToolUse;
    assert.equal(hooks.length, 1);
    assert.match(
      hooks[0]?.hooks[0]?.command ?? '',
      new RegExp(`^node ${other.replace(/[/.]/g, '\\$&')} hook codex --timeout 600 --root ${root.replace(/[/.]/g, '\\$&')} \\|\\|`),
    );
    assert.equal(hooks[0]?.hooks[0]?.timeout, 600, "the runtime's timeout and the command's agree");
    assert.match(init(['--runtime', 'codex', '--cli', `node ${other}`]).stdout, /already installed/);
    assert.match(init(['--runtime', 'codex', '--uninstall']).stdout, /removed/);
    assert.equal(existsSync(join(root, '.codex', 'hooks.json')), false);
    init(['--runtime', 'claude-code']);
    assert.match(
      readFileSync(join(root, '.claude', 'settings.json'), 'utf8'),
      /--root \\"\$CLAUDE_PROJECT_DIR\\"/,
      'a committed file names the project folder through the runtime, so it works in every checkout',
    );
  });
});
