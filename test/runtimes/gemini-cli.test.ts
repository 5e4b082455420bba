// Gemini CLI 0.61.0, the real runtime, headless (`gemini -p --output-format stream-json`), against
// the scripted model (GOOGLE_GEMINI_BASE_URL): the hook `agent-policy init --runtime gemini-cli`
// installs decides its tool calls. See README.md.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describeAudit, ENV_SECRET, keepObserved, SECRET_KEY } from './harness';
import { assertEndedByItself, assertTold, deadlines, entry, everydayDecisions, project, run, secondLayer, subfolderStart, type RuntimeSpec } from './scenarios';

const spec: RuntimeSpec = {
  runtime: 'gemini-cli',
  label: 'Gemini CLI',
  write: (dir, path, content) => ({ tool: 'write_file', input: { file_path: join(dir, path), content } }),
  read: (dir, path) => ({ tool: 'read_file', input: { file_path: join(dir, path) } }),
  shell: (_dir, command) => ({ tool: 'run_shell_command', input: { command, description: 'scripted' } }),
  // Headless without --yolo, Gemini CLI offers no write or shell tool at all (see the test below).
  modes: ['most-permissive'],
  modeLabel: { default: 'default (-p)', 'most-permissive': '--yolo' },
  // Gemini CLI reads .gemini/settings.json from the folder it starts in only.
  subfolderRunsProjectHook: false,
  strictestTest: 'most-permissive',
  askEnds: 'ask',
  askToModel: /gemini-cli cannot ask you from this hook, and no editor with Agent Policy is running/,
  native: { fileRules: false, toldRm: /Tool execution denied by policy/ },
  dotEnvReadRefusedByRuntime: 'Gemini CLI answers "Path not in workspace" for .env itself',
};

everydayDecisions(spec);
deadlines(spec);
subfolderStart(spec);
secondLayer(spec);

const toolNames = (body: unknown): string[] =>
  ((body as { tools?: { functionDeclarations?: { name: string }[] }[] }).tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((f) => f.name);

describe('Gemini CLI, default headless mode (-p without --yolo)', () => {
  test('only read tools are offered (no write_file, replace, run_shell_command), and those reads still go through the hook', async (t) => {
    const p = project(spec, 'default', t);
    const r = await run(spec, p, 'run', {
      mode: 'default',
      script: {
        calls: [
          { tool: 'write_file', input: { file_path: join(p.dir, 'src/new.ts'), content: 'x\n' } },
          { tool: 'read_file', input: { file_path: join(p.dir, 'secrets/key.txt') } },
          { tool: 'list_directory', input: { dir_path: join(p.dir, 'secrets') } },
          { tool: 'read_file', input: { file_path: join(p.dir, 'src/a.ts') } },
        ],
      },
    });
    keepObserved(p, 'default');
    assertEndedByItself(r, spec.label);
    const offered = toolNames(r.requests.find((q) => q.kind === 'main')?.body);
    for (const name of ['write_file', 'replace', 'run_shell_command']) assert.equal(offered.includes(name), false, `${name} is offered: ${offered.join(', ')}`);
    assertTold(r, /Tool "write_file" not found/, 'the model is told');
    const audit = r.audit;
    const read = entry(audit, (e) => e.path === join(p.dir, 'secrets/key.txt'), 'read_file secrets/key.txt');
    assert.equal(read.decision, 'deny');
    assert.match(read.reason ?? '', /denied by "secrets\/\*\*"/);
    const list = entry(audit, (e) => e.path === join(p.dir, 'secrets'), 'list_directory secrets');
    assert.equal(list.decision, 'deny');
    assert.match(list.reason ?? '', /the folder is denied by "secrets\/\*\*"/);
    assert.equal(entry(audit, (e) => e.path === join(p.dir, 'src/a.ts'), 'read_file src/a.ts').decision, 'allow');
    assert.equal(r.shown.includes(SECRET_KEY), false);
  });

  test("the file names under secrets/ and .env reach the model anyway, with no tool call: Gemini CLI's first prompt lists the workspace's folder structure (no pre-tool hook can stop that)", async (t) => {
    const p = project(spec, 'tree', t);
    const r = await run(spec, p, 'run', { mode: 'default', script: { calls: [] } });
    assertEndedByItself(r, spec.label);
    const first = r.requests.find((q) => q.kind === 'main');
    assert.ok(first);
    assert.match(first.text, /Directory Structure/);
    assert.match(first.text, /secrets\/[^"]*key\.txt/);
    assert.equal(r.audit.length, 0, 'no tool ran');
    assert.equal(r.shown.includes(SECRET_KEY), false, 'file contents are not in the listing');
  });

  test('a project-wide grep_search (no dir_path) is denied because searching the contents of the project root would read files "secrets/**" denies; a names-only glob there is allowed', async (t) => {
    const p = project(spec, 'grep', t);
    const r = await run(spec, p, 'run', {
      mode: 'default',
      script: {
        calls: [
          { tool: 'grep_search', input: { pattern: 'SECRET' } },
          { tool: 'glob', input: { pattern: '**/*.txt' } },
        ],
      },
    });
    keepObserved(p, 'grep');
    assertEndedByItself(r, spec.label);
    const audit = r.audit;
    const grep = entry(
      audit,
      (e) => e.action === 'filesystem.search' && e.path === p.dir && e.decision === 'deny',
      'the denied content search of the project root',
    );
    assert.match(grep.reason ?? '', /searching file contents in the repository root would read files denied by "secrets\/\*\*"/);
    const glob = entry(audit, (e) => e.action === 'filesystem.search' && e.path === p.dir && e.decision === 'allow', 'the names-only glob of the project root');
    assert.match(glob.reason ?? '', /lists names in the repository root, reads no file's content/);
    assert.equal(r.shown.includes(SECRET_KEY), false, `secrets/key.txt reached the model; audit:\n${describeAudit(audit)}`);
    assert.equal(r.shown.includes(ENV_SECRET), false, `.env reached the model; audit:\n${describeAudit(audit)}`);
  });
});

describe('Gemini CLI, its own tools', () => {
  test('tools with no file, command or network effect are not denied as unknown', async (t) => {
    const p = project(spec, 'tools', t);
    const r = await run(spec, p, 'run', {
      mode: 'most-permissive',
      script: {
        calls: [
          { tool: 'update_topic', input: { strategic_intent: 'scripted', title: 'scripted' } },
          { tool: 'enter_plan_mode', input: { reason: 'scripted' } },
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
