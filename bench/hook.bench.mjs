// The latency an agent runtime pays per tool call for `agent-policy hook <runtime>` (a real
// process per call, as runtimes run it), beside the same-run baselines: starting Node alone, and
// loading the CLI bundle without deciding anything. Run: npm run bench
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'server', 'out', 'cli.js');
const root = join(mkdtempSync(join(tmpdir(), 'ap-hook-bench-')), 'workspace');
cpSync(join(repo, 'examples', 'workspace'), root, { recursive: true });
const N = 15;
// Every process here seals its audit log in a folder of this run, not the user's ~/.local/state.
const sealHome = mkdtempSync(join(tmpdir(), 'ap-hook-bench-seal-'));
process.env.AGENT_POLICY_SEAL_HOME = sealHome;

const payload = (tool, input) => JSON.stringify({ session_id: 'bench', cwd: root, hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input });

// VS Code's built-in agent runs the plugin's script (agent-plugin/hooks/hooks.json) in a shell.
const pluginScript = join(repo, 'agent-plugin', 'hooks', 'pre-tool-use.sh');
function timePlugin(input, env, cwd = root) {
  const samples = [];
  for (let i = 0; i < N; i++) {
    const start = performance.now();
    const r = spawnSync('/bin/sh', [pluginScript, '600'], { input, encoding: 'utf8', cwd, env });
    samples.push(performance.now() - start);
    if (r.status !== 0) throw new Error(`the plugin hook exited ${r.status}: ${r.stderr}`);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(N / 2)], p90: samples[Math.floor(N * 0.9)] };
}
const vscodePayload = (tool, input) =>
  JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 'bench', tool_name: tool, tool_input: input, tool_use_id: 'b', cwd: root });
