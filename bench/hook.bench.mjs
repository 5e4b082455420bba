// The latency an agent runtime pays per tool call for `agent-policy hook <runtime>` (a real
// process per call, as runtimes run it), beside the same-run baselines: starting Node alone, and
// loading the CLI bundle without deciding anything. Run: npm run bench
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'server', 'out', 'cli.js');
const root = join(mkdtempSync(join(tmpdir(), 'ap-hook-bench-')), 'workspace');
cpSync(join(repo, 'examples', 'workspace'), root, { recursive: true });
const N = 15;

function time(args, input) {
  const samples = [];
  for (let i = 0; i < N; i++) {
    const start = performance.now();
    const r = spawnSync(process.execPath, args, { input, encoding: 'utf8', cwd: root });
    samples.push(performance.now() - start);
    if (r.status === null) throw new Error(`${args.join(' ')} was killed`);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(N / 2)], p90: samples[Math.floor(N * 0.9)] };
}

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
const vscodePayload = (tool, input) => JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 'bench', tool_name: tool, tool_input: input, tool_use_id: 'b', cwd: root });
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
const rows = [
  ...pluginRows,
  ['hook claude-code: Bash rm -rf (deny)', time([cli, 'hook', 'claude-code'], payload('Bash', { command: 'rm -rf build' }))],
  ['hook claude-code: Edit src file (allow)', time([cli, 'hook', 'claude-code'], payload('Edit', { file_path: join(root, 'src/utils/logger.ts') }))],
  ['baseline: node -e 0', time(['-e', '0'])],
  ['baseline: load the CLI bundle (--help)', time([cli, '--help'])],
];
console.log(`\nagent-policy hook, one process per call (${N} calls each), ms`);
for (const [name, s] of rows) console.log(`  ${name.padEnd(56)} median ${s.median.toFixed(0).padStart(5)}  p90 ${s.p90.toFixed(0).padStart(5)}`);
rmSync(dirname(root), { recursive: true, force: true });
