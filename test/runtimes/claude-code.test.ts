// Claude Code 2.1.328, the real runtime, headless (`claude -p --output-format stream-json`), against
// the scripted model: the hook `agent-policy init --runtime claude-code` installs decides its tool
// calls. See README.md.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertEndedByItself, deadlines, everydayDecisions, project, run, secondLayer, subfolderStart, type RuntimeSpec } from './scenarios';

const spec: RuntimeSpec = {
  runtime: 'claude-code',
  label: 'Claude Code',
  // Claude Code refuses to overwrite a file it has not read before any hook runs; the scenarios write new files.
  write: (dir, path, content) => ({ tool: 'Write', input: { file_path: join(dir, path), content } }),
  read: (dir, path) => ({ tool: 'Read', input: { file_path: join(dir, path) } }),
  shell: (_dir, command) => ({ tool: 'Bash', input: { command, description: 'scripted' } }),
  modes: ['default', 'most-permissive'],
  modeLabel: { default: 'default permission mode (-p)', 'most-permissive': '--dangerously-skip-permissions' },
  subfolderRunsProjectHook: false,
  strictestTest: 'most-permissive',
  // The hook answers `ask`; Claude Code's -p mode refuses it.
  askEnds: 'ask',
  askToModel: /needs human approval/,
  native: { fileRules: true, toldRm: /Permission to use Bash with command rm -rf secrets\/key\.txt has been denied/ },
};

everydayDecisions(spec);
deadlines(spec);
subfolderStart(spec);
secondLayer(spec);

describe('Claude Code, its own tools', () => {
  // Claude Code 2.1.328's todo list (TaskCreate, TaskList; loaded through ToolSearch), ToolSearch
  // itself, ListAgents and CronList touch no file, command or network: allowed and recorded as inert.
  test('tools with no file, command or network effect are not denied as unknown', async (t) => {
    const p = project(spec, 'tools', t);
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      script: {
        calls: [
          { tool: 'TaskCreate', input: { subject: 'scripted task', description: 'a todo item' } },
          { tool: 'TaskList', input: {} },
          { tool: 'ToolSearch', input: { query: 'select:WebFetch', max_results: 1 } },
          { tool: 'ListAgents', input: {} },
          { tool: 'CronList', input: {} },
        ],
      },
    });
    assertEndedByItself(r, spec.label);
    const unknown = r.audit.filter((e) => e.action === 'unknown');
    assert.deepEqual(
      unknown.map((e) => e.reason),
      [],
      'tools denied as unknown',
    );
  });
});
