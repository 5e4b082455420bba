import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '#core';
import { HOOK_ADAPTERS, readHookCall, type HookAdapterName } from '#core/runtimes';
import { OFFERED_TOOLS } from '../fixtures/tool-catalogues';
import { policy, ROOT as POLICY_ROOT } from '../helpers';

const ROOT = '/work/project';

function payload(runtime: HookAdapterName, tool: string, input: Record<string, unknown>): Record<string, unknown> {
  if (runtime === 'copilot-cli') return { sessionId: 's-1', timestamp: 1, cwd: ROOT, toolName: tool, toolArgs: input };
  return {
    session_id: 's-1',
    transcript_path: '/t.jsonl',
    cwd: ROOT,
    permission_mode: 'bypassPermissions',
    hook_event_name: runtime === 'gemini-cli' ? 'BeforeTool' : 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    tool_use_id: 'tu-1',
  };
}

const actionsOf = (runtime: HookAdapterName, tool: string, input: Record<string, unknown> = {}): unknown => {
  const call = readHookCall(HOOK_ADAPTERS[runtime], payload(runtime, tool, input));
  return call.problem ?? call.actions;
};

describe('tool catalogues: every tool the real runtimes offer is known', () => {
  for (const [runtime, tools] of Object.entries(OFFERED_TOOLS) as [HookAdapterName, readonly string[]][]) {
    it(`${runtime}: none of its ${tools.length} tools is "unknown" (an unknown tool is still denied)`, () => {
      for (const tool of tools) {
        const call = readHookCall(HOOK_ADAPTERS[runtime], payload(runtime, tool, {}));
        assert.ok(!/unknown tool/.test(call.problem ?? ''), `${runtime} ${tool}: ${call.problem}`);
      }
      assert.match(readHookCall(HOOK_ADAPTERS[runtime], payload(runtime, 'FutureTool', {})).problem ?? '', /unknown tool "FutureTool"/);
    });
  }
});

describe('tool catalogues: each tool is the actions it really performs', () => {
  it('Claude Code: Monitor runs its command or opens its WebSocket; deferred tools are decided when called, ToolSearch only loads them', () => {
    assert.deepEqual(actionsOf('claude-code', 'Monitor', { command: 'tail -f log' }), [{ action: 'command.exec', command: 'tail -f log', cwd: ROOT }]);
    assert.deepEqual(actionsOf('claude-code', 'Monitor', { ws: { url: 'wss://example.com/feed' } }), [
      { action: 'network.request', url: 'wss://example.com/feed' },
    ]);
    assert.match(String(actionsOf('claude-code', 'Monitor', {})), /missing the path, command or URL/);
    assert.deepEqual(actionsOf('claude-code', 'ToolSearch', { query: 'select:WebFetch' }), []);
    assert.deepEqual(actionsOf('claude-code', 'WebFetch', { url: 'https://example.com' }), [{ action: 'network.request', url: 'https://example.com' }]);
    assert.deepEqual(actionsOf('claude-code', 'NotebookEdit', { notebook_path: `${ROOT}/n.ipynb` }), [{ action: 'filesystem.write', path: `${ROOT}/n.ipynb` }]);
  });

  it('Claude Code: a durable cron job writes .claude/scheduled_tasks.json; worktrees are the git commands they are; a workflow is allowed by name', () => {
    assert.deepEqual(actionsOf('claude-code', 'CronCreate', { cron: '* * * * *', prompt: 'x' }), []);
    assert.deepEqual(actionsOf('claude-code', 'CronCreate', { cron: '* * * * *', prompt: 'x', durable: true }), [
      { action: 'filesystem.write', path: `${ROOT}/.claude/scheduled_tasks.json` },
    ]);
    assert.deepEqual(actionsOf('claude-code', 'EnterWorktree', { name: 'fix-1' }), [
      { action: 'command.exec', command: 'git worktree add .claude/worktrees/fix-1', cwd: ROOT },
    ]);
    assert.deepEqual(actionsOf('claude-code', 'ExitWorktree', { action: 'remove' }), [{ action: 'command.exec', command: 'git worktree remove', cwd: ROOT }]);
    assert.deepEqual(actionsOf('claude-code', 'ExitWorktree', { action: 'keep' }), []);
    assert.deepEqual(actionsOf('claude-code', 'Workflow', { name: 'review' }), [{ action: 'command.exec', command: 'workflow review', cwd: ROOT }]);
  });

  it('Copilot CLI: grep searches contents and glob names, in the folders given or the working folder; typing into a shell runs it; SQL reaching files is refused', () => {
    assert.deepEqual(actionsOf('copilot-cli', 'grep', { pattern: 'x' }), [{ action: 'filesystem.search', path: ROOT, contents: true }]);
    assert.deepEqual(actionsOf('copilot-cli', 'glob', { pattern: '*.ts', paths: ['src', 'test'] }), [
      { action: 'filesystem.search', path: 'src', contents: false },
      { action: 'filesystem.search', path: 'test', contents: false },
    ]);
    assert.deepEqual(actionsOf('copilot-cli', 'write_bash', { shellId: '1', input: 'rm -rf /' }), [{ action: 'command.exec', command: 'rm -rf /', cwd: ROOT }]);
    assert.deepEqual(actionsOf('copilot-cli', 'sql', { query: "INSERT INTO todos VALUES ('edit the readme')" }), []);
    assert.match(
      String(actionsOf('copilot-cli', 'sql', { query: "ATTACH DATABASE 'secrets/x.db' AS s" })),
      /reaches files outside Copilot's session database \(ATTACH\)/,
    );
  });

  it('Codex: view_image reads its path; Gemini: glob and grep_search without dir_path search the working folder', () => {
    assert.deepEqual(actionsOf('codex', 'view_image', { path: `${ROOT}/a.png` }), [{ action: 'filesystem.read', path: `${ROOT}/a.png` }]);
    assert.deepEqual(actionsOf('gemini-cli', 'glob', { pattern: '**/*.ts' }), [{ action: 'filesystem.search', path: ROOT, contents: false }]);
    assert.deepEqual(actionsOf('gemini-cli', 'grep_search', { pattern: 'TODO', dir_path: 'src' }), [
      { action: 'filesystem.search', path: 'src', contents: true },
    ]);
  });

  it("carries the runtime's session, tool-use id, transcript and permission mode for the audit entry", () => {
    assert.deepEqual(readHookCall(HOOK_ADAPTERS['claude-code'], payload('claude-code', 'Bash', { command: 'ls' })).caller, {
      sessionId: 's-1',
      toolUseId: 'tu-1',
      transcriptPath: '/t.jsonl',
      permissionMode: 'bypassPermissions',
    });
    assert.deepEqual(readHookCall(HOOK_ADAPTERS['copilot-cli'], payload('copilot-cli', 'bash', { command: 'ls' })).caller, { sessionId: 's-1' });
  });
});

