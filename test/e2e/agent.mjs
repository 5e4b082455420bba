// VS Code's own agent, gated before it acts: the real built-in agent (Copilot Chat's Local
// harness, in code-server), driven offline by a scripted test model in an "Allow All" session,
// with the packaged extension installed. The scripted model asks for four tool calls: create
// `.env`, run `rm -rf secrets`, edit `package.json` (needs approval), create `src/benign.ts`.
// Screenshots go to .test-artifacts/agent-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, installVsix, launchBrowser, repoRoot, runCommand, startCodeServer, workbenchUrl } from './harness/code-server.mjs';

const artifacts = join(repoRoot, '.test-artifacts');
mkdirSync(artifacts, { recursive: true });
const step = (text) => process.stdout.write(`  ✔ ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, test, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(500);
  }
}

function auditEntries(workspace) {
  const dir = join(workspace, '.agent-policy', 'audit');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
    .map((l) => JSON.parse(l));
}

/** Packs the scripted model (a test extension) into a .vsix. */
function packScriptedModel(base) {
  const dir = join(base, 'scripted-model');
  cpSync(join(repoRoot, 'test', 'e2e', 'scripted-model'), dir, { recursive: true });
  const vsix = join(base, 'scripted-model.vsix');
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return vsix;
}

execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
const base = mkdtempSync(join(tmpdir(), 'agent-policy-agent-'));
const workspace = join(base, 'workspace');
cpSync(join(repoRoot, 'examples', 'workspace'), workspace, { recursive: true });
// The example ships a .env; here none exists, so "never created" is something a watcher can check.
rmSync(join(workspace, '.env'));
const packageJson = readFileSync(join(workspace, 'package.json'), 'utf8');
writeFileSync(
  join(workspace, 'agent-script.json'),
  JSON.stringify({
    calls: [
      { tool: 'create_file', input: { filePath: join(workspace, '.env'), content: 'SECRET=from-the-agent\n' } },
      {
        tool: 'run_in_terminal',
        input: { command: 'rm -rf secrets', explanation: 'Clean up', goal: 'Remove the secrets folder', mode: 'sync', isBackground: false, timeout: 20000 },
      },
      { tool: 'replace_string_in_file', input: { filePath: join(workspace, 'package.json'), oldString: '"echo ok"', newString: '"node --test"' } },
      { tool: 'create_file', input: { filePath: join(workspace, 'src', 'benign.ts'), content: 'export const benign = true;\n' } },
    ],
  }),
);
const extensionsDir = join(base, 'extensions');
installVsix(join(repoRoot, 'agent-policy.vsix'), extensionsDir);
installVsix(packScriptedModel(base), extensionsDir);
// "Allow All": every tool runs unconfirmed, so only the hook can stop a call.
const server = await startCodeServer({
  workspace,
  profileDir: join(base, 'profile'),
  extensionsDir,
  port: await freePort(),
  settings: { 'chat.permissions.default': 'autoApprove' },
});
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
let passed = false;
try {
  process.stdout.write("VS Code's built-in agent (scripted model, Allow All) with the packaged extension\n");
  await page.goto(workbenchUrl(server, workspace));
  await page.locator('.statusbar-item', { hasText: 'Policy 2.1' }).first().waitFor({ timeout: 120_000 });
  step('the extension is active and the status bar shows the policy');

  // The package.json edit waits for the person: our prompt, with the diff.
  const approvals = () => {
    const dir = join(workspace, '.agent-policy', 'approvals');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
      : [];
  };
  const request = await waitFor(
    'the approval request for package.json',
    () => approvals().find((r) => r.status === 'pending' && String(r.action?.path ?? '').endsWith('package.json')),
    240_000,
  );
  assert.equal(readFileSync(join(workspace, 'package.json'), 'utf8'), packageJson, 'package.json was written before anyone approved');
  assert.equal(existsSync(join(workspace, '.env')), false, '.env exists');
  assert.equal(existsSync(join(workspace, 'secrets')), true, 'secrets/ was deleted');
  await runCommand(page, 'Notifications: Show Notifications');
  const toast = page.locator('.notification-list-item', { hasText: 'package.json' });
  await toast.first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(artifacts, 'agent-approval.png') });
  step(`the package.json edit waits for our approval prompt (${request.id}), unwritten; .env was never created and secrets/ is still there`);
  await toast.first().getByRole('button', { name: 'Approve' }).click();

  const result = await waitFor(
    'the agent request to finish',
    () => (existsSync(join(workspace, 'agent-result.json')) ? JSON.parse(readFileSync(join(workspace, 'agent-result.json'), 'utf8')) : undefined),
    180_000,
  );
  assert.equal(result.ok, true, result.error);
  assert.notEqual(readFileSync(join(workspace, 'package.json'), 'utf8'), packageJson, 'the approved edit was not written');
  assert.match(readFileSync(join(workspace, 'package.json'), 'utf8'), /node --test/);
  // VS Code's chat editing saves a file it created a moment after the tool call returns (on a slow
  // machine after the request has finished): wait for it, rather than read the disk at once.
  await waitFor('the benign file to be written', () => existsSync(join(workspace, 'src', 'benign.ts')), 30_000).catch(() => {
    throw new assert.AssertionError({ message: 'the benign file was not written (30 s after the agent finished)' });
  });
  assert.equal(existsSync(join(workspace, '.env')), false);
  assert.deepEqual(
    result.events.filter((e) => /(^|\/)\.env$/.test(e.name)),
    [],
    'a watcher started before the request saw .env',
  );
  assert.equal(existsSync(join(workspace, 'secrets')), true);
  step('after Approve the edit is written; the benign file is written; .env never appeared (no watcher event) and secrets/ survives');

  const decisions = auditEntries(workspace).filter((e) => e.kind === 'decision' && e.runtime === 'vscode');
  const find = (tool, decision) => decisions.find((e) => e.tool === tool && e.decision === decision);
  assert.match(find('create_file', 'deny')?.reason ?? '', /denied by "\*\*\/\.env\*"/);
  assert.match(find('run_in_terminal', 'deny')?.reason ?? '', /rm is denied by "rm -rf"/);
  assert.match(find('replace_string_in_file', 'ask')?.reason ?? '', /needs human approval/);
  assert.match(find('replace_string_in_file', 'allow')?.reason ?? '', /^approved by /);
  assert.ok(find('create_file', 'allow'), 'the benign write is recorded');
  assert.ok(
    auditEntries(workspace).some((e) => e.kind === 'approval.approved'),
    'the approval is recorded',
  );
  const told = result.received.map((r) => r.text).join('\n');
  assert.match(told, /denied by "\*\*\/\.env\*"/, 'the model is told why .env was refused');
  step('the audit log holds each decision for the runtime vscode, with its reason, and the model was told why');
  await page.screenshot({ path: join(artifacts, 'agent-done.png') });

  // The extension's service unreachable (as after a crash: its info file names a socket nobody listens on): the plugin hook falls back to the bundled CLI.
  const infoFile = join(workspace, '.agent-policy', 'approval-service.json');
  const info = JSON.parse(readFileSync(infoFile, 'utf8'));
  writeFileSync(infoFile, JSON.stringify({ ...info, socket: join(base, 'gone.sock') }));
  writeFileSync(
    join(workspace, 'agent-script-2.json'),
    JSON.stringify({
      calls: [
        { tool: 'create_file', input: { filePath: join(workspace, '.env.local'), content: 'SECRET=2\n' } },
        { tool: 'create_file', input: { filePath: join(workspace, 'src', 'second.ts'), content: 'export {};\n' } },
      ],
    }),
  );
  const second = await waitFor(
    'the second request',
    () => (existsSync(join(workspace, 'agent-result-2.json')) ? JSON.parse(readFileSync(join(workspace, 'agent-result-2.json'), 'utf8')) : undefined),
    180_000,
  );
  assert.equal(second.ok, true, second.error);
  assert.equal(existsSync(join(workspace, '.env.local')), false, '.env.local was written with the service down');
  // VS Code reports the tool's success before its file is on disk: wait for it (it was a race in this check).
  await waitFor('the allowed write with the service down', () => existsSync(join(workspace, 'src', 'second.ts')) || undefined, 30_000);
  assert.match(second.received.map((r) => r.text).join('\n'), /denied by "\*\*\/\.env\*".*decided by the CLI: the extension did not answer/);
  const cli = auditEntries(workspace).filter((e) => e.kind === 'decision' && e.runtime === 'vscode' && String(e.path ?? '').endsWith('.env.local'));
  assert.equal(cli[0]?.decision, 'deny');
  step("with the extension's service unreachable the bundled CLI answers the hook: .env.local denied, src/second.ts written, both recorded");
  passed = true;
} catch (error) {
  await page.screenshot({ path: join(artifacts, 'agent-failure.png') }).catch(() => {});
  process.stderr.write(`agent test failed: ${error.stack ?? error}\nworkspace kept at ${workspace}; screenshots in .test-artifacts/\n`);
} finally {
  await browser.close();
  server.stop();
}
if (passed) rmSync(base, { recursive: true, force: true });
process.exit(passed ? 0 : 1);
