// The README's first command: lint the bundled example workspace, then decide its sample actions.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'server', 'out', 'cli.js');
const root = join(here, 'workspace');

console.log('$ agent-policy validate --root examples/workspace   (one conflict is deliberate)');
spawnSync(process.execPath, [cli, 'validate', '--root', root], { stdio: 'inherit' });
console.log('\n$ agent-policy eval --root examples/workspace --actions examples/workspace/actions.jsonl');
const run = spawnSync(process.execPath, [cli, 'eval', '--root', root, '--actions', join(root, 'actions.jsonl')], { encoding: 'utf8' });
for (const line of run.stdout.split('\n').filter(Boolean)) {
  const d = JSON.parse(line);
  console.log(`${d.decision.toUpperCase().padEnd(5)} ${d.reason}`);
}
process.exitCode = run.status ?? 1;
