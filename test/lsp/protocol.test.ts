import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, FoldingRange, Hover, MarkupContent } from 'vscode-languageserver/node';
import { explainRequest } from '#protocol/language-server';
import { lspRequest } from '../../server/src/lsp/typed-requests';
import { startLanguageServer, workspaceFolder, type LspClient } from './lsp-harness';

const ROOT = `version: "2.1"
permissions:
  filesystem:
    allow:
      - "src/**"
      - "src/**"
    deny:
      - "backend/secrets/**"
`;
const OVERRIDE = `permissions:
  filesystem:
    allow:
      - "backend/secrets/test-fixtures/**"
`;

const codes = (d: Diagnostic[] | undefined): string[] => (d ?? []).map((x) => String(x.code)).sort();

describe('language server over LSP (real server, in-memory connection, real files)', () => {
  let ws: ReturnType<typeof workspaceFolder>;
  let client: LspClient;
  let rootUri: string;
  let overrideUri: string;

  before(async () => {
    ws = workspaceFolder({
      '.agent-policy.yml': ROOT,
      'backend/.agent-policy.override.yml': OVERRIDE,
      'src/index.ts': '',
      'src/lib/a.ts': '',
      'backend/main.go': '',
    });
    rootUri = ws.uri('.agent-policy.yml');
    overrideUri = ws.uri('backend/.agent-policy.override.yml');
    client = await startLanguageServer(ws.root);
  });
  after(() => {
    client.dispose();
    ws.dispose();
  });

  it('publishes diagnostics for files on disk, with the cross-file conflict in both and related information', async () => {
    // The first publication is enforcement's (no conflict analysis); the full one follows.
    const inOverride = await client.diagnostics(overrideUri, (d) => codes(d).includes('AP2002'));
    const inRoot = await client.diagnostics(rootUri, (d) => codes(d).includes('AP2002'));
    assert.deepEqual(codes(inOverride), ['AP2002']);
    assert.deepEqual(codes(inRoot), ['AP2002', 'AP2005']);
    const conflict = inOverride[0] as Diagnostic;
    assert.equal(conflict.relatedInformation?.[0]?.location.uri, rootUri);
    assert.deepEqual(conflict.relatedInformation?.[0]?.location.range.start, { line: 7, character: 8 });
    assert.equal(conflict.codeDescription?.href, 'https://agent-policy.dev/rules/AP2002');
    assert.deepEqual(conflict.range, { start: { line: 3, character: 8 }, end: { line: 3, character: 42 } });
    // The message names the other file by its repository path: the server's identifiers are file URIs.
    assert.match(conflict.message, /\(\.agent-policy\.yml:8:9\)/);
    for (const d of [...inOverride, ...inRoot]) assert.doesNotMatch(d.message, /file:\/\//, d.message);
  });

  it('re-checks every override when the root is edited (incremental changes)', async () => {
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: rootUri, languageId: 'agent-policy', version: 1, text: ROOT } });
    // Delete the deny list (lines 6 and 7) with an incremental change.
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: rootUri, version: 2 },
      contentChanges: [{ range: { start: { line: 6, character: 0 }, end: { line: 8, character: 0 } }, text: '' }],
    });
    const cleared = await client.diagnostics(overrideUri, (d) => d.length === 0);
    assert.deepEqual(cleared, []);
    assert.deepEqual(codes(await client.diagnostics(rootUri, (d) => !codes(d).includes('AP2002'))), ['AP2005']);
    // Break the version: the error sits on the value.
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: rootUri, version: 3 },
      contentChanges: [{ range: { start: { line: 0, character: 9 }, end: { line: 0, character: 14 } }, text: '"7.0"' }],
    });
    const broken = await client.diagnostics(rootUri, (d) => codes(d).includes('AP2001'));
    assert.deepEqual(broken.find((d) => d.code === 'AP2001')?.range, { start: { line: 0, character: 9 }, end: { line: 0, character: 14 } });
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: rootUri, version: 4 }, contentChanges: [{ text: ROOT }] });
    await client.diagnostics(overrideUri, (d) => codes(d).includes('AP2002'));
  });

  it('answers completion, hover, code actions, symbols and folding', async () => {
    const completion = await client.connection.sendRequest<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri: rootUri },
      position: { line: 4, character: 13 },
    });
    assert.deepEqual(
      completion.map((c) => c.label),
      ['src/lib/**', 'src/index.ts'],
    );
    assert.deepEqual(completion[0]?.textEdit && 'range' in completion[0].textEdit ? completion[0].textEdit.range : undefined, {
      start: { line: 4, character: 8 },
      end: { line: 4, character: 16 },
    });

    const hover = await client.connection.sendRequest<Hover>('textDocument/hover', { textDocument: { uri: rootUri }, position: { line: 4, character: 10 } });
    assert.match((hover.contents as MarkupContent).value, /Matches 2 of 5 workspace files/);

    const diagnostics = await client.diagnostics(rootUri);
    const duplicate = diagnostics.find((d) => d.code === 'AP2005') as Diagnostic;
    const actions = await client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: rootUri },
      range: duplicate.range,
      context: { diagnostics: [duplicate] },
    });
    assert.equal(actions[0]?.title, 'Remove the duplicate');
    assert.deepEqual(actions[0]?.edit?.changes?.[rootUri], [{ range: { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } }, newText: '' }]);

    const conflict = diagnostics.find((d) => d.code === 'AP2002') as Diagnostic;
    const moves = await client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: rootUri },
      range: conflict.range,
      context: { diagnostics: [conflict] },
    });
    assert.deepEqual(Object.keys(moves[0]?.edit?.changes ?? {}).sort(), [overrideUri, rootUri].sort(), 'the exception edits both files');

    const symbols = await client.connection.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: rootUri } });
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['version', 'permissions'],
    );
    const folds = await client.connection.sendRequest<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: rootUri } });
    assert.deepEqual(
      folds.map((f) => [f.startLine, f.endLine]),
      [
        [1, 7],
        [2, 7],
        [3, 5],
        [6, 7],
      ],
    );
  });

  it('agentPolicy/explain returns the decision and the rules with their ranges', async () => {
    const result = await client.connection.sendRequest(lspRequest(explainRequest), { path: 'backend/secrets/test-fixtures/a.json' });
    assert.equal(result.decision, 'deny');
    assert.equal(result.rules[0]?.file, rootUri);
    assert.deepEqual(result.rules[0]?.range, { start: { line: 7, character: 8 }, end: { line: 7, character: 28 } });
    const allowed = await client.connection.sendRequest(lspRequest(explainRequest), { path: 'src/index.ts', operation: 'read' });
    assert.equal(allowed.decision, 'allow');
    assert.deepEqual(allowed.action, { action: 'filesystem.read', path: 'src/index.ts' });
  });

  it('goes back to the disk version when an edited document is closed unsaved', async () => {
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: rootUri, version: 5 },
      contentChanges: [{ text: 'version: "2.1"\n' }],
    });
    await client.diagnostics(overrideUri, (d) => d.length === 0);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: rootUri } });
    assert.deepEqual(codes(await client.diagnostics(overrideUri, (d) => d.length > 0)), ['AP2002']);
  });
});

