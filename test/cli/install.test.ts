import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, privateHome, run, workspace } from './cli-helpers';

const POLICY =
  'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n    deny: ["secrets/**"]\n  commands:\n    allow: ["ls"]\n    deny: ["rm -rf"]\naudit:\n  log_all_actions: true\n';

const rmSecrets = (cwd: string) =>
  JSON.stringify({ session_id: 's', cwd, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm -rf ../secrets' }, tool_use_id: 't' });

function installedCommand(file: string): string {
  const config = JSON.parse(readFileSync(file, 'utf8')) as { hooks: { PreToolUse: { hooks: { command: string }[] }[] } };
  return config.hooks.PreToolUse[0]?.hooks[0]?.command ?? '';
}

/** Runs an installed command the way the runtime does: a shell, in the start folder, with the runtime's project-folder variable. */
function runInstalled(command: string, cwd: string, payload: string, env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', command], { cwd, input: payload, encoding: 'utf8', env: { ...env, CLAUDE_PROJECT_DIR: cwd } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('agent-policy init: a hook command that works on this machine', () => {
  it('runs the command with a probe call before writing anything, and refuses one that does not start', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { env } = privateHome();
    const r = run(['init', '--runtime', 'claude-code', '--root', root, '--cli', 'node /nonexistent/agent-policy/cli.js'], undefined, CLI, env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not installed: the hook command does not work on this machine \(it exited 2: .*Cannot find module/);
    assert.equal(existsSync(join(root, '.claude', 'settings.json')), false, 'nothing written');
  });

  it('by default starts the hook client beside this very CLI by absolute path, with this Node for its fallback (no npx lookup that fails where the package is not installed)', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { env } = privateHome();
    assert.equal(run(['init', '--runtime', 'claude-code', '--root', root], undefined, CLI, env).code, 0);
    const command = installedCommand(join(root, '.claude', 'settings.json'));
    const native = join(dirname(CLI), 'agent-policy-hook');
    const expected = existsSync(native)
      ? `${native} ${process.execPath} hook claude-code `
      : `${process.execPath} --liftoff-only ${join(dirname(CLI), 'hook.js')} hook claude-code `;
    assert.ok(command.startsWith(expected), command);
    assert.ok(!command.includes('npx'));
    assert.equal(existsSync(join(root, '.agent-policy', 'audit')), false, 'the probe loaded the policy and recorded nothing');
  });
});

