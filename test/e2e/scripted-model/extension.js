// A scripted language model for VS Code's built-in agent, offline: each request answers with the
// next tool call of the script in `agent-script.json` (workspace root), then with text. When that
// file exists, it also runs the scripted agent request itself once the workbench is up and writes
// what happened to `agent-result.json`: the chat result, the tool results the model received, and
// every file-system event in the workspace while the request ran.
const vscode = require('vscode');
const fs = require('node:fs');
const path = require('node:path');

const VENDOR = 'agent-policy-test';
let script = [];
const received = [];

function toolResultsIn(messages) {
  const out = [];
  for (const message of messages) {
    for (const part of message.content ?? []) {
      if (part instanceof vscode.LanguageModelToolResultPart) {
        out.push({ callId: part.callId, text: (part.content ?? []).map((c) => (c && typeof c.value === 'string' ? c.value : '')).join('') });
      }
    }
  }
  return out;
}

function activate(context) {
  context.subscriptions.push(
    vscode.lm.registerLanguageModelChatProvider(VENDOR, {
      async provideLanguageModelChatInformation() {
        return [
          {
            id: 'scripted',
            name: 'Scripted',
            family: 'scripted',
            version: '1',
            maxInputTokens: 100000,
            maxOutputTokens: 4000,
            capabilities: { toolCalling: true, imageInput: false },
          },
        ];
      },
      async provideLanguageModelChatResponse(_model, messages, options, progress) {
        const results = toolResultsIn(messages);
        for (const r of results) if (!received.some((x) => x.callId === r.callId)) received.push(r);
        const step = results.length;
        if ((options.tools ?? []).length > 0 && step < script.length) {
          const call = script[step];
          progress.report(new vscode.LanguageModelToolCallPart(`call_${step}_${Date.now()}`, call.tool, call.input));
        } else {
          progress.report(new vscode.LanguageModelTextPart('Done.'));
        }
      },
      async provideTokenCount() {
        return 1;
      },
    }),
  );
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const scriptFile = folder && path.join(folder, 'agent-script.json');
  if (scriptFile && fs.existsSync(scriptFile)) void runAll(folder, JSON.parse(fs.readFileSync(scriptFile, 'utf8')));
}

/** The first request, then any later ones a test asks for by writing `agent-script-<n>.json` (answered in `agent-result-<n>.json`). */
async function runAll(folder, first) {
  await run(folder, first, 'agent-result.json');
  for (let n = 2; ; n++) {
    const next = path.join(folder, `agent-script-${n}.json`);
    await waitFor(next, () => fs.existsSync(next), 30 * 60 * 1000);
    received.length = 0;
    await vscode.commands.executeCommand('workbench.action.chat.newChat');
    await run(folder, JSON.parse(fs.readFileSync(next, 'utf8')), `agent-result-${n}.json`);
  }
}

async function waitFor(what, test, ms = 120000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await test()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function run(folder, spec, resultName) {
  const resultFile = path.join(folder, resultName);
  const events = [];
  let watcher;
  try {
    script = spec.calls;
    await vscode.commands.executeCommand('workbench.action.chat.manage');
    await waitFor('the built-in chat', () => vscode.extensions.getExtension('GitHub.copilot-chat')?.isActive === true);
    await waitFor('the scripted model', async () => (await vscode.lm.selectChatModels({ vendor: VENDOR })).length > 0);
    if (spec.waitForFile) await waitFor(spec.waitForFile, () => fs.existsSync(path.join(folder, spec.waitForFile)));
    // Started before the request: a file the hook stopped never shows up here.
    watcher = fs.watch(folder, { recursive: true }, (type, name) => events.push({ type, name: String(name) }));
    const result = await vscode.commands.executeCommand('workbench.action.chat.open', {
      query: spec.query ?? 'Do the scripted work.',
      mode: 'agent',
      blockOnResponse: true,
      modelSelector: { vendor: VENDOR, id: 'scripted' },
    });
    fs.writeFileSync(
      resultFile,
      JSON.stringify(
        { ok: true, result: result ?? null, received, events: events.filter((e) => !/^\.agent-policy|agent-(result|script)/.test(e.name)) },
        null,
        2,
      ),
    );
  } catch (error) {
    fs.writeFileSync(resultFile, JSON.stringify({ ok: false, error: String(error && error.stack ? error.stack : error), received, events }, null, 2));
  } finally {
    watcher?.close();
  }
}

module.exports = { activate };
