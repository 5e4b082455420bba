// Copilot CLI 1.0.102, the real runtime, headless (`copilot -p --output-format json
// --trust-folder`), in its bring-your-own-key Anthropic mode against the scripted model: the hook
// `agent-policy init --runtime copilot-cli` installs decides its tool calls. See README.md.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describeAudit, keepObserved, SECRET_KEY } from './harness';
import { assertEndedByItself, assertTold, deadlines, entry, everydayDecisions, project, run, subfolderStart, type RuntimeSpec } from './scenarios';

const spec: RuntimeSpec = {
  runtime: 'copilot-cli',
  label: 'Copilot CLI',
  write: (dir, path, content) => ({ tool: 'create', input: { path: join(dir, path), file_text: content } }),
  read: (dir, path) => ({ tool: 'view', input: { path: join(dir, path) } }),
  shell: (_dir, command) => ({ tool: 'bash', input: { command, description: 'scripted' } }),
  modes: ['default', 'most-permissive'],
  modeLabel: { default: "default -p (no --allow-all-tools: the hook's allow is the only approval)", 'most-permissive': '--yolo' },
  subfolderRunsProjectHook: false,
  strictestTest: 'most-permissive',
  askEnds: 'ask',
  askToModel: /copilot-cli cannot ask you from this hook, and no editor with Agent Policy is running/,
};

everydayDecisions(spec);
deadlines(spec);
subfolderStart(spec);

describe('Copilot CLI, what approves a tool in -p mode', () => {
  test('without --allow-all-tools and without a hook (folder not trusted: no project hooks load), every tool that needs approval is refused', async (t) => {
    const p = project(spec, 'nohook', t);
    const r = await run(spec, p, 'run', {
      mode: 'default',
      copilotTrustFolder: false,
      script: { calls: [spec.write(p.dir, 'src/new.ts', 'x\n'), spec.shell(p.dir, 'touch src/touched.txt')] },
    });
    assertEndedByItself(r, spec.label);
    assert.equal(existsSync(join(p.dir, 'src/new.ts')), false);
    assert.equal(existsSync(join(p.dir, 'src/touched.txt')), false);
    assertTold(r, /Permission denied because no interactive user response was available/, 'the model is told');
    assert.equal(r.audit.length, 0, 'no hook ran without --trust-folder');
  });

  test("with the hook and no --allow-all-tools, the hook's allow approves the call (Copilot honours permissionDecision allow), its deny refuses", async (t) => {
    const p = project(spec, 'hookapproves', t);
    const r = await run(spec, p, 'run', {
      mode: 'default',
      script: { calls: [spec.write(p.dir, 'src/new.ts', 'x\n'), spec.shell(p.dir, 'touch src/touched.txt'), spec.write(p.dir, 'secrets/x.txt', 'x\n')] },
    });
    assertEndedByItself(r, spec.label);
    assert.equal(existsSync(join(p.dir, 'src/new.ts')), true);
    assert.equal(existsSync(join(p.dir, 'src/touched.txt')), true);
    assert.equal(existsSync(join(p.dir, 'secrets/x.txt')), false);
    assertTold(r, /Denied by preToolUse hook: Agent Policy: filesystem\.write [^\n]*denied by "secrets\/\*\*"/, 'the model is told');
  });

  test('-p without --trust-folder loads no project hook: a denied write goes through unchecked with --yolo', async (t) => {
    const p = project(spec, 'untrusted', t);
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      copilotTrustFolder: false,
      script: { calls: [spec.write(p.dir, 'secrets/untrusted.txt', 'unchecked\n')] },
    });
    assertEndedByItself(r, spec.label);
    assert.equal(existsSync(join(p.dir, 'secrets/untrusted.txt')), true, 'Copilot ran the project hook without --trust-folder: update README and this test');
    assert.equal(r.audit.length, 0);
  });
});

describe('Copilot CLI, its own tools', () => {
  test('grep and glob over secrets/ are decided as searches of that folder and denied because "secrets/**" denies it', async (t) => {
    const p = project(spec, 'search', t);
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      script: {
        calls: [
          { tool: 'grep', input: { pattern: 'SECRET', paths: [join(p.dir, 'secrets')] } },
          { tool: 'glob', input: { pattern: '**/*', paths: [join(p.dir, 'secrets')] } },
        ],
      },
    });
    keepObserved(p, 'search');
    assertEndedByItself(r, spec.label);
    const audit = r.audit;
    // The second, identical denial is folded into the first in the audit log.
    const e = entry(audit, (e) => e.action === 'filesystem.search' && e.path === join(p.dir, 'secrets'), 'the search of secrets/');
    assert.equal(e.decision, 'deny');
    assert.match(e.reason ?? '', /the folder is denied by "secrets\/\*\*"/);
    const last = r.requests.filter((q) => q.kind === 'main').at(-1)?.text ?? '';
    assert.equal(last.split('the folder is denied by').length - 1, 2, `both calls were refused with the reason; audit:\n${describeAudit(audit)}`);
    assert.equal(r.shown.includes(SECRET_KEY), false);
  });

  test('tools with no file, command or network effect are not denied as unknown', async (t) => {
    const p = project(spec, 'tools', t);
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      script: {
        calls: [
          { tool: 'list_bash', input: {} },
          { tool: 'sql', input: { description: 'todo list', query: "SELECT 'scripted'" } },
          { tool: 'list_agents', input: {} },
          { tool: 'fetch_copilot_cli_documentation', input: {} },
        ],
      },
    });
    assertEndedByItself(r, spec.label);
    const unknown = r.audit.filter((e) => e.action === 'unknown');
    assert.deepEqual(
      unknown.map((e) => e.reason),
      [],
      'tools denied as unknown',
    );
  });
});
