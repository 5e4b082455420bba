// Codex 0.169.0, the real runtime, headless (`codex exec --json`), against the scripted model (a
// custom Responses-API provider): the hook `agent-policy init --runtime codex` installs decides its
// tool calls. See README.md.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { codexHooks } from './drivers';
import { install, keepObserved, SECRET_KEY } from './harness';
import { assertEndedByItself, deadlines, entry, everydayDecisions, project, run, secondLayer, subfolderStart, type RuntimeSpec } from './scenarios';

const patch = (path: string, content: string) =>
  `*** Begin Patch\n*** Add File: ${path}\n${content
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `+${l}`)
    .join('\n')}\n*** End Patch\n`;

export const spec: RuntimeSpec = {
  runtime: 'codex',
  label: 'Codex',
  write: (dir, path, content) => ({ tool: 'apply_patch', input: patch(join(dir, path), content) }),
  read: (dir, path) => ({ tool: 'view_image', input: { path: join(dir, path) } }),
  shell: (dir, command) => ({ tool: 'exec_command', input: { cmd: command, workdir: dir } }),
  modes: ['default', 'most-permissive'],
  modeLabel: {
    default: 'default (codex exec in a trusted project: workspace-write sandbox, approval "never")',
    'most-permissive': '--dangerously-bypass-approvals-and-sandbox',
  },
  subfolderRunsProjectHook: true,
  strictestTest: 'most-permissive',
  askEnds: 'ask',
  askToModel: /codex cannot ask you from this hook, and no editor with Agent Policy is running/,
  native: { fileRules: false, toldRm: /rejected: Agent Policy commands\.deny/ },
};

everydayDecisions(spec);
deadlines(spec);
subfolderStart(spec);
secondLayer(spec);

