import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** The language server for policy files: one client, restartable by command. */
export class PolicyLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;

  constructor(private readonly serverModule: string) {}

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
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*') },
    };
    this.client = new LanguageClient('agentPolicy', 'Agent Policy', serverOptions, clientOptions);
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
