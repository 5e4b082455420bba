import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { privateHome } from './cli-helpers';

// The CLI as a user gets it: the tarball scripts/pack-cli.mjs packs (what `npm publish` would
// upload), installed into an empty project, run through npx from there.
const repo = join(__dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
// A clean npm environment: under `npm test` the outer npm's settings would leak into these.
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))),
  ...extra,
});
const POLICY = 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n    deny: ["**/.env*"]\n';

describe('the CLI package', () => {
  let tarball = '';
  let project = '';
  const npx = (args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync('npx', ['--no-install', ...args], { cwd: project, input, encoding: 'utf8', env: env(extra) });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(() => {
    tarball = execFileSync(process.execPath, [join(repo, 'scripts', 'pack-cli.mjs'), mkdtempSync(join(tmpdir(), 'agent-policy-pack-'))], {
      encoding: 'utf8',
      env: env(),
    }).trim();
    project = mkdtempSync(join(tmpdir(), 'agent-policy-user-'));
    writeFileSync(join(project, 'package.json'), '{"name":"someones-project","private":true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--save-dev', tarball], { cwd: project, env: env(), stdio: 'pipe' });
  });

  it('holds only what runs: the bundles, the parser WebAssembly, the manifest, README and LICENSE', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(files, [
      'package/LICENSE',
      'package/README.md',
      'package/out/cli-main.js',
      'package/out/cli.js',
      'package/out/hook.js',
      'package/out/refa.js',
      'package/out/tree-sitter-bash.wasm',
      'package/out/web-tree-sitter.wasm',
      'package/package.json',
    ]);
    const manifest = JSON.parse(execFileSync('tar', ['xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.equal(manifest.private, undefined, 'publishable');
    assert.equal(manifest.version, version);
    assert.equal(manifest.dependencies, undefined, 'nothing to fetch at install');
  });

  it('runs from an empty project through npx: --version, agent-policy-lint, and a runtime hook', () => {
    assert.equal(npx(['agent-policy', '--version']).stdout, `${version}\n`);
    writeFileSync(join(project, '.agent-policy.yml'), POLICY);
    const lint = npx(['agent-policy-lint', '--format', 'json']);
    assert.equal(lint.code, 0, lint.stderr);
    assert.deepEqual(JSON.parse(lint.stdout), []);
    const payload = JSON.stringify({
      session_id: 's',
      cwd: project,
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      tool_input: { file_path: join(project, '.env'), content: 'x' },
      tool_use_id: 't',
    });
    const hook = npx(['agent-policy', 'hook', 'claude-code', '--root', project], payload);
    const answer = JSON.parse(hook.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } };
    assert.equal(answer.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(answer.hookSpecificOutput.permissionDecisionReason, /\*\*\/\.env\*/);
  });

  it('installs a hook whose command resolves here: into the installed package, not an npx lookup', () => {
    const { env: home } = privateHome();
    const init = npx(['agent-policy', 'init', '--runtime', 'claude-code', '--root', project], undefined, { HOME: home.HOME, PATH: process.env.PATH });
    assert.equal(init.code, 0, `${init.stdout}${init.stderr}`);
    const settings = readFileSync(join(project, '.claude', 'settings.json'), 'utf8');
    assert.match(settings, /node_modules\/agent-policy\/out\/hook\.js/);
    assert.doesNotMatch(settings, /npx/);
  });
});
