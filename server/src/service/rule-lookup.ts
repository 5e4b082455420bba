import type { PolicyFile, RuleEntry } from '#core';

export type EntryKind = 'path' | 'command' | 'host' | 'other';

/** Every rule entry of a file with what kind of pattern it holds. */
export function entriesOf(file: PolicyFile): { entry: RuleEntry; kind: EntryKind }[] {
  const paths = [...file.fileAllow, ...file.fileDeny, ...file.approvals.filter((a) => a.kind === 'file'), ...(file.bypass?.never ?? [])];
  const commands = [...file.commandAllow, ...file.commandDeny, ...file.approvals.filter((a) => a.kind === 'command')];
  return [
    ...paths.map((entry) => ({ entry, kind: 'path' as const })),
    ...commands.map((entry) => ({ entry, kind: 'command' as const })),
    ...(file.network?.exceptions ?? []).map((entry) => ({ entry, kind: 'host' as const })),
  ];
}

/** The rule entry written at an offset of a file (the offset lies in its text), if any. */
export function entryAt(file: PolicyFile, offset: number): { entry: RuleEntry; kind: EntryKind } | undefined {
  return entriesOf(file).find(({ entry }) => entry.offset <= offset && offset <= entry.offset + entry.length);
}

/** The list a rule entry belongs to, in words. */
export function listLabel(entry: RuleEntry, kind: EntryKind): string {
  if (entry.list === 'require_human_approval') return kind === 'command' ? 'command approval rule' : 'file approval rule';
  return entry.list;
}