describe('URI spellings', () => {
  it('treats a differently percent-encoded URI of a file as that file, not as a second policy', async () => {
    const folder = workspaceFolder({
      '.agent-policy.yml': 'version: "2.1"\n',
      'web/.agent-policy.override.yml': 'permissions:\n  filesystem:\n    allow: ["web/**"]\n',
    });
    const client = await startLanguageServer(folder.root);
    try {
      const canonical = folder.uri('web/.agent-policy.override.yml');
      await client.diagnostics(canonical);
      const encoded = canonical.replace('/.agent-policy', '/%2Eagent-policy');
      assert.notEqual(encoded, canonical);
      await client.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: encoded, languageId: 'agent-policy', version: 1, text: 'permissions:\n  filesystem:\n    allow: ["web/**", "web/**"]\n' },
      });
      assert.deepEqual(codes(await client.diagnostics(canonical, (d) => d.length > 0)), ['AP2005'], 'the edit replaced the file instead of adding one');
    } finally {
      client.dispose();
      folder.dispose();
    }
  });
});

describe('the bundled language server process', () => {
  it('starts over stdio, publishes diagnostics, and links them to the bundled rule documentation', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const { fileURLToPath, pathToFileURL } = await import('node:url');
    const { createMessageConnection, StreamMessageReader, StreamMessageWriter, PublishDiagnosticsNotification } = await import('vscode-languageserver/node');
    const folder = workspaceFolder({ '.agent-policy.yml': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**", "src/**"]\n' });
    const child = spawn(process.execPath, ['server/out/server.js', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    try {
      // The first publication is enforcement's; the shadowed pattern (AP2005) comes with the full analysis after it.
      const published = new Promise<Diagnostic[]>((resolve) =>
        connection.onNotification(PublishDiagnosticsNotification.type, (p) => p.diagnostics.length > 0 && resolve(p.diagnostics)),
      );
      connection.listen();
      const rootUri = pathToFileURL(folder.root).href;
      await connection.sendRequest('initialize', { processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'ws' }], capabilities: {} });
      await connection.sendNotification('initialized', {});
      const diagnostics = await published;
      assert.deepEqual(codes(diagnostics), ['AP2005']);
      const href = diagnostics[0]?.codeDescription?.href ?? '';
      // At the code's own section: #L<line> opens the document at that line (an anchor would open it at line 1).
      const line = /docs\/rules\.md#L(\d+)$/.exec(href)?.[1];
      assert.ok(line, href);
      const doc = fileURLToPath(href.split('#')[0] as string);
      assert.ok(existsSync(doc), href);
      const { readFileSync } = await import('node:fs');
      assert.match(readFileSync(doc, 'utf8').split('\n')[Number(line) - 1] ?? '', /^## AP2005\b/);
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      child.kill();
      folder.dispose();
    }
  });
});
