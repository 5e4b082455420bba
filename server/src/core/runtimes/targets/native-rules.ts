import type { PolicySet } from '../../policy/policy-set';
import { entriesIn, type RuleEntry } from '../../policy/policy-file';
import { agentSettings, EDITS_SETTING, TERMINAL_SETTING } from './vscode-settings';

/**
 * `agent-policy compile --target`: the policy's rules in a runtime's own permission settings, so
 * the runtime refuses or asks by itself even before our hook answers. Only denials and asks are
 * written (never an allow), and every rule the target cannot express is reported: for those the
 * hook stays necessary. Pure: the host merges `json` into the file or writes `text`.
 */
export const COMPILE_TARGETS = ['claude-code', 'codex', 'gemini-cli', 'vscode'] as const;
export type CompileTarget = (typeof COMPILE_TARGETS)[number];

export interface CompiledRules {
  /** Relative to the repository root, or (`inUserHome`) to the runtime's user folder. */
  file: string;
  /** The runtime reads these rules only from its user-level folder (they then apply to every project: stricter elsewhere). */
  inUserHome?: boolean;
  /** JSON settings to merge into an existing file (arrays gain entries, objects gain keys). */
  json?: Record<string, unknown>;
  /** A whole file that belongs to Agent Policy. */
  text?: string;
  written: number;
  notExpressed: { rule: string; why: string }[];
}

interface Rules {
  fileDeny: { entry: RuleEntry; scope: string }[];
  fileAsk: { entry: RuleEntry; scope: string }[];
  commandDeny: { entry: RuleEntry; scope: string }[];
  commandAsk: { entry: RuleEntry; scope: string }[];
  other: { entry: RuleEntry; why: string }[];
}

function collect(set: PolicySet): Rules {
  const rules: Rules = { fileDeny: [], fileAsk: [], commandDeny: [], commandAsk: [], other: [] };
  for (const file of set.files) {
    const scope = file.source.dir;
    for (const entry of entriesIn(file, 'filesystem.deny')) rules.fileDeny.push({ entry, scope });
    for (const entry of entriesIn(file, 'commands.deny')) rules.commandDeny.push({ entry, scope });
    for (const entry of entriesIn(file, 'require_human_approval.file')) rules.fileAsk.push({ entry, scope });
    for (const entry of entriesIn(file, 'require_human_approval.command')) rules.commandAsk.push({ entry, scope });
    const allows = [...entriesIn(file, 'filesystem.allow'), ...entriesIn(file, 'commands.allow')];
    if (allows[0])
      rules.other.push({
        entry: allows[0],
        why: `the ${allows.length} allow entries of ${file.source.uri} are not written (only denials and asks are): what they leave out is refused by the hook`,
      });
    for (const entry of entriesIn(file, 'network.exceptions')) rules.other.push({ entry, why: 'network exceptions are enforced by the hook' });
  }
  return rules;
}

const note = (entry: RuleEntry, why: string): { rule: string; why: string } => ({ rule: `${entry.at} ${entry.list}: ${entry.pattern}`, why });

/** The words of a command pattern before its first wildcard. */
function prefixWords(pattern: string): string[] {
  const words: string[] = [];
  for (const word of pattern.trim().split(/\s+/)) {
    if (/[*?[\]{}]/.test(word)) break;
    words.push(word);
  }
  return words;
}

const FLAG_NOTE = 'written as a prefix: other spellings of its flags (-fr, --recursive --force) are caught only by the hook';

function claude(rules: Rules): CompiledRules {
  const deny: string[] = [];
  const ask: string[] = [];
  const notExpressed = rules.other.map((o) => note(o.entry, o.why));
  const path = (scope: string, pattern: string): string => `/${scope ? `${scope}/` : ''}${pattern}`;
  for (const { entry, scope } of rules.fileDeny) deny.push(`Read(${path(scope, entry.pattern)})`, `Edit(${path(scope, entry.pattern)})`);
  // An approval rule governs reads too (the gate asks before either).
  for (const { entry, scope } of rules.fileAsk) ask.push(`Read(${path(scope, entry.pattern)})`, `Edit(${path(scope, entry.pattern)})`);
  for (const [list, out] of [
    [rules.commandDeny, deny],
    [rules.commandAsk, ask],
  ] as const) {
    for (const { entry, scope } of list) {
      const words = prefixWords(entry.pattern);
      if (words.length === 0) {
        notExpressed.push(note(entry, 'starts with a wildcard; Claude Code matches command prefixes only'));
        continue;
      }
      out.push(`Bash(${words.join(' ')}:*)`);
      if (words.some((w) => w.startsWith('-'))) notExpressed.push(note(entry, FLAG_NOTE));
      if (scope) notExpressed.push(note(entry, `applies in every directory in Claude Code, not only under ${scope}/ (stricter)`));
    }
  }
  return { file: '.claude/settings.json', json: { permissions: { deny, ask } }, written: deny.length + ask.length, notExpressed };
}

