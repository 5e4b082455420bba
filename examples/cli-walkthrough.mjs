// The README's first command: lint the bundled example workspace, then decide its sample actions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// The gate's side: decisions recorded in a hash-chained audit log, an emergency bypass, a verify.
const state = mkdtempSync(join(tmpdir(), 'agent-policy-example-'));
// The log's seal (its signing keys and expected head) lives outside the workspace; the example keeps its own.
const env = { ...process.env, AGENT_POLICY_SEAL_HOME: mkdtempSync(join(tmpdir(), 'agent-policy-example-seal-')) };
const cmd = (args) => {
  console.log(`\n$ agent-policy ${args.map((a) => (/[\s{"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  return spawnSync(process.execPath, [cli, ...args, '--root', root, '--state', state], { stdio: 'inherit', env }).status;
};
const locked = '{"action":"filesystem.write","path":"backend/auth/config.yml"}';
cmd(['check', '--audit', '--json', locked]);
// A bypass needs its approver's passphrase typed at a terminal (agent-policy approver enroll sets
// it): here there is no terminal or nobody enrolled, so it is refused and the refusal audited.
cmd([
  'bypass',
  '--reason',
  'P0 incident: fix auth service crash',
  '--allow',
  'backend/auth/config.yml',
  '--duration',
  '30m',
  '--approver',
  'alice@example.com',
]);
cmd(['check', '--audit', '--json', locked]);
cmd(['audit', 'query']);
const verified = cmd(['audit', 'verify']);
process.exitCode = run.status ?? verified ?? 1;
