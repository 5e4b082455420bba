import type { DFA } from 'refa';
import { finding } from '../base/findings';
import { BaseTrie } from './base-trie';
import { exampleOutside, globLanguage, MAX_STATES, relation, UndecidableGlobError } from '../globs/glob-language';
import { analysisStateBound } from '../globs/glob-state-bound';
import { shownName, type PolicyFile, type RuleEntry } from './policy-file';
import type { PolicySet } from './policy-set';
import type { PathRule } from './rule-index';
import type { Finding } from '../base/types';

/** Cross-rule findings: conflicts, allows outside an override's directory, duplicates, shadowed and dead patterns. */
export function checkSemantics(set: PolicySet): Finding[] {
  const out: Finding[] = [];
  const language = languageOf(set, out);
  const where = (entry: RuleEntry): string => entry.at;
  const fileOf = new Map(set.files.map((f) => [f.source.uri, f]));
  for (const file of set.files) {
    out.push(...duplicates(file));
    for (const list of [set.rules.fileAllow, set.rules.fileDeny, set.rules.fileApproval])
      out.push(
        ...shadowed(
          list.all.filter((r) => r.entry.uri === file.source.uri),
          language,
          where,
          set.environment.caseInsensitive,
        ),
      );
  }
  const denies = new BaseTrie(set.rules.fileDeny.all);
  for (const allow of set.rules.fileAllow.all) {
    const allowLanguage = language(allow);
    if (!allowLanguage) continue;
    if (allow.scope !== '' && !allow.glob.absolute) {
      const outside = exampleOutside(allowLanguage, allow.scope, set.environment.caseInsensitive);
      if (outside !== undefined) {
        out.push(
          finding('AP2003', {
            uri: allow.entry.uri,
            offset: allow.entry.offset,
            length: allow.entry.length,
            message: `This override lives in "${allow.scope}/" but allows "${allow.entry.pattern}", which also matches paths outside it (e.g. ${outside}). An override only governs its own directory; write the pattern under "${allow.scope}/".`,
          }),
        );
      }
    }
    for (const deny of inPolicyOrder(denies.compatible(allow))) {
      if (!ancestorOrSelf(deny.scope, allow.scope)) continue;
      if (!language(deny)) continue;
      const { example, subset: contained } = relation(allow.glob.pattern, deny.glob.pattern, set.environment.caseInsensitive);
      if (example === undefined) continue;
      if (deny.entry.uri === allow.entry.uri) {
        if (contained)
          out.push(
            finding('AP2007', {
              uri: allow.entry.uri,
              offset: allow.entry.offset,
              length: allow.entry.length,
              message: `Allow "${allow.entry.pattern}" never allows anything: every path it matches is denied by "${deny.entry.pattern}" (${where(deny.entry)}). Remove it, or narrow the deny.`,
              related: [related(deny.entry, `Denied here by "${deny.entry.pattern}".`)],
              fix: deletion(allow.entry, 'Remove the dead allow'),
            }),
          );
        continue;
      }
      if (contained || targets(deny, allow)) out.push(...conflict(allow.entry, deny.entry, example, contained, fileOf));
      else
        out.push(
          finding('AP2013', {
            uri: allow.entry.uri,
            offset: allow.entry.offset,
            length: allow.entry.length,
            message: `"${deny.entry.pattern}" (${where(deny.entry)}) carves paths such as ${example} out of this allow; deny wins there.`,
            related: [related(deny.entry, `"${deny.entry.pattern}" is denied here.`)],
          }),
        );
    }
  }
  out.push(...rootAnchoredHints(set));
  return out;
}

function conflict(allow: RuleEntry, deny: RuleEntry, example: string, contained: boolean, files: Map<string, PolicyFile>): Finding[] {
  const denySource = files.get(deny.uri)?.source;
  const denyFile = !denySource || denySource.dir === '' ? 'The root policy' : `The override ${shownName(denySource)}`;
  const extent = contained ? 'every path it matches' : `some paths it matches (e.g. ${example})`;
  const resolution = 'Resolution: remove the allow from the override, or narrow the deny so it no longer covers these paths (deny always wins, in every file).';
  return [
    finding('AP2002', {
      uri: allow.uri,
      offset: allow.offset,
      length: allow.length,
      message: `Policy conflict: this override allows "${allow.pattern}", but ${denyFile.charAt(0).toLowerCase() + denyFile.slice(1)} denies "${deny.pattern}" (${deny.at}), which covers ${extent}. ${resolution}`,
      related: [related(deny, `${denyFile} denies "${deny.pattern}" here.`)],
    }),
    finding('AP2002', {
      uri: deny.uri,
      offset: deny.offset,
      length: deny.length,
      message: `Policy conflict: this deny "${deny.pattern}" covers ${contained ? 'everything' : `paths such as ${example}`} that the override ${allow.at} allows with "${allow.pattern}". ${resolution}`,
      related: [related(allow, `The override allows "${allow.pattern}" here.`)],
    }),
  ];
}

function related(entry: RuleEntry, message: string): Finding['related'][number] {
  return { uri: entry.uri, offset: entry.offset, length: entry.length, message };
}

function deletion(entry: RuleEntry, description: string): NonNullable<Finding['fix']> {
  return { description, offset: entry.itemRange.offset, length: entry.itemRange.length, newText: '' };
}

