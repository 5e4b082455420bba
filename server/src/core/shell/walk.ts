import type { ShellNode } from '../types';
import { resolveWord, type Word } from './words';

/**
 * Where a command runs: the directories it may run in (opaque to the walk; the caller resolves
 * them) and, when a `cd` chose one at run time, what chose it.
 */
export interface Place {
  dirs: readonly string[];
  unknown: string | undefined;
}

/** Decides what a simple command does to the working directory when it succeeds (`cd x`). */
export type ChangeDirectory = (command: SimpleCommand, before: Place) => Place | undefined;

const NO_CHANGE: ChangeDirectory = () => undefined;
const MAX_NESTING = 200;

/** A simple command as written, before wrappers are unwrapped. */
export interface SimpleCommand {
  words: Word[];
  assignments: { name: string; value: Word | undefined }[];
  text: string;
  /** Where it runs. */
  place: Place;
}

export interface Redirect {
  mode: 'read' | 'write';
  target: Word;
  text: string;
  /** Where it is opened: relative targets resolve against it. */
  place: Place;
}

export interface ShellAnalysis {
  commands: SimpleCommand[];
  redirects: Redirect[];
  /** Reasons the line cannot be decided statically at all (parse errors, unknown constructs). */
  errors: string[];
}

// Every node type the analysis understands. Anything else is refused: a construct we do not
// know could run something we did not see.
const KNOWN = new Set([
  'program', 'comment', 'command', 'command_name', 'word', 'string', 'string_content', 'raw_string', 'ansi_c_string',
  'translated_string', 'concatenation', 'simple_expansion', 'expansion', 'command_substitution', 'process_substitution',
  'arithmetic_expansion', 'variable_assignment', 'variable_assignments', 'variable_name', 'subscript', 'number', 'file_redirect',
  'heredoc_redirect', 'heredoc_start', 'heredoc_body', 'heredoc_content', 'heredoc_end', 'herestring_redirect',
  'file_descriptor', 'pipeline', 'list', 'subshell', 'compound_statement', 'redirected_statement', 'negated_command',
  'if_statement', 'elif_clause', 'else_clause', 'while_statement', 'for_statement', 'c_style_for_statement', 'do_group',
  'case_statement', 'case_item', 'function_definition', 'declaration_command', 'unset_command', 'test_command',
  'test_operator', 'binary_expression', 'unary_expression', 'ternary_expression', 'postfix_expression',
  'parenthesized_expression', 'regex', 'extglob_pattern', 'brace_expression', 'special_variable_name', 'array',
  'arithmetic_expansion', 'expansion_flags', 'operator',
]);

const WRITE_OPERATORS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);

function kids(node: ShellNode): ShellNode[] {
  return node.children.filter((c): c is ShellNode => c !== null);
}

function union(a: Place, b: Place): Place {
  if (a === b) return a;
  const dirs = [...a.dirs];
  for (const dir of b.dirs) if (!dirs.includes(dir)) dirs.push(dir);
  return { dirs, unknown: a.unknown ?? b.unknown };
}

function samePlace(a: Place, b: Place): boolean {
  return a.unknown === b.unknown && a.dirs.length === b.dirs.length && a.dirs.every((d) => b.dirs.includes(d));
}

/** Where the shell is after a statement: when it succeeded, and when it failed. */
interface Flow {
  ok: Place;
  failed: Place;
}

const stay = (at: Place): Flow => ({ ok: at, failed: at });

/**
 * The commands and redirections of a parsed line, each with the place it runs in. The shell's
 * working directory is followed as bash changes it: `cd` in the current shell moves later
 * commands (`&&` only on success, `||` only on failure, `;` either way); subshells, pipelines
 * and command substitutions keep their changes to themselves; a `cd` in a loop or a function
 * makes the directory unknown after it.
 */
export function analyse(root: ShellNode, changeDirectory: ChangeDirectory = NO_CHANGE, start: Place = { dirs: [''], unknown: undefined }): ShellAnalysis {
  const walker = new Walker(changeDirectory);
  walker.flow(root, start, [], 0);
  return walker.result;
}

class Walker {
  readonly result: ShellAnalysis = { commands: [], redirects: [], errors: [] };
  constructor(private readonly changeDirectory: ChangeDirectory) {}

