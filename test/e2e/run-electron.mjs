// The same e2e suite in desktop VS Code, through @vscode/test-electron (which downloads VS Code:
// use it where Microsoft's update servers are reachable; here the code-server runner is used).
import { runTests } from '@vscode/test-electron';
import { buildSuite } from './build-suite.mjs';
import { repoRoot } from './harness/code-server.mjs';
import { exampleCopy } from './workspace-copy.mjs';

const suite = await buildSuite();
const { workspace } = exampleCopy();
try {
  await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: suite,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (error) {
  process.stderr.write(`e2e (electron) failed: ${error}\n`);
  process.exit(1);
}
