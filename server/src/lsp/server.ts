import {
  CodeActionKind,
  DiagnosticSeverity,
  DiagnosticTag,
  DocumentSymbol,
  FileChangeType,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CodeAction,
  type CompletionItem,
  type Connection,
  type Diagnostic,
  type InitializeResult,
  type TextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeDocUrl, type FileSystemView, type Finding, type PolicySource, type ShellParser } from '#core';
import { codeActions } from '#service/code-actions';
import { complete, type CompletionEntry } from '#service/completion';
import { explain } from '#service/explain';
import { hover } from '#service/hover';
import { documentSymbols, foldingRanges, type OutlineSymbol } from '#service/outline';
import { PolicyWorkspace, type WorkspaceFiles } from '#service/policy-workspace';
import { parseLenient } from '#service/yaml-position';
import { canonicalUri, fileUri, policyDir, rootOf } from './policy-uris';
import { Positions } from './positions';
import { explainRequest, type ExplainResult } from '#protocol/language-server';
import { lspRequest } from './typed-requests';

/** What the server needs from its process: everything that touches the disk or loads WebAssembly. */
export interface ServerHost {
  loadShell(): Promise<ShellParser>;
  caseInsensitive: boolean;
  /** The policy files on disk, with repository-relative `uri`s. */
  readPolicySources(root: string): PolicySource[];
  /** The text of one file on disk, or undefined when it does not exist. */
  readFile(uri: string): string | undefined;
  listing(root: string): WorkspaceFiles & { invalidate(): void };
  fileSystem: FileSystemView;
  /** The URL of the bundled rule documentation (docs/rules.md), which diagnostics link to. */
  rulesDoc?: string;
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;
const UNNECESSARY = new Set(['AP2005', 'AP2006', 'AP2007']);

/**
 * The language server: LSP in, language service out. Every request is answered from one
 * PolicyWorkspace holding the root policy and every override (open documents as edited, the
 * others as on disk), so a change to any file re-checks the whole set and cross-file findings
 * appear in both files.
 */
export function startServer(connection: Connection, host: ServerHost): void {
  const documents = new TextDocuments(TextDocument);
  let workspace: PolicyWorkspace | undefined;
  let listing: (WorkspaceFiles & { invalidate(): void }) | undefined;
  let rootUri: string | undefined;
  let ready: Promise<void> | undefined;
  const published = new Map<string, string>();
  // Files edited since the last publication: they always get fresh diagnostics (with their version).
  const dirty = new Set<string>();
  let scheduled = false;

  const openVersion = (uri: string): number | undefined => documents.all().find((d) => canonicalUri(d.uri) === uri)?.version;
  const positions = (uri: string): Positions => new Positions(workspace?.text(uri) ?? documents.get(uri)?.getText() ?? '');

  // The first publication after start is what enforcement sees (no automata: fast on a large
  // policy); the full analysis (conflicts, shadows) follows at once and replaces it.
  let firstPublished = false;
  const publish = (): void => {
    scheduled = false;
    if (!workspace) return;
    const quick = !firstPublished && !workspace.analysed();
    firstPublished = true;
    const analysis = quick ? workspace.quickAnalysis() : workspace.analysis();
    const sent: Promise<void>[] = [];
    const seen = new Set<string>();
    for (const [uri, findings] of analysis.findings) {
      seen.add(uri);
      const at = positions(uri);
      const diagnostics = findings.map((f) => toDiagnostic(f, at, positions, host.rulesDoc));
      const key = JSON.stringify(diagnostics);
      if (published.get(uri) === key && !dirty.has(uri)) continue;
      published.set(uri, key);
      const version = openVersion(uri);
      sent.push(connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics }));
    }
    dirty.clear();
    for (const uri of [...published.keys()]) {
      if (seen.has(uri)) continue;
      published.delete(uri);
      sent.push(connection.sendDiagnostics({ uri, diagnostics: [] }));
    }
    // The full analysis once the first diagnostics are out (it holds the event loop while it runs).
    if (quick) void Promise.allSettled(sent).then(() => setTimeout(schedule, 0));
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(publish);
  };

  const track = (clientUri: string, text: string): void => {
    const uri = canonicalUri(clientUri);
    const dir = workspace && rootUri ? policyDir(rootOf(rootUri), uri) : undefined;
    if (workspace && dir !== undefined) {
      workspace.set({ uri, dir, text });
      dirty.add(uri);
    }
  };

  connection.onInitialize((params): InitializeResult => {
    rootUri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    ready = (async () => {
      if (!rootUri) return;
      const root = rootOf(rootUri);
      listing = host.listing(root);
      workspace = new PolicyWorkspace({ root, caseInsensitive: host.caseInsensitive, shell: await host.loadShell(), files: listing, fs: host.fileSystem });
      for (const source of host.readPolicySources(root)) workspace.set({ ...source, uri: fileUri(root, source.uri) });
      for (const document of documents.all()) track(document.uri, document.getText());
      schedule();
    })();
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['/', '"', "'", ':', ' '] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
      },
      serverInfo: { name: 'agent-policy' },
    };
  });

  const whenReady = async (): Promise<PolicyWorkspace | undefined> => {
    await ready;
    return workspace;
  };

  documents.onDidChangeContent((event) => {
    track(event.document.uri, event.document.getText());
    schedule();
  });
  documents.onDidClose((event) => {
    // The file is again what is on disk (or gone).
    const text = host.readFile(event.document.uri);
    if (text === undefined) workspace?.delete(canonicalUri(event.document.uri));
    else track(event.document.uri, text);
    schedule();
  });
  connection.onDidChangeWatchedFiles((params) => {
    listing?.invalidate();
    for (const change of params.changes) {
      if (documents.all().some((d) => canonicalUri(d.uri) === canonicalUri(change.uri)) || !rootUri || policyDir(rootOf(rootUri), change.uri) === undefined)
        continue;
      if (change.type === FileChangeType.Deleted) workspace?.delete(canonicalUri(change.uri));
      else {
        const text = host.readFile(change.uri);
        if (text !== undefined) track(change.uri, text);
      }
    }
    schedule();
  });

  connection.onCompletion(async (params) => {
    const ws = await whenReady();
    const uri = canonicalUri(params.textDocument.uri);
    if (!ws?.has(uri)) return [];
    const at = positions(uri);
    return complete(ws, uri, at.offset(params.position)).map((e) => toCompletionItem(e, at));
  });

  connection.onHover(async (params) => {
    const ws = await whenReady();
    const uri = canonicalUri(params.textDocument.uri);
    if (!ws?.has(uri)) return null;
    const at = positions(uri);
    const result = hover(ws, uri, at.offset(params.position));
    return result ? { contents: { kind: MarkupKind.Markdown, value: result.markdown }, range: at.range(result.offset, result.length) } : null;
  });

  connection.onCodeAction(async (params) => {
    const ws = await whenReady();
    const uri = canonicalUri(params.textDocument.uri);
    if (!ws?.has(uri)) return [];
    const at = positions(uri);
    const start = at.offset(params.range.start);
    return codeActions(ws, uri, start, at.offset(params.range.end) - start).map((action): CodeAction => {
      const changes: Record<string, TextEdit[]> = {};
      for (const edit of action.edits) (changes[edit.uri] ??= []).push({ range: positions(edit.uri).range(edit.offset, edit.length), newText: edit.newText });
      return {
        title: action.title,
        kind: action.kind === 'quickfix' ? CodeActionKind.QuickFix : CodeActionKind.RefactorRewrite,
        diagnostics: [toDiagnostic(action.finding, at, positions, host.rulesDoc)],
        isPreferred: action.preferred ?? false,
        edit: { changes },
      };
    });
  });

  connection.onDocumentSymbol((params) => {
    const text = documents.get(params.textDocument.uri)?.getText();
    if (text === undefined) return [];
    const at = new Positions(text);
    return documentSymbols(parseLenient(text)).map((s) => toSymbol(s, at));
  });

  connection.onFoldingRanges((params) => {
    const text = documents.get(params.textDocument.uri)?.getText();
    if (text === undefined) return [];
    const at = new Positions(text);
    return foldingRanges(parseLenient(text), text).map((r) => ({ startLine: at.position(r.startOffset).line, endLine: at.position(r.endOffset).line }));
  });

  connection.onRequest(lspRequest(explainRequest), async (params): Promise<ExplainResult> => {
    const ws = await whenReady();
    if (!ws)
      return {
        action: {},
        decision: 'deny',
        allowed: false,
        requires_approval: false,
        reason: 'no workspace folder is open, so there is no policy to decide by',
        rules: [],
      };
    const result = explain(ws, params ?? {});
    return {
      ...result,
      rules: result.rules.map((r) => {
        const { offset, length, ...rule } = r;
        return offset === undefined || length === undefined ? rule : { ...rule, range: positions(r.file).range(offset, length) };
      }),
    };
  });

  documents.listen(connection);
  connection.listen();
}

