import type { PolicySet } from '../../policy/policy-set';
import { entriesIn, type RuleEntry } from '../../policy/policy-file';

/**
 * The policy's file and command rules as VS Code's own agent settings, so the built-in agent asks
 * before it does what the policy denies or wants approved. Only "require confirmation" (`false`)
 * entries are written, never `true`: the settings can make VS Code stricter, never more lenient
 * than the gate. What the settings cannot say is listed, so nobody mistakes them for the gate.
 */
export const TERMINAL_SETTING = 'chat.tools.terminal.autoApprove';
export const EDITS_SETTING = 'chat.tools.edits.autoApprove';

export interface AgentSettings {
  terminal: Record<string, false>;
  edits: Record<string, false>;
  /** Rules the settings cannot express (the gate still enforces them). */
  notExpressed: { rule: string; why: string }[];
}

export function agentSettings(set: PolicySet): AgentSettings {
  const out: AgentSettings = { terminal: {}, edits: {}, notExpressed: [] };
  for (const file of set.files) {
    const scope = file.source.dir;
    for (const entry of [...entriesIn(file, 'filesystem.deny'), ...entriesIn(file, 'require_human_approval.file')])
      out.edits[editGlob(scope, entry.pattern)] = false;
    for (const entry of [...entriesIn(file, 'commands.deny'), ...entriesIn(file, 'require_human_approval.command')]) {
      out.terminal[terminalKey(entry.pattern)] = false;
      if (scope) out.notExpressed.push(note(entry, `applies everywhere in VS Code's setting, not only under ${scope}/ (stricter)`));
    }
    for (const entry of [...entriesIn(file, 'filesystem.allow'), ...entriesIn(file, 'commands.allow')])
      out.notExpressed.push(note(entry, 'allow lists are not written: the setting only ever gains "require confirmation" entries'));
    for (const entry of entriesIn(file, 'network.exceptions')) out.notExpressed.push(note(entry, 'VS Code has no network setting for agents'));
  }
  return out;
}

/** VS Code matches these globs against the whole path, so a root-relative glob gets a leading globstar segment (which can only match more). */
function editGlob(scope: string, pattern: string): string {
  const relative = scope ? `${scope}/${pattern}` : pattern;
  return relative.startsWith('**/') ? relative : `**/${relative}`;
}

/**
 * The leading words of a command pattern up to its first flag or wildcard: VS Code matches a
 * string key as a command prefix and knows nothing of flags in another order or spelling, so
 * `rm -rf` becomes `rm` (every rm asks), which can only ask more often than the policy does.
 */
function terminalKey(pattern: string): string {
  const words: string[] = [];
  for (const word of pattern.trim().split(/\s+/)) {
    if (word.startsWith('-') || /[*?[\]{}]/.test(word)) break;
    words.push(word);
  }
  return words.length > 0 ? words.join(' ') : pattern.trim();
}

function note(entry: RuleEntry, why: string): { rule: string; why: string } {
  return { rule: `${entry.at} ${entry.list}: ${entry.pattern}`, why };
}