const noExtension = { ...process.env, AGENT_POLICY_EDITOR_NODE: process.execPath };
delete noExtension.AGENT_POLICY_HOOK_SERVICE;
const resident = spawn(process.execPath, [join(repo, 'bench', 'out', 'vscode-hook-service.js'), root], { stdio: ['ignore', 'pipe', 'inherit'] });
const infoFile = await new Promise((resolve) => resident.stdout.once('data', (c) => resolve(String(c).trim())));
const withExtension = { ...noExtension, AGENT_POLICY_HOOK_SERVICE: infoFile };
const rm = vscodePayload('run_in_terminal', { command: 'rm -rf build', isBackground: false });
const edit = vscodePayload('replace_string_in_file', { filePath: join(root, 'src/utils/logger.ts'), oldString: 'a', newString: 'b' });
const pluginRows = [
  ['VS Code plugin hook, extension answering: rm (deny)', timePlugin(rm, withExtension)],
  ['VS Code plugin hook, extension answering: edit (allow)', timePlugin(edit, withExtension)],
  ['VS Code plugin hook, no extension (CLI): rm (deny)', timePlugin(rm, noExtension)],
  ['VS Code plugin hook, no policy in the folder (pass)', timePlugin(rm, noExtension, mkdtempSync(join(tmpdir(), 'ap-ungoverned-')))],
];
resident.kill();
// The runtimes' hook with the resident decider: `serve` started on a private seal folder, then the
// clients `init` installs (native where it was built, Node), interleaved call by call with the
// same call decided in-process and with the baselines, so the machine's noise hits them all alike.
const deciderEnv = { ...process.env };
delete deciderEnv.AGENT_POLICY_DECIDER;
const decider = spawn(process.execPath, ['--liftoff-only', cli, 'serve', '--idle', '5m'], { env: deciderEnv, stdio: 'ignore' });
const tokenFile = join(sealHome, '.agent-policy-seal', 'decider.token');
for (let i = 0; i < 400 && !existsSync(tokenFile); i++) await new Promise((r) => setTimeout(r, 25));
if (!existsSync(tokenFile)) throw new Error('the decider did not start');
const native = join(repo, 'server', 'out', 'agent-policy-hook');
const hookArgs = (client) => [...client, 'hook', 'claude-code', '--root', root, '--timeout', '30'];
const denyRm = payload('Bash', { command: 'rm -rf build' });
const allowEdit = payload('Edit', { file_path: join(root, 'src/utils/logger.ts') });
const offEnv = { ...deciderEnv, AGENT_POLICY_DECIDER: 'off' };
const cases = [
  ...(existsSync(native)
    ? [
        ['decider, native client: Bash rm -rf (deny)', native, hookArgs([process.execPath]), denyRm, deciderEnv, 'deny'],
        ['decider, native client: Edit src file (allow)', native, hookArgs([process.execPath]), allowEdit, deciderEnv, 'allow'],
      ]
    : []),
  [
    'decider, Node client: Edit src file (allow)',
    process.execPath,
    hookArgs(['--liftoff-only', join(repo, 'server', 'out', 'hook.js')]),
    allowEdit,
    deciderEnv,
    'allow',
  ],
  ['in-process (no decider): Bash rm -rf (deny)', process.execPath, ['--liftoff-only', cli, ...hookArgs([]).slice(0)], denyRm, offEnv, 'deny'],
  ['in-process (no decider): Edit src file (allow)', process.execPath, ['--liftoff-only', cli, ...hookArgs([])], allowEdit, offEnv, 'allow'],
  ['baseline: node -e 0', process.execPath, ['-e', '0'], '', process.env, undefined],
  ['baseline: /bin/true', '/bin/true', [], '', process.env, undefined],
];
const samples = cases.map(() => []);
const ROUNDS = 21;
for (let round = 0; round < ROUNDS; round++) {
  cases.forEach(([name, bin, args, input, env, expect], i) => {
    const start = performance.now();
    const r = spawnSync(bin, args, { input, encoding: 'utf8', cwd: root, env });
    samples[i].push(performance.now() - start);
    if (expect && !r.stdout.includes(`"permissionDecision":"${expect}"`)) throw new Error(`${name}: ${r.stdout}${r.stderr}`);
  });
}
decider.kill();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stats = cases.map(([name], i) => [name, { median: median(samples[i]), p90: [...samples[i]].sort((a, b) => a - b)[Math.floor(ROUNDS * 0.9)] }]);
const rows = stats;
const nodeStart = median(samples[cases.findIndex(([n]) => n === 'baseline: node -e 0')]);
console.log(`\nagent-policy hook, one process per call (plugin rows: ${N} calls each; runtime rows: ${ROUNDS} interleaved rounds), ms`);
for (const [name, s] of [...pluginRows, ...rows])
  console.log(`  ${name.padEnd(56)} median ${s.median.toFixed(1).padStart(6)}  p90 ${s.p90.toFixed(1).padStart(6)}`);
console.log('\ntargets (issue 17)');
for (const [name, s] of stats) {
  if (name.startsWith('decider, Node client')) {
    console.log(
      `  (info) ${name}: ${s.median.toFixed(1)} ms: the client where no C compiler built the native one; Node's own start (${nodeStart.toFixed(1)} ms) is its floor`,
    );
  } else if (name.startsWith('decider')) {
    const ok = s.median <= 15 && s.median <= 0.25 * nodeStart;
    console.log(
      `  ${ok ? 'met   ' : 'MISSED'} ${name}: ${s.median.toFixed(1)} ms = ${(s.median / nodeStart).toFixed(2)}× node -e 0 (target ≤ 15 ms and ≤ 0.25×)`,
    );
  } else if (name.startsWith('in-process')) {
    console.log(`  ${s.median <= 150 ? 'met   ' : 'MISSED'} ${name}: ${s.median.toFixed(0)} ms on Node ${process.versions.node} (target ≤ 150 ms)`);
  }
}
rmSync(dirname(root), { recursive: true, force: true });
rmSync(sealHome, { recursive: true, force: true });
