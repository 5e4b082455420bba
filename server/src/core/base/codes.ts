import type { Severity } from './types';

/**
 * Every rule the core reports, under a stable code. Quick fixes and documentation key on the
 * code, never on message text. `blocking` marks findings that make the policy set unenforceable:
 * while one is present every action is denied.
 */
export interface CodeInfo {
  code: string;
  name: string;
  severity: Severity;
  blocking: boolean;
  summary: string;
}

const table = {
  AP1001: { name: 'yaml-syntax', severity: 'error', blocking: true, summary: 'The file is not valid YAML.' },
  AP1002: { name: 'not-a-mapping', severity: 'error', blocking: true, summary: 'A policy file must be a YAML mapping of keys to values.' },
  AP1003: {
    name: 'schema',
    severity: 'error',
    blocking: true,
    summary: "A value does not fit the version's JSON Schema (wrong type, unknown key, missing key).",
  },
  AP1004: { name: 'too-large', severity: 'error', blocking: true, summary: 'The file is larger than a policy may be.' },
  AP1005: { name: 'too-deep', severity: 'error', blocking: true, summary: 'The file nests deeper than a policy may.' },
  AP1006: { name: 'unquoted-version', severity: 'warning', blocking: false, summary: 'The version is a YAML number; write it as a quoted string.' },
  AP1007: {
    name: 'unreadable',
    severity: 'error',
    blocking: true,
    summary: 'The policy file cannot be read as a policy: a folder, a symbolic link, or a read error.',
  },
  AP2001: { name: 'unsupported-version', severity: 'error', blocking: true, summary: 'The policy declares a version this runtime does not support.' },
  AP2002: { name: 'override-conflict', severity: 'error', blocking: false, summary: 'An override allows paths that the root or an ancestor override denies.' },
  AP2003: { name: 'override-outside-directory', severity: 'error', blocking: false, summary: 'An override allows paths outside its own directory.' },
  AP2004: { name: 'invalid-glob', severity: 'error', blocking: true, summary: 'A path pattern is not a glob this runtime accepts.' },
  AP2005: { name: 'duplicate-pattern', severity: 'warning', blocking: false, summary: 'The same pattern appears twice in one list.' },
  AP2006: {
    name: 'shadowed-pattern',
    severity: 'warning',
    blocking: false,
    summary: 'Every path this pattern matches is already matched by another pattern of the same list.',
  },
  AP2007: {
    name: 'dead-allow',
    severity: 'warning',
    blocking: false,
    summary: 'Every path this allow pattern matches is denied, so it never allows anything.',
  },
  AP2008: { name: 'invalid-command-pattern', severity: 'error', blocking: true, summary: 'A command pattern is not one simple command.' },
  AP2009: { name: 'invalid-host', severity: 'error', blocking: true, summary: 'A network exception is not a host name.' },
  AP2010: { name: 'override-version-mismatch', severity: 'error', blocking: true, summary: "An override declares a version other than the root policy's." },
  AP2011: { name: 'no-root-policy', severity: 'error', blocking: true, summary: 'No root .agent-policy.yml was found.' },
  AP2012: { name: 'root-anchored-pattern', severity: 'info', blocking: false, summary: 'A pattern without a slash matches only at the repository root.' },
  AP2014: {
    name: 'outdated-version',
    severity: 'info',
    blocking: false,
    summary: 'The policy uses an older supported version; the current format is a superset of it.',
  },
  AP2013: {
    name: 'override-carved-by-deny',
    severity: 'info',
    blocking: false,
    summary: "A root-wide deny carves some paths out of an override's allow; deny wins there.",
  },
} satisfies Record<string, Omit<CodeInfo, 'code'>>;

export type Code = keyof typeof table;

export const CODES: Readonly<Record<Code, CodeInfo>> = Object.fromEntries(Object.entries(table).map(([code, info]) => [code, { code, ...info }])) as Record<
  Code,
  CodeInfo
>;

export function codeInfo(code: string): CodeInfo | undefined {
  return (CODES as Record<string, CodeInfo | undefined>)[code];
}

/**
 * Where a rule's documentation lives: a section of docs/rules.md. Hosts that ship the file (the
 * extension) pass its URL as `base`; others link the published copy.
 */
export function codeDocUrl(code: string, base = 'https://agent-policy.dev/rules'): string {
  return base.endsWith('.md') ? `${base}#${code.toLowerCase()}` : `${base}/${code}`;
}