describe('Codex, where the model chooses the working folder', () => {
  test("a `workdir` outside the project holding a planted allow-everything policy does not choose the policy: `rm -rf <project>/secrets` is denied by the project's rule", async (t) => {
    const p = project(spec, 'workdir', t);
    const elsewhere = join(p.base, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(
      join(elsewhere, '.agent-policy.yml'),
      'version: "2.1"\nagent_id: "planted"\npermissions:\n  filesystem:\n    allow: ["**"]\n  commands:\n    allow: ["*"]\n',
    );
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      script: { calls: [{ tool: 'exec_command', input: { cmd: `rm -rf ${join(p.dir, 'secrets')}`, workdir: elsewhere } }] },
    });
    keepObserved(p, 'workdir-outside');
    assertEndedByItself(r, spec.label);
    assert.equal(existsSync(join(p.dir, 'secrets/key.txt')), true, 'secrets/ was deleted');
    const audit = r.audit;
    const e = entry(audit, (e) => e.action === 'command.exec' && e.command === `rm -rf ${join(p.dir, 'secrets')}`, 'the rm');
    assert.equal(e.decision, 'deny');
    assert.match(e.reason ?? '', /rm is denied by "rm -rf" \(\.agent-policy\.yml:/);
    assert.equal(e.cwd, elsewhere, "the payload's cwd (the model's workdir) is recorded, not used to find the policy");
    assert.equal(existsSync(join(elsewhere, '.agent-policy')), false, 'the planted folder got an audit log');
  });

  test("with a user-level hook too: Codex starts the hook in its session folder (not the workdir), so the walk finds the project's policy, never the planted one, and `ls` run in the planted folder is an ask (outside the root) that Codex cannot put to anyone", async (t) => {
    const p = project(spec, 'workdir-user', t, { install: false });
    install(p, { scope: 'user' });
    const elsewhere = join(p.base, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(
      join(elsewhere, '.agent-policy.yml'),
      'version: "2.1"\nagent_id: "planted"\npermissions:\n  filesystem:\n    allow: ["**"]\n  commands:\n    allow: ["*"]\n',
    );
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      script: {
        calls: [
          { tool: 'exec_command', input: { cmd: `rm -rf ${join(p.dir, 'secrets')}`, workdir: elsewhere } },
          { tool: 'exec_command', input: { cmd: 'ls', workdir: elsewhere } },
        ],
      },
    });
    assertEndedByItself(r, spec.label);
    assert.equal(existsSync(join(p.dir, 'secrets/key.txt')), true, 'secrets/ was deleted');
    assert.match(
      entry(r.audit, (e) => e.command === `rm -rf ${join(p.dir, 'secrets')}`, 'the rm').reason ?? '',
      /rm is denied by "rm -rf" \(\.agent-policy\.yml:/,
    );
    const ls = entry(r.audit, (e) => e.command === 'ls', 'the ls');
    assert.equal(ls.decision, 'ask');
    assert.match(ls.reason ?? '', /runs in .*elsewhere, outside the repository root/);
    assert.equal(existsSync(join(elsewhere, '.agent-policy')), false, 'the planted folder got an audit log');
  });

  // A command run in a denied folder reads it: `ls` there is denied by the folder's rule, and
  // `cat key.txt` by its argument, resolved against the workdir to secrets/key.txt.
  test('`ls` and `cat key.txt` with `workdir` = the denied folder secrets/ are denied, because they read it', async (t) => {
    const p = project(spec, 'workdir-secrets', t);
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      script: {
        calls: [
          { tool: 'exec_command', input: { cmd: 'ls', workdir: join(p.dir, 'secrets') } },
          { tool: 'exec_command', input: { cmd: 'cat key.txt', workdir: join(p.dir, 'secrets') } },
        ],
      },
    });
    keepObserved(p, 'workdir-secrets');
    assertEndedByItself(r, spec.label);
    const audit = r.audit;
    for (const command of ['ls', 'cat key.txt']) {
      const e = entry(audit, (e) => e.action === 'command.exec' && e.command === command, `${command} in secrets/`);
      assert.equal(e.decision, 'deny', `${command} in secrets/ was allowed: ${e.reason}`);
      assert.match(e.reason ?? '', command === 'ls' ? /runs in secrets, a folder denied by "secrets\/\*\*"/ : /secrets\/key\.txt, denied by "secrets\/\*\*"/);
    }
    assert.equal(r.shown.includes(SECRET_KEY), false, 'secrets/key.txt reached the model');
    // A listing has the name on a line of its own; the denial only quotes the command (`cat key.txt`).
    assert.doesNotMatch(r.shown, /(^|\n)key\.txt(\n|$)/, 'the listing of secrets/ reached the model');
  });
});

describe('Codex hook trust', () => {
  test('a hook Codex has not trusted (no trusted_hash, no bypass flag) is skipped silently: a denied write goes through', async (t) => {
    const p = project(spec, 'untrusted', t);
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      codexHookTrust: 'none',
      script: { calls: [spec.write(p.dir, 'secrets/untrusted-hook.txt', 'unchecked\n')] },
    });
    assertEndedByItself(r, spec.label);
    assert.equal(existsSync(join(p.dir, 'secrets/untrusted-hook.txt')), true, 'Codex ran an untrusted hook: update README and this test');
    assert.equal(r.audit.length, 0);
  });

  test('`codex app-server` reports the installed hook as untrusted until its hash is recorded', async (t) => {
    const p = project(spec, 'hooklist', t);
    const env = { HOME: p.home, CODEX_HOME: join(p.home, '.codex'), PATH: process.env.PATH ?? '' };
    mkdirSync(env.CODEX_HOME, { recursive: true });
    writeFileSync(join(env.CODEX_HOME, 'config.toml'), `[projects.${JSON.stringify(p.dir)}]\ntrust_level = "trusted"\n`);
    const hooks = await codexHooks(env, [p.dir]);
    const ours = hooks.filter((h) => h.command?.includes('hook codex'));
    assert.equal(ours.length, 1, JSON.stringify(hooks));
    assert.equal(ours[0]?.source, 'project');
    assert.equal(ours[0]?.trustStatus, 'untrusted');
    assert.match(ours[0]?.key ?? '', /\.codex\/hooks\.json:pre_tool_use:0:0$/);
  });
});
