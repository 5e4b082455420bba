// Prepares a copy of the bundled example (examples/workspace) as a newcomer should first see it: the policy (with its
// deliberate conflict), an audit log with decisions in it, and an approval request waiting.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(repo, 'server', 'out', 'cli.js');

function agentPolicy(root, args) {
  const run = spawnSync(process.execPath, [cli, ...args, '--root', root], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return run;
}

export function prepareDemoWorkspace(prefix = 'agent-policy-demo-') {
  const workspace = join(mkdtempSync(join(tmpdir(), prefix)), 'workspace');
  cpSync(join(repo, 'examples', 'workspace'), workspace, { recursive: true });
  // Every sample action decided and recorded, as an agent's session would leave them.
  const actions = readFileSync(join(workspace, 'actions.jsonl'), 'utf8').split('\n').filter(Boolean);
  for (const action of actions) agentPolicy(workspace, ['check', '--audit', '--json', action]);
  // One request that needs a human, left pending for the editor to show.
  const pending = agentPolicy(workspace, ['approvals', 'request', '--json', '{"action":"filesystem.write","path":"Dockerfile"}', '--timeout', '8h']);
  if (!/Approval requested/.test(pending.stdout)) throw new Error(`could not queue the demo approval: ${pending.stdout}${pending.stderr}`);
  return workspace;
}
