// Runs the e2e suite inside a real VS Code: code-server on loopback, its workbench in headless
// Chromium, the extension loaded from this checkout (extensionDevelopmentPath) and the suite as
// extensionTestsPath. Exit code 0 only when every test passed.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { buildSuite } from './build-suite.mjs';
import { freePort, launchBrowser, repoRoot, startCodeServer, workbenchUrl } from './harness/code-server.mjs';
import { exampleCopy } from './workspace-copy.mjs';

const SUITE_TIMEOUT_MS = 10 * 60 * 1000;
const artifacts = join(repoRoot, '.test-artifacts');
mkdirSync(artifacts, { recursive: true });

const suite = await buildSuite();
const { base, workspace } = exampleCopy();
const port = await freePort();
const server = await startCodeServer({ workspace, profileDir: join(base, 'profile'), extensionsDir: join(base, 'extensions'), port });
const browser = await launchBrowser();
let code = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  await page.exposeFunction('codeAutomationLog', (level, args) => process.stdout.write(`${formatLog(level, args)}\n`));
  await page.exposeFunction('codeAutomationExit', (exitCode) => finish(exitCode));
  await page.goto(workbenchUrl(server, workspace, { extensionDevelopmentPath: repoRoot, extensionTestsPath: suite }));
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), SUITE_TIMEOUT_MS));
  const result = await Promise.race([finished, timeout]);
  if (result === 'timeout') process.stderr.write(`[e2e] the suite did not finish within ${SUITE_TIMEOUT_MS / 60000} minutes\n`);
  code = typeof result === 'number' ? result : 1;
  if (code !== 0) await page.screenshot({ path: join(artifacts, 'e2e-failure.png') });
} finally {
  await browser.close();
  server.stop();
}
if (code === 0) rmSync(base, { recursive: true, force: true });
else process.stderr.write(`[e2e] failed (exit ${code}); workspace kept at ${workspace}, screenshot in .test-artifacts/\n`);
process.exit(code);

/** The workbench forwards the extension host's console as (level, arguments). */
function formatLog(level, args) {
  return `${level === 'info' || level === 'log' ? '' : `[${level}] `}${format(...(Array.isArray(args) ? args : [args]))}`;
}
