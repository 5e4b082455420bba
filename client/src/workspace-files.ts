import { isAbsolute, relative, sep } from 'node:path';
import * as vscode from 'vscode';

/** A watcher's events without its `dispose`: whoever receives them subscribes; the watcher's owner disposes it. */
export type FileEvents = Pick<vscode.FileSystemWatcher, 'onDidCreate' | 'onDidChange' | 'onDidDelete'>;

/**
 * The editor's one watcher of every file and folder, in every workspace folder. The language server
 * hears all of its events (to refresh its workspace listing and re-read changed policy files); the
 * policy context hears those under its folder (a new folder makes it re-read the policy) and hands
 * them on to the denied-edit watcher. It is created first at activation, because the language
 * server starts before there is a policy context, and runs without one (no folder, or one not on disk).
 *
 * Owner: the extension (its `subscriptions`); everyone else only subscribes.
 */
export class WorkspaceFiles implements vscode.Disposable {
  readonly watcher = vscode.workspace.createFileSystemWatcher('**/*');

  // The events for files on disk under `root`: what a watcher of RelativePattern(root, '**/*') would
  // report. VS Code serves both kinds of watcher from its own workspace watcher (an extension's
  // recursive watch inside the workspace starts none), so the events are the same; only the filter differs.
  under(root: string): FileEvents {
    const inside = (uri: vscode.Uri): boolean => {
      if (uri.scheme !== 'file') return false;
      const path = relative(root, uri.fsPath);
      return path !== '' && path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path);
    };
    return {
      onDidCreate: only(this.watcher.onDidCreate, inside),
      onDidChange: only(this.watcher.onDidChange, inside),
      onDidDelete: only(this.watcher.onDidDelete, inside),
    };
  }

  dispose(): void {
    this.watcher.dispose();
  }
}

/** An event that passes on only the URIs `keep` accepts (its subscriptions are the underlying event's). */
function only(event: vscode.Event<vscode.Uri>, keep: (uri: vscode.Uri) => boolean): vscode.Event<vscode.Uri> {
  return (listener, thisArgs?: unknown, disposables?) =>
    event(
      (uri) => {
        if (keep(uri)) listener.call(thisArgs, uri);
      },
      undefined,
      disposables,
    );
}
