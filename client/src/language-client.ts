import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { EXPLAIN_METHOD, type ExplainParams, type ExplainResult } from '#protocol/language-server';

/** The language server for policy files: one client, restartable by command. */
export class PolicyLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly serverModule: string) {}

  /** Starts the server; requests made meanwhile wait for it (activation does not). */
  start(): Promise<void> {
    this.starting = this.startClient();
    return this.starting;
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

  /** What the policy as the editor has it (unsaved edits included) decides for an action. */
  async explain(params: ExplainParams): Promise<ExplainResult | undefined> {
    await this.starting?.catch(() => undefined);
    return this.client?.sendRequest<ExplainResult>(EXPLAIN_METHOD, params);
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
