import type { EntryList, PolicyFile, RuleEntry } from '#core';

export type EntryKind = 'path' | 'command' | 'host' | 'other';

/** What kind of pattern each list holds; the two settings written as entries (allow_outbound, max_files_per_action) are no patterns. */
const KIND_OF: Record<EntryList, EntryKind | undefined> = {
  'filesystem.allow': 'path',
  'filesystem.deny': 'path',
  'require_human_approval.file': 'path',
  'bypass.never': 'path',
  'commands.allow': 'command',
  'commands.deny': 'command',
  'require_human_approval.command': 'command',
  'network.exceptions': 'host',
  'network.allow_outbound': undefined,
  max_files_per_action: undefined,
};

/** Every rule entry of a file that holds a pattern, with what kind of pattern it holds. */
export function entriesOf(file: PolicyFile): { entry: RuleEntry; kind: EntryKind }[] {
  return file.entries.flatMap((entry) => {
    const kind = KIND_OF[entry.in];
    return kind ? [{ entry, kind }] : [];
  });
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