  flow(node: ShellNode, at: Place, pending: ShellNode[], depth: number): Flow {
    if (node.type === 'ERROR' || node.isMissing) {
      this.result.errors.push(`the command cannot be parsed near column ${node.startIndex + 1} ("${node.text.slice(0, 30)}")`);
      return stay(at);
    }
    if (node.isNamed && !KNOWN.has(node.type)) {
      this.result.errors.push(`unsupported shell construct "${node.type}" at column ${node.startIndex + 1}`);
      return stay(at);
    }
    if (depth > MAX_NESTING) {
      this.result.errors.push(`the command nests constructs more than ${MAX_NESTING} deep`);
      return stay(at);
    }
    const next = depth + 1;
    switch (node.type) {
      case 'list':
        return this.list(node, at, pending, next);
      case 'pipeline':
        return this.pipeline(node, at, pending, next);
      case 'negated_command': {
        const inner = this.sequence(kids(node), at, pending, next);
        return { ok: inner.failed, failed: inner.ok };
      }
      case 'redirected_statement':
        return this.redirected(node, at, pending, next);
      default:
        break;
    }
    this.attach(pending, at, next);
    switch (node.type) {
      case 'command':
      case 'declaration_command':
      case 'unset_command':
        return this.command(node, at, next);
      case 'variable_assignment':
        // A bare assignment runs nothing by itself; it still changes what later commands resolve.
        this.result.commands.push({ ...assignmentOnly(node), place: at });
        this.walkChildren(kids(node), at, next);
        return stay(at);
      case 'file_redirect':
        this.attach([node], at, next);
        return stay(at);
      case 'program':
      case 'compound_statement':
      case 'do_group':
      case 'if_statement':
      case 'elif_clause':
      case 'else_clause':
      case 'case_statement':
      case 'case_item': {
        const out = this.sequence(kids(node), at, [], next);
        return stay(union(out.ok, out.failed));
      }
      case 'subshell':
      case 'command_substitution':
      case 'process_substitution':
        this.sequence(kids(node), at, [], next);
        return stay(at);
      case 'while_statement':
      case 'for_statement':
      case 'c_style_for_statement':
        return this.loop(node, at, next);
      case 'function_definition':
        return this.functionDefinition(node, at, next);
      default:
        this.walkChildren(kids(node), at, next);
        return stay(at);
    }
  }

  /** Statements one after another; each starts wherever the one before may have left the shell. */
  private sequence(nodes: ShellNode[], at: Place, pending: ShellNode[], depth: number): Flow {
    const statements = nodes.filter((n) => n.isNamed || n.type === 'ERROR');
    let place = at;
    let last: Flow = stay(at);
    statements.forEach((statement, i) => {
      last = this.flow(statement, place, i === statements.length - 1 ? pending : [], depth);
      place = union(last.ok, last.failed);
    });
    if (statements.length === 0) this.attach(pending, at, depth);
    return last;
  }

  private list(node: ShellNode, at: Place, pending: ShellNode[], depth: number): Flow {
    const all = kids(node);
    const operands = all.filter((c) => c.isNamed || c.type === 'ERROR');
    const first = operands[0];
    if (!first) return stay(at);
    let flow = this.flow(first, at, operands.length === 1 ? pending : [], depth);
    let operandIndex = 1;
    for (const child of all) {
      if (child.type !== '&&' && child.type !== '||') continue;
      const right = operands[operandIndex];
      if (!right) break;
      const rightPending = operandIndex === operands.length - 1 ? pending : [];
      operandIndex++;
      if (child.type === '&&') {
        const r = this.flow(right, flow.ok, rightPending, depth);
        flow = { ok: r.ok, failed: union(flow.failed, r.failed) };
      } else {
        const r = this.flow(right, flow.failed, rightPending, depth);
        flow = { ok: union(flow.ok, r.ok), failed: r.failed };
      }
    }
    return flow;
  }

  /** Every part of a pipeline runs in a subshell of its own: none moves the shell. */
  private pipeline(node: ShellNode, at: Place, pending: ShellNode[], depth: number): Flow {
    const parts = kids(node).filter((c) => c.isNamed || c.type === 'ERROR');
    parts.forEach((part, i) => this.flow(part, at, i === parts.length - 1 ? pending : [], depth));
    return stay(at);
  }

  /**
   * tree-sitter-bash hangs a trailing redirection on a whole list or pipeline (`a && b > f`);
   * bash gives it to the last command, so it is handed down to where that command starts.
   */
  private redirected(node: ShellNode, at: Place, pending: ShellNode[], depth: number): Flow {
    const all = kids(node);
    const redirects = all.filter((c) => c.type.endsWith('redirect'));
    const body = all.filter((c) => !c.type.endsWith('redirect'));
    const bodyType = body[0]?.type;
    if (bodyType === 'list' || bodyType === 'pipeline' || bodyType === 'negated_command') {
      return this.sequence(body, at, [...redirects, ...pending], depth);
    }
    this.attach([...redirects, ...pending], at, depth);
    return this.sequence(body, at, [], depth);
  }

