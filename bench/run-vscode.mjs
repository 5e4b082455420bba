// Runs bench/vscode/index.ts (bundled by `node esbuild.mjs --bench`) inside a real VS Code (code-server + headless Chromium), on a copy of the example workspace.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSuite } from '../test/e2e/harness/code-server.mjs';
import { exampleCopy } from '../test/e2e/workspace-copy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const suite = join(here, 'out', 'vscode', 'index.js');
const { base, workspace } = exampleCopy('agent-policy-bench-');
const code = await runSuite({ suite, workspace, base });
rmSync(base, { recursive: true, force: true });
process.exit(code);
