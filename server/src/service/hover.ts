import { compileGlob, parseCommandPattern, SUPPORTED_VERSIONS, WRAPPER_NAMES, type Finding, type PolicyFile, type RuleEntry } from '#core';
import { commandForms } from './command-forms';
import type { Analysis, PolicyWorkspace } from './policy-workspace';
import { entryAt, listLabel } from './rule-lookup';
import { schemaAt, schemaFor, typeLabel } from './schema-lookup';
import { parseLenient, scalarAt } from './yaml-position';

export interface HoverResult {
  markdown: string;
  offset: number;
  length: number;
}

const EXAMPLES = 5;
// Findings about a pattern's relation to other rules, shown in its hover.
const RELATIONS = new Set(['AP2002', 'AP2003', 'AP2005', 'AP2006', 'AP2007', 'AP2013']);

/** Hover at an offset: a key's documentation, or what a path or command pattern matches and what overlaps it. */
export function hover(workspace: PolicyWorkspace, uri: string, offset: number): HoverResult | undefined {
  const text = workspace.text(uri);
  if (text === undefined) return undefined;
  const analysis = workspace.analysis();
  const file = analysis.file(uri);
  const document = file?.document ?? parseLenient(text);
  const at = scalarAt(document, offset);
  if (!at?.node.range) return undefined;
  const range = { offset: at.node.range[0], length: at.node.range[1] - at.node.range[0] };
  const rule = file && at.role === 'value' ? entryAt(file, offset) : undefined;
  if (rule?.kind === 'path') return { ...range, markdown: pathHover(workspace, analysis, rule.entry, file as PolicyFile) };
  if (rule?.kind === 'command') return { ...range, markdown: commandHover(workspace, analysis, rule.entry) };
  const { root, top } = schemaFor(file?.version?.value ?? analysis.set.settings.version, file?.kind ?? 'root');
  const schema = schemaAt(root, top, at.path);
  if (!schema) return undefined;
  const key = at.path[at.path.length - 1];
  const lines = [`**${String(key)}** (${typeLabel(schema.schema)})`, '', schema.description ?? ''];
  if (at.path.length === 1 && key === 'version') lines.push('', `Supported versions: ${SUPPORTED_VERSIONS.map((v) => `\`${v}\``).join(', ')}.`);
  return { ...range, markdown: lines.join('\n').trim() };
}

function relations(analysis: Analysis, entry: RuleEntry): Finding[] {
  return analysis.set.findings.filter((f) => f.uri === entry.uri && f.offset === entry.offset && RELATIONS.has(f.code));
}

function pathHover(workspace: PolicyWorkspace, analysis: Analysis, entry: RuleEntry, file: PolicyFile): string {
  const lines = [`**${listLabel(entry, 'path')}** \`${entry.pattern}\``, ''];
  const compiled = compileGlob(entry.pattern, analysis.set.environment.caseInsensitive);
  if (!compiled.ok) return [...lines, `Not a valid glob: ${compiled.message}.`].join('\n');
  const files = workspace.host.files;
  const prefix = compiled.glob.absolute ? `${workspace.host.root}/` : '';
  const matches: string[] = [];
  let count = 0;
  for (const path of files.files()) {
    if (!compiled.glob.matcher.test(prefix + path)) continue;
    count++;
    if (matches.length < EXAMPLES) matches.push(path);
  }
  const total = files.files().length;
  const bound = files.truncated() ? 'at least ' : '';
  lines.push(`Matches ${bound}${count} of ${bound}${total} workspace files${count ? ':' : '.'}`);
  for (const m of matches) lines.push(`- \`${m}\``);
  if (count > matches.length) lines.push(`- … and ${count - matches.length} more`);
  if (file.source.dir !== '') lines.push('', `Applies only under \`${file.source.dir}/\` (this override's directory).`);
  const found = relations(analysis, entry);
  if (found.length === 0) lines.push('', 'No other rule shadows or overlaps it.');
  for (const f of found) lines.push('', `${f.code}: ${markdownText(f.message)}`);
  return lines.join('\n');
}

function commandHover(workspace: PolicyWorkspace, analysis: Analysis, entry: RuleEntry): string {
  const lines = [`**${listLabel(entry, 'command')}** \`${entry.pattern}\``, ''];
  const parsed = parseCommandPattern(entry.pattern, workspace.host.shell);
  if (!parsed.ok) return [...lines, `Not a valid command pattern: ${parsed.message}.`].join('\n');
  const pattern = parsed.pattern;
  const allow = entry.list === 'commands.allow';
  if (allow) {
    lines.push(
      `Allows a command that starts with these words and carries these flags, in any order and spelling. Every other command on the same line must be allowed too, and wrappers that change privileges (such as \`sudo\`) need their own allow.`,
    );
  } else {
    lines.push(
      `Catches \`${pattern.program}\` wherever it runs: in pipelines and lists, inside \`$(…)\` and \`bash -c '…'\`, and behind wrappers (${WRAPPER_NAMES.slice(
        0,
        6,
      )
        .map((w) => `\`${w}\``)
        .join(', ')}, …). The words must appear in order; flags in any order and spelling.`,
    );
  }
  lines.push('', 'For example:');
  for (const form of commandForms(pattern, !allow)) lines.push(`- \`${form}\``);
  for (const f of relations(analysis, entry)) lines.push('', `${f.code}: ${markdownText(f.message)}`);
  return lines.join('\n');
}

// Plain text inside Markdown: a finding's message quotes globs (two stars and a slash, say), whose stars would turn into bold.
export function markdownText(text: string): string {
  return text.replace(/[\\`*_[\]<>#|~]/g, (c) => `\\${c}`);
}
