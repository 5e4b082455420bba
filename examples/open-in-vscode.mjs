// The README's first command: builds the .vsix, installs it into a local VS Code (code-server on
// loopback) and opens the example workspace in it; prints the URL and serves until Ctrl-C.
// `--check`: open it once in headless Chromium, confirm the extension is working, and exit.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, installVsix, launchBrowser, startCodeServer, workbenchUrl } from '../test/e2e/harness/code-server.mjs';
import { prepareDemoWorkspace } from '../test/e2e/harness/demo-workspace.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const port = Number(process.env.PORT) || (await freePort());

console.log('Building the extension package (agent-policy.vsix)…');
execFileSync('npm', ['run', '--silent', 'package'], { cwd: repo, stdio: 'inherit' });
const workspace = prepareDemoWorkspace();
const base = dirname(workspace);
const extensionsDir = join(base, 'extensions');
mkdirSync(extensionsDir, { recursive: true });
installVsix(join(repo, 'agent-policy.vsix'), extensionsDir);
const server = await startCodeServer({ workspace, profileDir: join(base, 'profile'), extensionsDir, port });
const url = workbenchUrl(server, workspace);
console.log(`\nVS Code with Agent Policy installed, on the example workspace:\n\n  ${url}\n`);
console.log('In it: the Problems panel shows the deliberate conflict (backend/.agent-policy.override.yml),');
console.log('the Agent Policy side panel lists the audit log and a pending approval (a write to Dockerfile),');
console.log('and the status bar shows the policy. Command palette: "Agent Policy: …".');

if (check) {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.statusbar-item', { hasText: 'Policy 2.1' }).first().waitFor({ timeout: 120_000 });
    console.log('Checked: the extension is active (the status bar shows "Policy 2.1").');
  } finally {
    await browser.close();
    server.stop();
  }
} else {
  console.log('Ctrl-C stops it.');
  process.on('SIGINT', () => {
    server.stop();
    process.exit(0);
  });
  await new Promise(() => {});
}