describe('filesystem.search: listing and searching folders', async () => {
  const set = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n    deny: ["secrets/**", "**/.env*"]\n' });
  const decide = (path: string, contents: boolean) => evaluate(set, { action: 'filesystem.search', path, contents });

  it('a names-only listing of the root is allowed (it reads no content); a content search there would read secrets/, so it is denied naming the rule', () => {
    assert.match(decide(POLICY_ROOT, false).reason, /lists names in the repository root, reads no file's content/);
    assert.equal(decide(POLICY_ROOT, false).decision, 'allow');
    const search = decide(POLICY_ROOT, true);
    assert.equal(search.decision, 'deny');
    assert.match(search.reason, /would read files denied by "secrets\/\*\*"/);
  });

  it('a content search of a folder with no denied file below is allowed; a root-wide carve-out (**/.env*) does not make every search a denial', () => {
    const r = decide('src', true);
    assert.equal(r.decision, 'allow', r.reason);
    assert.match(r.reason, /no denied file lies in src/);
  });

  it('a denied folder is not even listed, and a folder outside the root is not searched', () => {
    assert.match(decide('secrets', false).reason, /the folder is denied by "secrets\/\*\*"/);
    assert.equal(decide('secrets', false).decision, 'deny');
    assert.match(decide('/etc', false).reason, /outside the repository root/);
  });
});

describe("VS Code's built-in agent: each tool as what it does", () => {
  const ws = ROOT;
  it('edits are writes of every file they touch (a patch: each file in it); the terminal is command.exec in the workspace', () => {
    assert.deepEqual(actionsOf('vscode', 'create_file', { filePath: `${ws}/.env`, content: 'X=1' }), [{ action: 'filesystem.write', path: `${ws}/.env` }]);
    assert.deepEqual(
      actionsOf('vscode', 'multi_replace_string_in_file', {
        replacements: [{ filePath: `${ws}/a.ts` }, { filePath: `${ws}/b.ts` }, { filePath: `${ws}/a.ts` }],
      }),
      [
        { action: 'filesystem.write', path: `${ws}/a.ts` },
        { action: 'filesystem.write', path: `${ws}/b.ts` },
      ],
    );
    assert.deepEqual(actionsOf('vscode', 'apply_patch', { input: '*** Begin Patch\n*** Delete File: secrets/k\n*** Update File: src/a.ts\n*** End Patch' }), [
      { action: 'filesystem.delete', path: 'secrets/k' },
      { action: 'filesystem.write', path: 'src/a.ts' },
    ]);
    assert.deepEqual(actionsOf('vscode', 'run_in_terminal', { command: 'rm -rf secrets', isBackground: false }), [
      { action: 'command.exec', command: 'rm -rf secrets', cwd: ws },
    ]);
    assert.deepEqual(actionsOf('vscode', 'create_and_run_task', { task: { label: 'b', command: 'npm', args: ['run', 'build'] } }), [
      { action: 'command.exec', command: 'npm run build', cwd: ws },
    ]);
  });

  it('a VS Code command and an extension install are allowed only by name, as commands; a rename whose files the language server picks is denied', () => {
    assert.deepEqual(actionsOf('vscode', 'run_vscode_command', { commandId: 'workbench.action.terminal.sendSequence' }), [
      { action: 'command.exec', command: 'vscode-command workbench.action.terminal.sendSequence', cwd: ws },
    ]);
    assert.deepEqual(actionsOf('vscode', 'install_extension', { id: 'evil.pack' }), [
      { action: 'command.exec', command: 'code --install-extension evil.pack', cwd: ws },
    ]);
    assert.match(String(actionsOf('vscode', 'vscode_renameSymbol', { symbol: 'x' })), /a rename edits whatever files the language server finds/);
  });
});
