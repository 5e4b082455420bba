import type { Decision, RuleRef } from './types';

/**
 * Why a partial decision was made, as data: which rule, which word, which expansion, which entry
 * of a reviewed table. The reason text is rendered from causes here and nowhere else, so the text
 * and the data cannot disagree; tests and the audit log can say why without parsing prose.
 */
export type CauseKind =
  | 'input' // the action or line is malformed, too long or too deep
  | 'parse' // the shell line cannot be parsed, or holds a construct the analysis refuses
  | 'rule' // a policy rule matched (the rule says which list)
  | 'no-allow' // no allow rule admits the program
  | 'program' // the program cannot be known, or is not the one an allow names
  | 'expansion' // a word the shell expands at run time
  | 'variable' // a risky environment variable (reviewed table)
  | 'option' // an option from the per-program table
  | 'script' // a sed/awk script that runs commands or reaches files
  | 'place' // where the command runs: outside the root, a denied folder, a directory chosen at run time
  | 'argument' // what an argument names: a denied, governed, secret or outside path, a descriptor, a link
  | 'glob' // what an unquoted glob can expand to
  | 'folder' // a folder holding governance files, changed as a whole
  | 'path' // a file decision made for a command (redirection, written option value)
  | 'network' // a network target a command reaches
  | 'builtin'; // a shell builtin that needs no rule (cd)

export interface Cause {
  kind: CauseKind;
  /** What was decided: `command "cat x"`, `redirection "> f"`, `command.exec "…"`. */
  subject: string;
  /** Why, in words, after the subject. */
  detail: string;
  /** The policy rule that decided, when one did. */
  rule?: RuleRef;
  /** The word of the command the cause is about. */
  word?: string;
  /** The program and option, for an option-table entry. */
  program?: string;
  option?: string;
  /** The reviewed table the cause comes from (`program-options`, `risky-variables`, `outside-secrets`, `governance`). */
  table?: string;
}

export function renderCause(cause: Cause): string {
  return `${cause.subject}: ${cause.detail}`;
}

/** A partial decision with its cause; the reason is the cause rendered. */
export function because(
  decision: Decision,
  cause: Cause,
  rules: RuleRef[] = cause.rule ? [cause.rule] : [],
): { decision: Decision; reason: string; rules: RuleRef[]; causes: Cause[] } {
  return { decision, reason: renderCause(cause), rules, causes: [cause] };
}
