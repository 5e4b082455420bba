import type * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { LANGUAGE_CLIENT_ID } from './settings';

/**
 * The language server for policy files: one client, restartable by command. It owns the client
 * (stopped on dispose); the file watcher it forwards is not its own (the extension's WorkspaceFiles
 * owns it), and every restart hands the same watcher to the new client.
 */
export class PolicyLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;

  constructor(
    private readonly serverModule: string,
    private readonly fileEvents: vscode.FileSystemWatcher,
  ) {}

  /** Starts the server (activation does not wait for it). */
  start(): Promise<void> {
    return this.startClient();
  }

  private async startClient(): Promise<void> {
    const serverOptions: ServerOptions = {
      run: { module: this.serverModule, transport: TransportKind.ipc },
      debug: { module: this.serverModule, transport: TransportKind.ipc },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'agent-policy' }],
      // The server re-reads policy files changed on disk and refreshes its workspace listing on any file event.
      // (The client only subscribes to the watcher, and drops its subscriptions when it stops; it never disposes it.)
      synchronize: { fileEvents: this.fileEvents },
    };
    this.client = new LanguageClient(LANGUAGE_CLIENT_ID, 'Agent Policy', serverOptions, clientOptions);
    await this.client.start();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) await client.stop();
  }

  dispose(): void {
    void this.stop();
  }
}
