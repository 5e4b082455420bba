import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  createConnection,
  createMessageConnection,
  ProposedFeatures,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type MessageConnection,
} from 'vscode-languageserver/node';
import { nodeServerHost } from '../../server/src/lsp/node-host';
import { startServer } from '../../server/src/lsp/server';

/** A real workspace folder on disk, written from `files` (repository-relative path → text). */
export function workspaceFolder(files: Record<string, string>): { root: string; uri: (rel: string) => string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'ap-lsp-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return { root, uri: (rel) => pathToFileURL(join(root, rel)).href, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

const WAIT_MS = 20_000;

export interface LspClient {
  connection: MessageConnection;
  /** Resolves with the next diagnostics published for `uri` that satisfy `accept`. */
  diagnostics(uri: string, accept?: (d: Diagnostic[], version: number | undefined) => boolean): Promise<Diagnostic[]>;
  /** The last diagnostics published for `uri`. */
  latest(uri: string): Diagnostic[] | undefined;
  dispose(): void;
}

/**
 * Starts the real language server in this process, connected to a JSON-RPC client over in-memory
 * streams, and initialises it on `root`.
 */
export async function startLanguageServer(root: string): Promise<LspClient> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(serverConnection, nodeServerHost());
  const connection = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const latest = new Map<string, Diagnostic[]>();
  const versions = new Map<string, number | undefined>();
  const waiters: { uri: string; accept: (d: Diagnostic[], version: number | undefined) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    latest.set(params.uri, params.diagnostics);
    versions.set(params.uri, params.version);
    for (const w of [...waiters]) {
      if (w.uri === params.uri && w.accept(params.diagnostics, params.version)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params.diagnostics);
      }
    }
  });
  connection.listen();
  const rootUri = pathToFileURL(root).href;
  await connection.sendRequest('initialize', { processId: null, rootUri, workspaceFolders: [{ uri: rootUri, name: 'ws' }], capabilities: {} });
  await connection.sendNotification('initialized', {});
  return {
    connection,
    latest: (uri) => latest.get(uri),
    diagnostics: (uri, accept = () => true) => {
      const current = latest.get(uri);
      if (current && accept(current, versions.get(uri))) return Promise.resolve(current);
      return new Promise((resolve, reject) => {
        // A diagnostics wait that never ends fails the test instead of hanging the run.
        const timer = setTimeout(
          () => reject(new Error(`no matching diagnostics for ${uri} within ${WAIT_MS} ms (last: ${JSON.stringify(latest.get(uri))})`)),
          WAIT_MS,
        );
        waiters.push({ uri, accept, resolve: (d) => (clearTimeout(timer), resolve(d)) });
      });
    },
    dispose: () => {
      connection.dispose();
      serverConnection.dispose();
      toServer.destroy();
      toClient.destroy();
    },
  };
}
