import { FileChangeType, TextDocuments, type FileEvent } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileSystemView, PolicySource, ShellParser } from '#core';
import { PolicyWorkspace, type WorkspaceFiles } from '#service/policy-workspace';
import { canonicalUri, fileUri, policyDir, rootOf } from './policy-uris';
import { Positions } from './positions';

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
  /** Where a finding code's documentation is (the bundled docs/rules.md at that code's section), which diagnostics link to. */
  ruleDocUrl?: (code: string) => string;
}

/** A policy file a request is about, in the workspace that holds it. */
export interface PolicyFileAt {
  workspace: PolicyWorkspace;
  uri: string;
  at: Positions;
}

/**
 * One language-server session: the open documents and the PolicyWorkspace (the root policy and
 * every override: open documents as edited, the others as on disk). The session owns both; the
 * workspace mirrors every open policy document, so text is read in one place (`text`).
 */
export class PolicySession {
  readonly documents = new TextDocuments(TextDocument);
  private workspace: PolicyWorkspace | undefined;
  private listing: (WorkspaceFiles & { invalidate(): void }) | undefined;
  private root: string | undefined;
  private ready: Promise<void> | undefined;

  /** `edited` hears of every policy file whose text the session took in (its diagnostics are owed). */
  constructor(
    private readonly host: ServerHost,
    private readonly edited: (uri: string) => void,
  ) {}

  /** Loads the workspace of the first folder (or the root URI); requests wait for it. */
  initialize(rootUri: string | undefined, loaded: () => void): void {
    if (!rootUri) {
      this.ready = Promise.resolve();
      return;
    }
    const root = rootOf(rootUri);
    this.root = root;
    this.ready = (async () => {
      this.listing = this.host.listing(root);
      this.workspace = new PolicyWorkspace({
        root,
        caseInsensitive: this.host.caseInsensitive,
        shell: await this.host.loadShell(),
        files: this.listing,
        fs: this.host.fileSystem,
      });
      for (const source of this.host.readPolicySources(root)) this.workspace.set({ ...source, uri: fileUri(root, source.uri) });
      for (const document of this.documents.all()) this.take(document.uri, document.getText());
      loaded();
    })();
  }

  /** The workspace once loaded; undefined when no folder is open. */
  async loaded(): Promise<PolicyWorkspace | undefined> {
    await this.ready;
    return this.workspace;
  }

  /** The workspace now (undefined before it is loaded). */
  current(): PolicyWorkspace | undefined {
    return this.workspace;
  }

  /** The policy file a request names, once loaded; undefined when it is not one of this workspace's. */
  async policyFile(documentUri: string): Promise<PolicyFileAt | undefined> {
    const workspace = await this.loaded();
    const uri = canonicalUri(documentUri);
    return workspace?.has(uri) ? { workspace, uri, at: this.positions(uri) } : undefined;
  }

  /** A file's text as the editor has it: the workspace's copy of a policy file, else the open document. */
  text(uri: string): string | undefined {
    return this.workspace?.text(canonicalUri(uri)) ?? this.documents.get(uri)?.getText();
  }

  positions(uri: string): Positions {
    return new Positions(this.text(uri) ?? '');
  }

  /** The version of an open document (canonical URI), for diagnostics; undefined when not open. */
  openVersion(uri: string): number | undefined {
    return this.documents.all().find((d) => canonicalUri(d.uri) === uri)?.version;
  }

  /** An open document's new text. */
  changed(documentUri: string, text: string): void {
    this.take(documentUri, text);
  }

  /** A closed document is again what is on disk (or gone). */
  closed(documentUri: string): void {
    const text = this.host.readFile(documentUri);
    if (text === undefined) this.workspace?.delete(canonicalUri(documentUri));
    else this.take(documentUri, text);
  }

  /** Files changed on disk: the listing is refreshed, and policy files that are not open are re-read. */
  changedOnDisk(changes: readonly FileEvent[]): void {
    this.listing?.invalidate();
    for (const change of changes) {
      if (this.isOpen(change.uri) || this.root === undefined || policyDir(this.root, change.uri) === undefined) continue;
      if (change.type === FileChangeType.Deleted) this.workspace?.delete(canonicalUri(change.uri));
      else {
        const text = this.host.readFile(change.uri);
        if (text !== undefined) this.take(change.uri, text);
      }
    }
  }

  private isOpen(uri: string): boolean {
    return this.documents.all().some((d) => canonicalUri(d.uri) === canonicalUri(uri));
  }

  private take(clientUri: string, text: string): void {
    const uri = canonicalUri(clientUri);
    const dir = this.workspace && this.root !== undefined ? policyDir(this.root, uri) : undefined;
    if (this.workspace && dir !== undefined) {
      this.workspace.set({ uri, dir, text });
      this.edited(uri);
    }
  }
}
