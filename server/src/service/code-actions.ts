import { isMap, isScalar, isSeq, type Document, type Pair, type YAMLSeq } from 'yaml';
import { LATEST_VERSION, type Code, type Finding, type PathRule, type PolicyFile } from '#core';
import { denyWithException } from './deny-exception';
import type { Analysis, PolicyWorkspace } from './policy-workspace';

export interface ServiceEdit {
  uri: string;
  offset: number;
  length: number;
  newText: string;
}

export interface ServiceCodeAction {
  title: string;
  kind: 'quickfix' | 'refactor.rewrite';
  /** The finding the action resolves (its code is what selected the action). */
  finding: Finding;
  edits: ServiceEdit[];
  preferred?: boolean;
}

type Builder = (finding: Finding, context: ActionContext) => ServiceCodeAction[];

interface ActionContext {
  workspace: PolicyWorkspace;
  analysis: Analysis;
}

/** Actions per finding code: quick fixes are chosen by the code, never by the message. */
const BUILDERS: Partial<Record<Code, Builder>> = {
  AP1006: carriedFix,
  AP2005: carriedFix,
  AP2006: carriedFix,
  AP2007: carriedFix,
  AP2002: conflictActions,
  AP2003: prefixWithScope,
  AP2010: useRootVersion,
  AP2012: anchorEverywhere,
  AP2014: upgrade,
};

/** Code actions for the findings of `uri` that overlap the range [offset, offset + length]. */
export function codeActions(workspace: PolicyWorkspace, uri: string, offset: number, length: number, only?: readonly Finding[]): ServiceCodeAction[] {
  const analysis = workspace.analysis();
  const findings = only ?? (analysis.findings.get(uri) ?? []).filter((f) => f.offset <= offset + length && offset <= f.offset + f.length);
  return findings.flatMap((f) => BUILDERS[f.code as Code]?.(f, { workspace, analysis }) ?? []);
}

function carriedFix(finding: Finding): ServiceCodeAction[] {
  const fix = finding.fix;
  if (!fix) return [];
  return [
    {
      title: fix.description,
      kind: 'quickfix',
      finding,
      preferred: true,
      edits: [{ uri: finding.uri, offset: fix.offset, length: fix.length, newText: fix.newText }],
    },
  ];
}

function ruleAt(rules: readonly PathRule[], uri: string, offset: number): PathRule | undefined {
  return rules.find((r) => r.entry.uri === uri && r.entry.offset === offset);
}

/** A conflict between an override's allow and a deny: remove the allow, or turn the deny into an explicit exception. */
function conflictActions(finding: Finding, { analysis }: ActionContext): ServiceCodeAction[] {
  const other = finding.related[0];
  if (!other) return [];
  const set = analysis.set;
  const allow = ruleAt(set.rules.fileAllow.all, finding.uri, finding.offset) ?? ruleAt(set.rules.fileAllow.all, other.uri, other.offset);
  const deny = ruleAt(set.rules.fileDeny.all, finding.uri, finding.offset) ?? ruleAt(set.rules.fileDeny.all, other.uri, other.offset);
  if (!allow || !deny) return [];
  const actions: ServiceCodeAction[] = [
    { title: `Remove the conflicting allow "${allow.entry.pattern}" from the override`, kind: 'quickfix', finding, edits: [deleteItem(allow)] },
  ];
  const exception = moveIntoRootException(allow, deny, analysis);
  if (exception)
    actions.unshift({
      title: `Move "${allow.entry.pattern}" into the root as an explicit exception to "${deny.entry.pattern}"`,
      kind: 'quickfix',
      finding,
      edits: exception,
      preferred: true,
    });
  return actions;
}

function deleteItem(rule: PathRule): ServiceEdit {
  return { uri: rule.entry.uri, offset: rule.entry.itemRange.offset, length: rule.entry.itemRange.length, newText: '' };
}

function moveIntoRootException(allow: PathRule, deny: PathRule, analysis: Analysis): ServiceEdit[] | undefined {
  const rootFile = analysis.set.files.find((f) => f.source.dir === '');
  if (deny.scope !== '' || allow.scope === '' || !rootFile?.document) return undefined;
  const denies = denyWithException(deny, allow, analysis.set.environment.caseInsensitive);
  if (!denies) return undefined;
  const text = rootFile.source.text;
  const item = deny.entry.itemRange;
  // Only block sequences (`- item` lines) are rewritten; a flow list is left to the author.
  if (!/^\s*-\s/.test(text.slice(item.offset, deny.entry.offset))) return undefined;
  const indent = /^\s*/.exec(text.slice(item.offset))?.[0] ?? '';
  const lines = [
    `${indent}# "${deny.entry.pattern}" except "${allow.entry.pattern}" (moved from the override in ${allow.scope}/): generated, and checked to deny exactly the same paths otherwise.`,
    ...denies.map((d) => `${indent}- ${JSON.stringify(d)}`),
  ];
  const edits: ServiceEdit[] = [{ uri: rootFile.source.uri, offset: item.offset, length: item.length, newText: `${lines.join('\n')}\n` }];
  const addAllow = insertRootAllow(rootFile, deny, allow.entry.pattern);
  if (!addAllow) return undefined;
  edits.push(addAllow, deleteItem(allow));
  return edits;
}