function toDiagnostic(f: Finding, at: Positions, positionsOf: (uri: string) => Positions, rulesDoc: string | undefined): Diagnostic {
  const diagnostic: Diagnostic = {
    range: at.range(f.offset, f.length),
    severity: SEVERITY[f.severity],
    code: f.code,
    codeDescription: { href: codeDocUrl(f.code, rulesDoc) },
    source: 'agent-policy',
    message: f.message,
  };
  if (UNNECESSARY.has(f.code)) diagnostic.tags = [DiagnosticTag.Unnecessary];
  if (f.related.length) {
    diagnostic.relatedInformation = f.related.map((r) => ({
      location: { uri: r.uri, range: positionsOf(r.uri).range(r.offset, r.length) },
      message: r.message,
    }));
  }
  return diagnostic;
}

const COMPLETION_KIND = {
  key: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  version: CompletionItemKind.EnumMember,
  folder: CompletionItemKind.Folder,
  file: CompletionItemKind.File,
} as const;

function toCompletionItem(e: CompletionEntry, at: Positions): CompletionItem {
  const item: CompletionItem = {
    label: e.label,
    kind: COMPLETION_KIND[e.kind],
    insertTextFormat: InsertTextFormat.PlainText,
    textEdit: { range: at.range(e.replace.offset, e.replace.length), newText: e.insertText },
  };
  if (e.detail) item.detail = e.detail;
  if (e.documentation) item.documentation = { kind: MarkupKind.Markdown, value: e.documentation };
  if (e.sortText) item.sortText = e.sortText;
  return item;
}

const SYMBOL_KIND = { section: SymbolKind.Namespace, list: SymbolKind.Array, entry: SymbolKind.String, setting: SymbolKind.Property } as const;

function toSymbol(s: OutlineSymbol, at: Positions): DocumentSymbol {
  return DocumentSymbol.create(
    s.name || '(empty)',
    s.detail,
    SYMBOL_KIND[s.kind],
    at.range(s.offset, s.length),
    at.range(s.selectionOffset, s.selectionLength),
    s.children.map((c) => toSymbol(c, at)),
  );
}