describe('agent-policy init --scope user: protection wherever the runtime starts', () => {
  it('installs into the user settings; a subfolder start is governed by the policy above it, a folder without one is passed through untouched', () => {
    const root = workspace({ '.agent-policy.yml': POLICY, 'src/a.ts': '', 'secrets/k': 'key' });
    const { home, env } = privateHome();
    const r = run(['init', '--runtime', 'claude-code', '--scope', 'user', '--root', root], undefined, CLI, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /runs it before every tool call wherever it starts/);
    const command = installedCommand(join(home, '.claude', 'settings.json'));
    assert.match(command, /--scope user --from "\$CLAUDE_PROJECT_DIR"/);
    assert.equal(existsSync(join(root, '.claude')), false, 'the project is not touched');

    const fromSrc = runInstalled(command, join(root, 'src'), rmSecrets(join(root, 'src')), env);
    const answer = JSON.parse(fromSrc.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    assert.equal(answer.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer.hookSpecificOutput.permissionDecisionReason, /denied by "rm -rf"/, 'the root policy above the start folder decided it');
    assert.ok(readdirSync(join(root, '.agent-policy', 'audit')).length > 0, "recorded in the root's audit log");

    const elsewhere = workspace({ 'notes.txt': '' });
    const passed = runInstalled(command, elsewhere, rmSecrets(elsewhere), env);
    assert.deepEqual([passed.code, passed.stdout, passed.stderr], [0, '', ''], "no answer at all: the runtime's own permissions apply");
    assert.equal(existsSync(join(elsewhere, '.agent-policy')), false, 'nothing recorded for an ungoverned folder');
  });

  it('a policy planted under node_modules/ (or .git/) never governs: the walk goes on to the real root', () => {
    const root = workspace({
      '.agent-policy.yml': POLICY,
      'node_modules/evil/.agent-policy.yml': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n',
    });
    const { env } = privateHome();
    run(['init', '--runtime', 'claude-code', '--scope', 'user', '--root', root], undefined, CLI, env);
    const command = installedCommand(join(env.HOME ?? '', '.claude', 'settings.json'));
    const start = join(root, 'node_modules', 'evil');
    const r = runInstalled(command, start, rmSecrets(start), env);
    assert.match(r.stdout, /denied by \\"rm -rf\\" \(\.agent-policy\.yml:/, 'decided by the root policy, not the planted one');
  });
});

describe('agent-policy doctor: is protection on here, now', () => {
  it('says ON in the project folder and OFF, exit 1, in a subfolder when only the project hook is installed (Claude Code reads it only in its start folder); a user hook turns it on', () => {
    const root = workspace({ '.agent-policy.yml': POLICY, 'src/a.ts': '' });
    const { env } = privateHome();
    assert.equal(run(['init', '--runtime', 'claude-code', '--root', root], undefined, CLI, env).code, 0);
    const atRoot = run(['doctor', '--root', root], undefined, CLI, env);
    assert.match(atRoot.stdout, /claude-code +ON +project hook .* runs here; probe: it found the policy and denied the probe call/);
    const inSrc = run(['doctor', '--root', join(root, 'src')], undefined, CLI, env);
    assert.equal(inSrc.code, 1);
    assert.match(inSrc.stdout, /claude-code +OFF +project hook .*reads project hooks only from the folder it starts in/);
    assert.equal(run(['init', '--runtime', 'claude-code', '--scope', 'user', '--root', root], undefined, CLI, env).code, 0);
    assert.match(run(['doctor', '--root', join(root, 'src')], undefined, CLI, env).stdout, /claude-code +ON +user hook/);
  });

  it("says OFF when the runtime's timeout is shorter than the deadline the command keeps (the runtime would kill it and run the call)", () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { env } = privateHome();
    run(['init', '--runtime', 'claude-code', '--root', root], undefined, CLI, env);
    const file = join(root, '.claude', 'settings.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"timeout": 600', '"timeout": 60'));
    const r = run(['doctor', '--root', root], undefined, CLI, env);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /claude-code +OFF .*kills it after 60 s but the command keeps its deadline inside 600 s/);
  });

  it('Gemini CLI: OFF until the folder is trusted; init --trust trusts it', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const { home, env } = privateHome();
    const printed = run(['init', '--runtime', 'gemini-cli', '--root', root], undefined, CLI, env);
    assert.match(printed.stdout, /does not trust .* run again with --trust, or add/);
    assert.match(run(['doctor', '--root', root], undefined, CLI, env).stdout, /gemini-cli +OFF .*does not trust/);
    run(['init', '--runtime', 'gemini-cli', '--root', root, '--trust'], undefined, CLI, env);
    assert.deepEqual(JSON.parse(readFileSync(join(home, '.gemini', 'trustedFolders.json'), 'utf8')), { [root]: 'TRUST_FOLDER' });
    assert.match(run(['doctor', '--root', root], undefined, CLI, env).stdout, /gemini-cli +ON +project hook/);
  });

  it('a folder no policy governs has nothing to enforce (exit 0)', () => {
    const dir = workspace({ 'a.txt': '' });
    mkdirSync(join(dir, 'sub'));
    const r = run(['doctor', '--root', join(dir, 'sub')], undefined, CLI, privateHome().env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /no policy governs this folder/);
  });
});

describe('agent-policy init in a project without a policy', () => {
  it('writes a starter policy fitted to the project (and never touches one that exists)', () => {
    const root = workspace({ 'package.json': '{"name":"x"}', 'src/index.ts': '' });
    const { env } = privateHome();
    const r = run(['init', '--runtime', 'claude-code', '--root', root], undefined, CLI, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\.agent-policy\.yml: written, a starter policy for a Node project; review it and commit it/);
    const written = readFileSync(join(root, '.agent-policy.yml'), 'utf8');
    assert.match(written, /registry\.npmjs\.org/);
    assert.equal(run(['validate', '--root', root]).code, 0, 'the starter validates');
    writeFileSync(join(root, '.agent-policy.yml'), POLICY);
    run(['init', '--runtime', 'claude-code', '--root', root], undefined, CLI, env);
    assert.equal(readFileSync(join(root, '.agent-policy.yml'), 'utf8'), POLICY);
  });
});
