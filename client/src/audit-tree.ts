import { existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import * as vscode from 'vscode';
import { compileViewFilter, groupOf, VIEW_GROUPS, type AuditViewFilter as AuditFilter, type ViewGroup as Group } from '#core/audit';
import { AuditPages, type AuditItem } from '#host/audit/audit-pages';
import type { CommandId } from './command-ids';
import { describeAction } from './describe';
import type { PolicyContext } from './policy-context';

const GROUP_ICON: Record<Group, [string, string]> = {
  deny: ['error', 'charts.red'],
  ask: ['question', 'charts.yellow'],
  approvals: ['person', 'charts.blue'],
  bypass: ['unlock', 'charts.orange'],
  allow: ['pass', 'charts.green'],
  events: ['history', 'foreground'],
};
const PAGE = 500;

export type { AuditFilter };

export type AuditNode =
  | { kind: 'day'; day: string; groups: AuditNode[] }
  | { kind: 'group'; day: string; group: Group; entries: AuditNode[]; parent: AuditNode }
  | { kind: 'entry'; item: AuditItem; group: Group; parent: AuditNode }
  | { kind: 'more'; scannedAll: boolean }
  | { kind: 'message'; text: string };

/**
 * The audit log as a tree: day → decision group → entry, newest first. The log is read from its
 * end a page at a time, so a log of a million entries opens at once; "Load older entries" reads
 * the next page. The view refreshes itself when the log's folder changes.
 */
export class AuditTree implements vscode.TreeDataProvider<AuditNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AuditNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pages: AuditPages | undefined;
  private loaded: AuditItem[] = [];
  private roots: AuditNode[] = [];
  private filterValue: AuditFilter = {};
  private watcher: FSWatcher | undefined;
  private watchedDir: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** What this tree disposes besides its emitter, timer and folder watcher: its subscription to the context. */
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: PolicyContext) {
    this.disposables.push(context.onDidChange(() => this.follow()));
  }

  get filter(): AuditFilter {
    return this.filterValue;
  }

  setFilter(filter: AuditFilter): void {
    this.filterValue = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));
    this.reload(PAGE);
  }

  /** Re-reads from the newest entry, keeping as many entries as were shown. */
  reload(count = Math.max(PAGE, this.loaded.length)): void {
    if (!this.context.set) return;
    this.pages = new AuditPages(this.context.stores.audit.files(), compileViewFilter(this.filterValue));
    this.loaded = this.pages.next(count);
    this.rebuild();
  }

  loadMore(): void {
    if (!this.pages) return this.reload();
    this.loaded.push(...this.pages.next(PAGE));
    this.rebuild();
  }

  /** Finds the node of an entry by its seq, reading older pages (up to `maxPages`) when needed. */
  find(seq: number, maxPages = 20): AuditNode | undefined {
    for (let page = 0; page <= maxPages; page++) {
      const hit = this.entryNodes().find((n) => n.kind === 'entry' && n.item.entry.seq === seq);
      if (hit) return hit;
      if (!this.pages || this.pages.done) return undefined;
      this.loadMore();
    }
    return undefined;
  }

  entryNodes(): AuditNode[] {
    return this.roots.flatMap((d) => (d.kind === 'day' ? d.groups.flatMap((g) => (g.kind === 'group' ? g.entries : [])) : []));
  }

  private rebuild(): void {
    const days = new Map<string, Map<Group, AuditItem[]>>();
    for (const item of this.loaded) {
      const day = typeof item.entry.timestamp === 'string' ? item.entry.timestamp.slice(0, 10) : 'unknown';
      const groups = days.get(day) ?? new Map<Group, AuditItem[]>();
      days.set(day, groups);
      const group = groupOf(item.entry);
      const items = groups.get(group);
      if (items) items.push(item);
      else groups.set(group, [item]);
    }
    this.roots = [...days].map(([day, groups]) => {
      const dayNode: AuditNode = { kind: 'day', day, groups: [] };
      for (const group of VIEW_GROUPS) {
        const items = groups.get(group);
        if (!items) continue;
        const groupNode: AuditNode & { kind: 'group' } = { kind: 'group', day, group, entries: [], parent: dayNode };
        groupNode.entries = items.map((item) => ({ kind: 'entry', item, group, parent: groupNode }));
        dayNode.groups.push(groupNode);
      }
      return dayNode;
    });
    if (this.pages && !this.pages.done) this.roots.push({ kind: 'more', scannedAll: false });
    if (this.loaded.length === 0)
      this.roots.push({
        kind: 'message',
        text: Object.keys(this.filterValue).length ? 'No entries match the filter in what was read' : 'The audit log is empty',
      });
    this.changed.fire(undefined);
  }

  getChildren(node?: AuditNode): AuditNode[] {
    if (!node) return this.roots;
    if (node.kind === 'day') return node.groups;
    if (node.kind === 'group') return node.entries;
    return [];
  }

  getParent(node: AuditNode): AuditNode | undefined {
    return node.kind === 'group' || node.kind === 'entry' ? node.parent : undefined;
  }

  getTreeItem(node: AuditNode): vscode.TreeItem {
    switch (node.kind) {
      case 'day': {
        const count = node.groups.reduce((n, g) => n + (g.kind === 'group' ? g.entries.length : 0), 0);
        const item = new vscode.TreeItem(node.day, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `day:${node.day}`;
        item.description = `${count} entries${this.pages?.done ? '' : ' read so far'}`;
        item.iconPath = new vscode.ThemeIcon('calendar');
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(
          node.group,
          node.group === 'allow' || node.group === 'events' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
        );
        item.id = `group:${node.day}:${node.group}`;
        item.description = String(node.entries.length);
        item.iconPath = icon(node.group);
        return item;
      }
      case 'entry':
        return entryItem(node.item, node.group);
      case 'more': {
        const item = new vscode.TreeItem('Load older entries…');
        item.command = { command: 'agentPolicy.loadMoreAudit' satisfies CommandId, title: 'Load older entries' };
        item.iconPath = new vscode.ThemeIcon('fold-down');
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text);
    }
  }

  /** Follows the current state folder's audit directory and refreshes when it changes. */
  private follow(): void {
    const dir = this.context.stores.audit.dir;
    if (dir !== this.watchedDir) {
      this.watcher?.close();
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.watchedDir = dir;
      this.watcher = watch(dir, () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reload(), 150);
      });
    }
    this.reload();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    clearTimeout(this.timer);
    this.watcher?.close();
    this.changed.dispose();
  }
}

function icon(group: Group): vscode.ThemeIcon {
  const [id, color] = GROUP_ICON[group];
  return new vscode.ThemeIcon(id, new vscode.ThemeColor(color));
}

function entryItem(item: AuditItem, group: Group): vscode.TreeItem {
  const entry = item.entry;
  const kind = String(entry.kind);
  const label =
    kind === 'decision' || kind === 'violation'
      ? `${kind === 'violation' ? 'observed ' : ''}${describeAction(entry)}`
      : `${kind} ${describeAction(entry)}`.replace(/ unknown$/, '');
  const tree = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  tree.id = `entry:${text(entry.seq)}:${text(entry.hash ?? entry.line).slice(0, 12)}`;
  const time = typeof entry.timestamp === 'string' ? entry.timestamp.slice(11, 19) : '';
  tree.description = `${time} · ${text(entry.agent_id ?? entry.runtime)}`;
  tree.tooltip = typeof entry.reason === 'string' ? entry.reason : undefined;
  tree.iconPath = icon(group);
  tree.contextValue = 'auditEntry';
  tree.command = { command: 'agentPolicy.showAuditEntry' satisfies CommandId, title: 'Show entry', arguments: [entry] };
  return tree;
}

/** A scalar field as text ('' for anything else). */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