/** Whether rules scoped to `ancestor` also govern paths under `dir`. */
function ancestorOrSelf(ancestor: string, dir: string): boolean {
  return ancestor === '' || dir === ancestor || dir.startsWith(ancestor + '/');
}

/**
 * Whether an allow reaches into the directory a deny is about: the allow's literal base lies at or
 * below the deny's (non-empty) one, as with deny `backend/secrets/**` and allow
 * `backend/secrets/test-fixtures/**`. Root-wide carve-outs such as `**` + `/.env*` do not target it.
 */
function targets(deny: PathRule, allow: PathRule): boolean {
  const d = deny.glob.base;
  const a = allow.glob.base;
  return d !== '' && (a === d || a.startsWith(d + '/'));
}

function inPolicyOrder(rules: PathRule[]): PathRule[] {
  return rules.sort((a, b) => a.ordinal - b.ordinal);
}

function duplicates(file: PolicyFile): Finding[] {
  const out: Finding[] = [];
  // The lists a pattern can be written twice in; both kinds of approvals are one list in the policy.
  const lists: ((e: RuleEntry) => boolean)[] = [
    ...(['filesystem.allow', 'filesystem.deny', 'commands.allow', 'commands.deny'] as const).map((l) => (e: RuleEntry) => e.in === l),
    (e) => e.in === 'require_human_approval.file' || e.in === 'require_human_approval.command',
    (e) => e.in === 'network.exceptions',
  ];
  for (const inList of lists) {
    const seen = new Map<string, RuleEntry>();
    for (const entry of file.entries.filter(inList)) {
      const key = `${entry.in}:${entry.pattern}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, entry);
        continue;
      }
      out.push(
        finding('AP2005', {
          uri: entry.uri,
          offset: entry.offset,
          length: entry.length,
          message: `"${entry.pattern}" already appears in this list at line ${first.line}.`,
          related: [related(first, 'First written here.')],
          fix: deletion(entry, 'Remove the duplicate'),
        }),
      );
    }
  }
  return out;
}

function shadowed(rules: PathRule[], language: (r: PathRule) => DFA | undefined, where: (e: RuleEntry) => string, caseInsensitive: boolean): Finding[] {
  const out: Finding[] = [];
  const trie = new BaseTrie(rules);
  for (const rule of rules) {
    for (const other of inPolicyOrder(trie.compatible(rule))) {
      if (other === rule || other.entry.pattern === rule.entry.pattern || other.entry.list !== rule.entry.list) continue;
      if (!language(rule) || !language(other) || !relation(rule.glob.pattern, other.glob.pattern, caseInsensitive).subset) continue;
      // Two equivalent spellings: report only the later one.
      if (relation(other.glob.pattern, rule.glob.pattern, caseInsensitive).subset && other.ordinal > rule.ordinal) continue;
      out.push(
        finding('AP2006', {
          uri: rule.entry.uri,
          offset: rule.entry.offset,
          length: rule.entry.length,
          message: `"${rule.entry.pattern}" is shadowed: every path it matches is already matched by "${other.entry.pattern}" (${where(other.entry)}) in the same list.`,
          related: [related(other.entry, `"${other.entry.pattern}" covers it.`)],
          fix: deletion(rule.entry, 'Remove the shadowed pattern'),
        }),
      );
      break;
    }
  }
  return out;
}

function rootAnchoredHints(set: PolicySet): Finding[] {
  return set.rules.fileDeny.all
    .filter((r) => r.scope === '' && !r.glob.absolute && !r.entry.pattern.includes('/'))
    .map((r) =>
      finding('AP2012', {
        uri: r.entry.uri,
        offset: r.entry.offset,
        length: r.entry.length,
        message: `"${r.entry.pattern}" has no slash, so it matches only at the repository root; write "**/${r.entry.pattern}" to deny it in every directory.`,
      }),
    );
}

/**
 * The blocking part of the analysis alone: every path glob must be analysable (AP2004). A glob
 * whose shape proves its automaton small (glob-state-bound.ts) is not built: the same findings,
 * without the automaton work on an enforcing process's start.
 */
export function checkAnalysable(set: PolicySet): Finding[] {
  const out: Finding[] = [];
  const language = languageOf(set, out);
  for (const index of [set.rules.fileAllow, set.rules.fileDeny, set.rules.fileApproval]) {
    for (const rule of index.all) if ((analysisStateBound(rule.glob.pattern) ?? Infinity) > MAX_STATES) language(rule);
  }
  return out;
}

/** A rule's language; a glob that cannot be analysed exactly is reported into `out` once, and blocks. */
function languageOf(set: PolicySet, out: Finding[]): (rule: PathRule) => DFA | undefined {
  const undecidable = new Set<PathRule>();
  return (rule: PathRule): DFA | undefined => {
    try {
      return globLanguage(rule.glob.pattern, set.environment.caseInsensitive);
    } catch (error) {
      if (!(error instanceof UndecidableGlobError)) throw error;
      if (!undecidable.has(rule)) {
        undecidable.add(rule);
        // Never silent: a pattern the checker cannot reason about exactly is reported, and blocks.
        out.push(
          finding('AP2004', {
            uri: rule.entry.uri,
            offset: rule.entry.offset,
            length: rule.entry.length,
            message: `"${rule.entry.pattern}" cannot be analysed exactly for conflicts (${error.message}); rewrite it with *, **, ?, [..] and {a,b} only.`,
          }),
        );
      }
      return undefined;
    }
  };
}
