// Runs the e2e suite inside a real VS Code: code-server on loopback, its workbench in headless
// Chromium, the extension loaded from this checkout (extensionDevelopmentPath) and the suite as
// extensionTestsPath. Exit code 0 only when every test passed.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSuite } from './build-suite.mjs';
import { repoRoot, runSuite } from './harness/code-server.mjs';
import { exampleCopy } from './workspace-copy.mjs';

const artifacts = join(repoRoot, '.test-artifacts');
mkdirSync(artifacts, { recursive: true });
const suite = await buildSuite();
const { base, workspace } = exampleCopy();
const code = await runSuite({ suite, workspace, base, failureShot: join(artifacts, 'e2e-failure.png') });
if (code === 0) rmSync(base, { recursive: true, force: true });
else process.stderr.write(`[e2e] failed (exit ${code}); workspace kept at ${workspace}, screenshot in .test-artifacts/\n`);
process.exit(code);