/** An edit that appends a pattern to the allow list beside the deny's list in the root. */
function insertRootAllow(rootFile: PolicyFile, deny: PathRule, pattern: string): ServiceEdit | undefined {
  const document = rootFile.document as Document;
  const text = rootFile.source.text;
  for (const section of ['default_permissions', 'permissions']) {
    const filesystem = document.getIn([section, 'filesystem'], true);
    if (!isMap(filesystem)) continue;
    const denyPair = filesystem.items.find((p: Pair) => isScalar(p.key) && p.key.value === 'deny');
    const denySeq = denyPair?.value;
    if (!isSeq(denySeq) || !denySeq.range || deny.entry.offset < denySeq.range[0] || deny.entry.offset > denySeq.range[1]) continue;
    const allow = filesystem.get('allow', true);
    if (isSeq(allow)) return appendToBlockSequence(rootFile, allow, pattern);
    if (allow !== undefined || !isScalar(denyPair?.key) || !denyPair.key.range) return undefined;
    const keyStart = denyPair.key.range[0];
    const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
    const keyIndent = text.slice(lineStart, keyStart);
    if (keyIndent.trim() !== '') return undefined;
    return { uri: rootFile.source.uri, offset: lineStart, length: 0, newText: `${keyIndent}allow:\n${keyIndent}  - ${JSON.stringify(pattern)}\n` };
  }
  return undefined;
}

function appendToBlockSequence(file: PolicyFile, seq: YAMLSeq, pattern: string): ServiceEdit | undefined {
  const last = seq.items[seq.items.length - 1];
  const text = file.source.text;
  if (!isScalar(last) || !last.range || seq.flow) return undefined;
  const lineStart = text.lastIndexOf('\n', last.range[0] - 1) + 1;
  const indent = /^\s*/.exec(text.slice(lineStart))?.[0] ?? '';
  const newline = text.indexOf('\n', last.range[1] - 1);
  const at = newline < 0 ? text.length : newline + 1;
  return { uri: file.source.uri, offset: at, length: 0, newText: `${newline < 0 ? '\n' : ''}${indent}- ${JSON.stringify(pattern)}\n` };
}

function replaceEntry(
  finding: Finding,
  analysis: Analysis,
  rewrite: (pattern: string, scope: string) => string,
  title: (to: string) => string,
): ServiceCodeAction[] {
  const rule = [...analysis.set.rules.fileAllow.all, ...analysis.set.rules.fileDeny.all].find(
    (r) => r.entry.uri === finding.uri && r.entry.offset === finding.offset,
  );
  if (!rule) return [];
  const to = rewrite(rule.entry.pattern, rule.scope);
  return [
    {
      title: title(to),
      kind: 'quickfix',
      finding,
      preferred: true,
      edits: [{ uri: finding.uri, offset: rule.entry.offset, length: rule.entry.length, newText: JSON.stringify(to) }],
    },
  ];
}

function prefixWithScope(finding: Finding, { analysis }: ActionContext): ServiceCodeAction[] {
  return replaceEntry(
    finding,
    analysis,
    (pattern, scope) => `${scope}/${pattern.replace(/^\*\*\//, '**/')}`,
    (to) => `Write the pattern under the override's directory: "${to}"`,
  );
}

function anchorEverywhere(finding: Finding, { analysis }: ActionContext): ServiceCodeAction[] {
  return replaceEntry(
    finding,
    analysis,
    (pattern) => `**/${pattern}`,
    (to) => `Deny it in every directory: "${to}"`,
  );
}

function useRootVersion(finding: Finding, { analysis }: ActionContext): ServiceCodeAction[] {
  const version = analysis.set.settings.version;
  if (!version) return [];
  return [
    {
      title: `Use the root policy's version "${version}"`,
      kind: 'quickfix',
      finding,
      preferred: true,
      edits: [{ uri: finding.uri, offset: finding.offset, length: finding.length, newText: `"${version}"` }],
    },
  ];
}

/** Upgrades the root policy and every override that names the old version (the newer format accepts the old unchanged). */
function upgrade(finding: Finding, { analysis }: ActionContext): ServiceCodeAction[] {
  const from = analysis.set.settings.version;
  if (!from) return [];
  const edits: ServiceEdit[] = analysis.set.files
    .filter((f) => f.version && (f.source.dir === '' || f.version.value === from))
    .map((f) => ({
      uri: f.source.uri,
      offset: (f.version as { offset: number }).offset,
      length: (f.version as { length: number }).length,
      newText: `"${LATEST_VERSION}"`,
    }));
  return [
    {
      title: `Upgrade the policy from ${from} to ${LATEST_VERSION}${edits.length > 1 ? ` (root and ${edits.length - 1} override${edits.length > 2 ? 's' : ''})` : ''}`,
      kind: 'quickfix',
      finding,
      preferred: true,
      edits,
    },
  ];
}