  private command(node: ShellNode, at: Place, depth: number): Flow {
    const command = node.type === 'command' ? simpleCommand(node, at) : keywordCommand(node, at);
    this.result.commands.push(command);
    for (const child of kids(node)) {
      if (child.type === 'file_redirect') this.attach([child], at, depth);
      // Its assignments belong to the command; only their values are walked, for substitutions.
      else if (child.type === 'variable_assignment') this.walkChildren(kids(child), at, depth);
      else this.flow(child, at, [], depth);
    }
    const moved = command.words.length ? this.changeDirectory(command, at) : undefined;
    return { ok: moved ?? at, failed: at };
  }

  /** A loop runs its body again from wherever the body left it: a `cd` in it leaves the directory unknown. */
  private loop(node: ShellNode, at: Place, depth: number): Flow {
    const mark = this.mark();
    const out = this.sequence(kids(node), at, [], depth);
    const after = union(out.ok, out.failed);
    if (samePlace(after, at)) return stay(at);
    this.rewind(mark);
    const anywhere = union(at, { dirs: [], unknown: 'a directory change inside a loop' });
    const again = this.sequence(kids(node), union(anywhere, after), [], depth);
    return stay(union(anywhere, union(again.ok, again.failed)));
  }

  /** A function that changes directory moves whoever calls it, wherever that is in the line. */
  private functionDefinition(node: ShellNode, at: Place, depth: number): Flow {
    const name = node.childForFieldName('name')?.text ?? 'a function';
    const out = this.sequence(kids(node), at, [], depth);
    const after = union(out.ok, out.failed);
    return stay(samePlace(after, at) ? at : union(at, { dirs: [], unknown: `the function ${name}, which changes directory` }));
  }

  private walkChildren(nodes: ShellNode[], at: Place, depth: number): void {
    for (const child of nodes) this.flow(child, at, [], depth);
  }

  private attach(redirects: ShellNode[], at: Place, depth: number): void {
    for (const node of redirects) {
      if (node.type === 'file_redirect') {
        const redirect = fileRedirect(node, at);
        if (redirect) this.result.redirects.push(redirect);
      }
      this.walkChildren(kids(node), at, depth);
    }
  }

  private mark(): [number, number, number] {
    return [this.result.commands.length, this.result.redirects.length, this.result.errors.length];
  }

  private rewind([commands, redirects, errors]: [number, number, number]): void {
    this.result.commands.length = commands;
    this.result.redirects.length = redirects;
    this.result.errors.length = errors;
  }
}

function simpleCommand(node: ShellNode, place: Place): SimpleCommand {
  const words: Word[] = [];
  const assignments: SimpleCommand['assignments'] = [];
  for (const child of kids(node)) {
    if (child.type === 'variable_assignment') assignments.push(assignment(child));
    else if (child.type === 'command_name') {
      const inner = kids(child)[0];
      if (inner) words.push(resolveWord(inner));
    } else if (child.isNamed && !child.type.endsWith('redirect') && child.type !== 'comment') words.push(resolveWord(child));
  }
  return { words, assignments, text: node.text, place };
}

function keywordCommand(node: ShellNode, place: Place): SimpleCommand {
  const all = kids(node);
  const keyword = all[0]?.text ?? node.type;
  const words: Word[] = [{ value: keyword, dynamic: undefined, glob: false, text: keyword }];
  const assignments: SimpleCommand['assignments'] = [];
  for (const child of all.slice(1)) {
    if (child.type === 'variable_assignment') assignments.push(assignment(child));
    else if (child.isNamed) words.push(resolveWord(child));
  }
  return { words, assignments, text: node.text, place };
}

function assignmentOnly(node: ShellNode): Omit<SimpleCommand, 'place'> {
  return { words: [], assignments: [assignment(node)], text: node.text };
}

function assignment(node: ShellNode): { name: string; value: Word | undefined } {
  const name = node.childForFieldName('name')?.text ?? '';
  const valueNode = node.childForFieldName('value');
  return { name, value: valueNode ? resolveWord(valueNode) : undefined };
}

function fileRedirect(node: ShellNode, place: Place): Redirect | undefined {
  const all = kids(node);
  const operator = all.find((c) => !c.isNamed)?.type ?? '';
  const destination = node.childForFieldName('destination') ?? all[all.length - 1];
  if (!destination) return undefined;
  // `2>&1`, `>&2`, `<&0`: a descriptor, not a file.
  if ((operator === '>&' || operator === '<&' || operator === '>&-' || operator === '<&-') && /^(\d+|-)$/.test(destination.text)) return undefined;
  const mode = WRITE_OPERATORS.has(operator) || operator === '>&' ? 'write' : 'read';
  return { mode, target: resolveWord(destination), text: node.text, place };
}