interface PrefixTarget {
  name: string;
  file: string;
  inUserHome?: boolean;
  /** What the target says for a denial and for an ask. */
  decisions: { deny: string; ask: string };
  /** Why file rules stay with the hook. */
  fileRules: string;
  render: (words: string[], decision: string, entry: RuleEntry) => string[];
}

/** Targets whose rules match command prefixes (Codex, Gemini CLI): one rule per denied or approval-required command. */
function prefixRules(rules: Rules, target: PrefixTarget): CompiledRules {
  const lines = [`# Written by "agent-policy compile --target ${target.name}" from .agent-policy.yml. Do not edit: compile again.`, ''];
  const notExpressed = rules.other.map((o) => note(o.entry, o.why));
  for (const { entry } of [...rules.fileDeny, ...rules.fileAsk]) notExpressed.push(note(entry, target.fileRules));
  let written = 0;
  for (const [list, decision] of [
    [rules.commandDeny, target.decisions.deny],
    [rules.commandAsk, target.decisions.ask],
  ] as const) {
    for (const { entry } of list) {
      const words = prefixWords(entry.pattern);
      if (words.length === 0) {
        notExpressed.push(note(entry, `starts with a wildcard; ${target.name} matches command prefixes`));
        continue;
      }
      if (words.some((w) => w.startsWith('-'))) notExpressed.push(note(entry, FLAG_NOTE));
      lines.push(...target.render(words, decision, entry), '');
      written++;
    }
  }
  return { file: target.file, ...(target.inUserHome ? { inUserHome: true } : {}), text: lines.join('\n'), written, notExpressed };
}

const CODEX: PrefixTarget = {
  name: 'codex',
  file: '.codex/rules/agent-policy.rules',
  decisions: { deny: 'forbidden', ask: 'prompt' },
  fileRules: 'Codex rules decide commands only; file access is left to the hook and the sandbox',
  render: (words, decision, entry) => [
    'prefix_rule(',
    `    pattern = [${words.map((w) => JSON.stringify(w)).join(', ')}],`,
    `    decision = "${decision}",`,
    `    justification = ${JSON.stringify(`Agent Policy ${entry.list} "${entry.pattern}" (${entry.at})`)},`,
    ')',
  ],
};

/** Gemini CLI 0.61.0 reads no workspace policies (`.gemini/policies/`), only `~/.gemini/policies/`: one file per project. */
const gemini = (set: PolicySet): PrefixTarget => ({
  name: 'gemini-cli',
  file: `policies/agent-policy-${projectSlug(set.environment.root)}.toml`,
  inUserHome: true,
  decisions: { deny: 'deny', ask: 'ask_user' },
  fileRules: 'left to the hook: Gemini CLI policy rules match tool arguments by regular expression, not by path glob',
  render: (words, decision) => [
    '[[rule]]',
    'toolName = "run_shell_command"',
    `commandPrefix = ${JSON.stringify(words.join(' '))}`,
    `decision = "${decision}"`,
    'priority = 900',
  ],
});

/** The project's folder name and a short hash of its path: one file per project, stable across runs. */
function projectSlug(root: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < root.length; i++) hash = Math.imul(hash ^ root.charCodeAt(i), 0x01000193) >>> 0;
  const name = (root.split('/').filter(Boolean).pop() ?? 'root').replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${name}-${hash.toString(16).padStart(8, '0')}`;
}

function vscode(set: PolicySet): CompiledRules {
  const settings = agentSettings(set);
  const notExpressed = [
    ...settings.notExpressed,
    {
      rule: EDITS_SETTING,
      why: 'VS Code reads this setting from user settings only; the extension\'s "Write the Policy into VS Code\'s Agent Settings" command puts it there',
    },
  ];
  return {
    file: '.vscode/settings.json',
    json: { [TERMINAL_SETTING]: settings.terminal, [EDITS_SETTING]: settings.edits },
    written: Object.keys(settings.terminal).length + Object.keys(settings.edits).length,
    notExpressed,
  };
}

export function compileRules(set: PolicySet, target: CompileTarget): CompiledRules {
  if (target === 'vscode') return vscode(set);
  const rules = collect(set);
  if (target === 'claude-code') return claude(rules);
  if (target === 'codex') return prefixRules(rules, CODEX);
  const compiled = prefixRules(rules, gemini(set));
  const everywhere = {
    rule: compiled.file,
    why: 'Gemini CLI reads policy rules only from its user folder, so these denials apply in every folder it runs in, not only in this project (stricter)',
  };
  return { ...compiled, notExpressed: [everywhere, ...compiled.notExpressed] };
}

/** Merges compiled settings into existing ones: arrays gain missing entries, objects gain (and override) keys. */
export function mergeSettings(existing: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...existing };
  for (const [key, value] of Object.entries(add)) {
    const current = out[key];
    if (Array.isArray(value)) {
      const before: unknown[] = Array.isArray(current) ? (current as unknown[]) : [];
      out[key] = [...before, ...(value as unknown[]).filter((v) => !before.includes(v))];
    } else if (value !== null && typeof value === 'object')
      out[key] = mergeSettings(
        current !== null && typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>) : {},
        value as Record<string, unknown>,
      );
    else out[key] = value;
  }
  return out;
}
