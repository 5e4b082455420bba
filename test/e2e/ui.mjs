// The UI-level test: what a person sees in a real VS Code with the packaged extension installed.
// The Problems panel shows the policy conflict; an approval request from an external runtime shows
// a prompt with the diff and is approved by clicking; the audit tree lists the entries.
// Screenshots go to .test-artifacts/ui-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { freePort, installVsix, launchBrowser, repoRoot, runCommand, startCodeServer, workbenchUrl } from './harness/code-server.mjs';
import { prepareDemoWorkspace } from './harness/demo-workspace.mjs';

const artifacts = join(repoRoot, '.test-artifacts');
mkdirSync(artifacts, { recursive: true });
const step = (text) => process.stdout.write(`  ✔ ${text}\n`);

/** What a hook adapter does: ask the editor's approval service (see server/src/host/services/approval-service.ts). */
async function askService(stateDir, request) {
  const deadline = Date.now() + 60_000;
  let info;
  while (!info) {
    try {
      info = JSON.parse(readFileSync(join(stateDir, 'approval-service.json'), 'utf8'));
    } catch {
      if (Date.now() > deadline) throw new Error('the approval service did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return new Promise((resolve, reject) => {
    const socket = createConnection(info.socket, () => socket.write(`${JSON.stringify({ ...request, token: info.token })}\n`));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c) => (text += c));
    socket.on('error', reject);
    socket.on('end', () => resolve(JSON.parse(text)));
  });
}

execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
const workspace = prepareDemoWorkspace('agent-policy-ui-');
const base = dirname(workspace);
const extensionsDir = join(base, 'extensions');
installVsix(join(repoRoot, 'agent-policy.vsix'), extensionsDir);
const server = await startCodeServer({ workspace, profileDir: join(base, 'profile'), extensionsDir, port: await freePort() });
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
let passed = false;
try {
  process.stdout.write('UI test (packaged extension in code-server, Chromium)\n');
  await page.goto(workbenchUrl(server, workspace));
  await page.locator('.statusbar-item', { hasText: 'Policy 2.1' }).first().waitFor({ timeout: 120_000 });
  step('the installed .vsix activates and the status bar shows the policy');

  // Problems panel: the deliberate conflict, with its code.
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
  await page.keyboard.press('Control+Shift+M');
  const problems = page.locator('.markers-panel');
  await problems.getByText('Policy conflict', { exact: false }).first().waitFor({ timeout: 60_000 });
  await problems.getByText('AP2002').first().waitFor();
  await page.screenshot({ path: join(artifacts, 'ui-problems.png') });
  step('the Problems panel shows the AP2002 conflict');

  // Completion inside quotes (every example policy quotes its globs): typing a new allow entry
  // offers the workspace's folders, with no word-based guesses among them.
  await runCommand(page, 'Go to File...');
  await page.locator('.quick-input-widget input').fill('.agent-policy.yml');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: '.agent-policy.yml' }).first().click();
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ timeout: 30_000 });
  // The caret inside the quoted glob on line 17 (`- "src/**/*.ts"`), after `"src`: the word the editor filters by starts with the quote.
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').fill(':17:13');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  await page.keyboard.press('Control+Space');
  const suggestions = page.locator('.suggest-widget.visible .monaco-list-row');
  await suggestions.filter({ hasText: 'src/**' }).first().waitFor({ timeout: 30_000 });
  const offered = await suggestions.allInnerTexts();
  // A word-based guess shows the "text" icon; ours are folders and files.
  assert.equal(await page.locator('.suggest-widget.visible .monaco-list-row .codicon-symbol-text').count(), 0, `word-based items: ${offered.join(' | ')}`);
  await page.screenshot({ path: join(artifacts, 'ui-completion-in-quotes.png') });
  step('completion inside quotes offers the workspace folders (src/**)');
  await page.keyboard.press('Escape');

  // An external runtime asks through the approval service; the prompt and the diff appear.
  const proposed = 'FROM node:24-slim\nUSER node\n';
  const answer = askService(join(workspace, '.agent-policy'), {
    action: { action: 'filesystem.write', path: 'Dockerfile' },
    runtime: 'claude-code',
    agent_id: 'ui-test-agent',
    proposed_content: proposed,
  });
  const diff = page.locator('.monaco-diff-editor');
  await diff.first().waitFor({ timeout: 60_000 });
  await diff.getByText('USER node').first().waitFor();
  // The prompt is a notification; with several at once VS Code may keep it in the notification list rather than as a toast.
  await runCommand(page, 'Notifications: Show Notifications');
  const toast = page.locator('.notification-list-item', { hasText: 'ui-test-agent (claude-code) wants to write Dockerfile' });
  await toast.first().waitFor({ timeout: 30_000 });
  assert.match(await toast.first().innerText(), /require_human_approval "Dockerfile"/);
  await page.screenshot({ path: join(artifacts, 'ui-approval.png') });
  step('the approval prompt names the agent, the action and the rule, beside the diff of the proposed content');
  // Where a person notices: the pending count on the activity bar's badge and in the status bar
  // (the demo's own Dockerfile request and this one).
  const badge = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="Agent Policy"]') }).locator('.badge-content');
  await badge.filter({ hasText: /^2$/ }).first().waitFor({ timeout: 30_000 });
  await page.locator('.statusbar-item', { hasText: '2 pending' }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, 'ui-pending-badge.png') });
  step('the badge and the status bar count the pending requests (2)');
  await runCommand(page, 'Notifications: Clear All Notifications');
  // Approve where the person is looking: the diff editor's title.
  const approve = page.locator('.editor-actions [aria-label^="Approve a Pending Request"], .title-actions [aria-label^="Approve a Pending Request"]');
  await approve.first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, 'ui-approve-from-diff.png') });
  await approve.first().click();
  const reply = await answer;
  assert.equal(reply.decision, 'allow');
  assert.equal(reply.status, 'approved');
  await page.locator('.statusbar-item', { hasText: '1 pending' }).first().waitFor({ timeout: 30_000 });
  step("Approve on the diff editor's title answers the runtime with the human decision, and the count drops to 1");

  // The audit tree in its own side panel.
  // (The pending badge sits over the icon's corner; the click is the icon's.)
  await page.locator('.activitybar .action-item a[aria-label^="Agent Policy"]').first().click({ force: true });
  const tree = page.locator('.pane', { hasText: 'Audit Log' });
  await tree.getByText('write src/../.env', { exact: false }).first().waitFor({ timeout: 30_000 });
  // The Dockerfile write itself is recorded by the hook that asked (here the test stands in for one); the editor records the approval.
  // Collapse the denials so the approvals group below them is in view.
  await tree.locator('.monaco-list-row', { hasText: /^deny/ }).first().click();
  await tree.getByText('approval.approved', { exact: false }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, 'ui-audit-tree.png') });
  step('the audit tree lists the decisions and the approval');
  passed = true;
} catch (error) {
  await page.screenshot({ path: join(artifacts, 'ui-failure.png') }).catch(() => {});
  process.stderr.write(`UI test failed: ${error.stack ?? error}\nworkspace kept at ${workspace}; screenshots in .test-artifacts/\n`);
} finally {
  await browser.close();
  server.stop();
}
if (passed) rmSync(base, { recursive: true, force: true });
process.exit(passed ? 0 : 1);
