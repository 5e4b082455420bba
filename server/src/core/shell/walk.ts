import type { ShellNode } from '../base/types';
import { resolveFragments, resolveWord, type Word } from './words';

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
const MAX_STEPS = 20_000;
const MAX_COMMANDS = 5_000;
const MAX_DIRECTORIES = 16;

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
  /** Commands the line runs that the analysis cannot see (a person decides). */
  unresolved: string[];
}

// Every node type the analysis understands. Anything else is refused: a construct we do not
// know could run something we did not see.
const KNOWN = new Set([
  'program',
  'comment',
  'command',
  'command_name',
  'word',
  'string',
  'string_content',
  'raw_string',
  'ansi_c_string',
  'translated_string',
  'concatenation',
  'simple_expansion',
  'expansion',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
  'variable_assignment',
  'variable_assignments',
  'variable_name',
  'subscript',
  'number',
  'file_redirect',
  'heredoc_redirect',
  'heredoc_start',
  'heredoc_body',
  'heredoc_content',
  'heredoc_end',
  'herestring_redirect',
  'file_descriptor',
  'pipeline',
  'list',
  'subshell',
  'compound_statement',
  'redirected_statement',
  'negated_command',
  'if_statement',
  'elif_clause',
  'else_clause',
  'while_statement',
  'for_statement',
  'c_style_for_statement',
  'do_group',
  'case_statement',
  'case_item',
  'function_definition',
  'declaration_command',
  'unset_command',
  'test_command',
  'test_operator',
  'binary_expression',
  'unary_expression',
  'ternary_expression',
  'postfix_expression',
  'parenthesized_expression',
  'regex',
  'extglob_pattern',
  'brace_expression',
  'special_variable_name',
  'array',
  'arithmetic_expansion',
  'expansion_flags',
  'operator',
]);

const WRITE_OPERATORS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);

function kids(node: ShellNode): ShellNode[] {
  return node.children.filter((c): c is ShellNode => c !== null);
}

function union(a: Place, b: Place): Place {
  if (a === b) return a;
  const dirs = [...a.dirs];
  for (const dir of b.dirs) if (!dirs.includes(dir)) dirs.push(dir);
  // Loops of `cd`s multiply the candidates: past a few, the directory is as good as unknown.
  if (dirs.length > MAX_DIRECTORIES)
    return { dirs: dirs.slice(0, MAX_DIRECTORIES), unknown: a.unknown ?? b.unknown ?? 'one of too many directories to follow' };
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
  walker.uncalledFunctions(start);
  // Checked last: a rewind inside a loop must not drop it.
  if (walker.exhausted)
    walker.result.errors.push(`the command's loops and function calls take more than ${MAX_STEPS} steps (or ${MAX_COMMANDS} simple commands) to follow`);
  return walker.result;
}

interface FunctionBody {
  body: ShellNode;
  redirects: ShellNode[];
}

class Walker {
  readonly result: ShellAnalysis = { commands: [], redirects: [], errors: [], unresolved: [] };
  /** Functions defined so far: a call runs the body where the call is. */
  private readonly functions = new Map<string, FunctionBody>();
  private readonly calling = new Set<string>();
  private steps = 0;
  /** Inside a branch, a subshell or a loop: what is defined here may not exist afterwards. */
  private uncertain = 0;
  private readonly maybeFunctions = new Map<string, FunctionBody>();

  private maybe<T>(walk: () => T): T {
    this.uncertain++;
    try {
      return walk();
    } finally {
      this.uncertain--;
    }
  }
  private readonly called = new Set<string>();

  get exhausted(): boolean {
    return this.steps > MAX_STEPS;
  }

  /**
   * A function the line defines but never calls by name may still run (a trap, a dynamic name):
   * its body is decided too, in a directory unknown.
   */
  uncalledFunctions(start: Place): void {
    for (const [name, body] of [...this.functions, ...this.maybeFunctions]) {
      if (this.called.has(name)) continue;
      this.runBody(body, union(start, { dirs: [], unknown: `wherever the function ${name} is called` }), 0);
    }
  }
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
    // Loops are walked twice and function bodies once per call: nested, that multiplies. Bounded.
    if (++this.steps > MAX_STEPS) return stay(at);
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
      case 'do_group': {
        const out = this.sequence(kids(node), at, [], next);
        return stay(union(out.ok, out.failed));
      }
      case 'if_statement':
      case 'elif_clause':
      case 'else_clause':
      case 'case_statement':
      case 'case_item': {
        const out = this.maybe(() => this.sequence(kids(node), at, [], next));
        return stay(union(out.ok, out.failed));
      }
      case 'subshell':
      case 'command_substitution':
      case 'process_substitution':
        this.maybe(() => this.sequence(kids(node), at, [], next));
        return stay(at);
      case 'while_statement':
      case 'for_statement':
      case 'c_style_for_statement':
        return this.maybe(() => this.loop(node, at, next));
      case 'function_definition':
        return this.functionDefinition(node, at);
      case 'word':
        // tree-sitter leaves a backquoted command inside `${…}` as a plain word: it runs all the same.
        if (/(^|[^\\])(\\\\)*`/.test(node.text)) this.result.unresolved.push(`the backquoted command in ${node.text.slice(0, 40)} cannot be analysed`);
        return stay(at);
      case 'heredoc_redirect':
        this.heredoc(node);
        this.walkChildren(kids(node), at, next);
        return stay(at);
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

  /** `tail`, when given, runs the last operand in place of flowing it (the pipeline it starts). */
  private list(node: ShellNode, at: Place, pending: ShellNode[], depth: number, tail?: (last: ShellNode, at: Place) => Flow): Flow {
    const all = kids(node);
    const operands = all.filter((c) => c.isNamed || c.type === 'ERROR');
    const first = operands[0];
    if (!first) return stay(at);
    const run = (operand: ShellNode, place: Place, operandPending: ShellNode[]): Flow => {
      if (tail && operand === operands[operands.length - 1])
        return operand.type === 'list' ? this.list(operand, place, operandPending, depth, tail) : tail(operand, place);
      return this.flow(operand, place, operandPending, depth);
    };
    let flow = run(first, at, operands.length === 1 ? pending : []);
    let operandIndex = 1;
    for (const child of all) {
      if (child.type !== '&&' && child.type !== '||') continue;
      const right = operands[operandIndex];
      if (!right) break;
      const rightPending = operandIndex === operands.length - 1 ? pending : [];
      operandIndex++;
      if (child.type === '&&') {
        const r = this.maybe(() => run(right, flow.ok, rightPending));
        flow = { ok: r.ok, failed: union(flow.failed, r.failed) };
      } else {
        const r = this.maybe(() => run(right, flow.failed, rightPending));
        flow = { ok: union(flow.ok, r.ok), failed: r.failed };
      }
    }
    return flow;
  }

  /** Every part of a pipeline runs in a subshell of its own: none moves the shell. */
  private pipeline(node: ShellNode, at: Place, pending: ShellNode[], depth: number): Flow {
    const parts = kids(node).filter((c) => c.isNamed || c.type === 'ERROR');
    const head = parts[0];
    const list = head && listInside(head);
    // tree-sitter reads `a && b 2>x | c` as `(a && b 2>x) | c`; bash as `a && (b 2>x | c)`.
    if (head && list) {
      const redirects = head === list ? [] : kids(head).filter((c) => c.type.endsWith('redirect'));
      return this.list(list, at, [], depth, (last, place) => this.pipelineParts([last, ...parts.slice(1)], place, redirects, pending, depth));
    }
    return this.pipelineParts(parts, at, [], pending, depth);
  }

  private pipelineParts(parts: ShellNode[], at: Place, firstRedirects: ShellNode[], pending: ShellNode[], depth: number): Flow {
    parts.forEach((part, i) => {
      if (i === 0 && firstRedirects.length) this.attach(firstRedirects, at, depth);
      if (parts.length > 1) this.maybe(() => this.flow(part, at, i === parts.length - 1 ? pending : [], depth));
      else this.flow(part, at, i === parts.length - 1 ? pending : [], depth);
    });
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
    // node.children builds new objects on every call in web-tree-sitter: read it once.
    const all = kids(node);
    const command = node.type === 'command' ? simpleCommand(node, at, all) : keywordCommand(node, at, all);
    const name = command.words[0]?.value;
    const body = name === undefined ? undefined : this.functions.get(name);
    // A call of a function defined earlier runs its body, which is decided instead of the name.
    const called = name !== undefined && body !== undefined && !this.calling.has(name);
    // A call still carries its assignments (`LD_PRELOAD=… f`): they are decided like any command's.
    this.result.commands.push(called ? { ...command, words: [] } : command);
    if (this.result.commands.length > MAX_COMMANDS) this.steps = MAX_STEPS + 1;
    const skipped = skippedText(node, all);
    if (skipped !== undefined)
      this.result.unresolved.push(
        `the parser skipped ${JSON.stringify(skipped)} in ${JSON.stringify(node.text.slice(0, 60))}, so its words are not known as bash splits them`,
      );
    for (const child of all) {
      if (child.type === 'file_redirect') this.attach([child], at, depth);
      // Its assignments belong to the command; only their values are walked, for substitutions.
      else if (child.type === 'variable_assignment') this.walkChildren(kids(child), at, depth);
      else this.flow(child, at, [], depth);
    }
    if (called) return this.call(name, body, at, depth);
    const moved = command.words.length ? this.changeDirectory(command, at) : undefined;
    return { ok: moved ?? at, failed: at };
  }

  /** A call of a function defined earlier in the line runs its body here, and moves the shell as the body does. */
  private call(name: string, body: FunctionBody, at: Place, depth: number): Flow {
    this.called.add(name);
    this.calling.add(name);
    try {
      return this.runBody(body, at, depth);
    } finally {
      this.calling.delete(name);
    }
  }

  /** A function's redirections (`f() { …; } > out`) are opened where it is called, before its body runs. */
  private runBody(fn: FunctionBody, at: Place, depth: number): Flow {
    this.attach(fn.redirects, at, depth);
    return this.sequence([fn.body], at, [], depth);
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

  /** A function's body runs where it is called: each call in the line walks it there (see uncalledFunctions). */
  private functionDefinition(node: ShellNode, at: Place): Flow {
    const name = node.childForFieldName('name')?.text ?? 'a function';
    const all = kids(node);
    const body = node.childForFieldName('body') ?? all.filter((c) => !c.type.endsWith('redirect')).at(-1);
    const redirects = all.filter((c) => c.type.endsWith('redirect'));
    // Defined only maybe (in a branch, a subshell, after `&&`): a call may run the program of that name instead.
    if (body) (this.uncertain > 0 ? this.maybeFunctions : this.functions).set(name, { body, redirects });
    return stay(at);
  }

  /** An unquoted here-document runs the backquoted commands in its body, which tree-sitter does not parse. */
  private heredoc(node: ShellNode): void {
    // tree-sitter folds what follows the delimiter on its line (`<<EOF secrets/key`, `<<EOF && cat key`) into the
    // here-document: words bash passes to the command, commands it runs elsewhere. Not analysed: a person decides.
    // A pipe (`<<EOF | grep x`) and further redirections (`<<EOF > out`) are walked as bash reads them.
    const after = kids(node).find(
      (c) => (c.isNamed && !c.type.startsWith('heredoc_') && !c.type.endsWith('redirect') && c.type !== 'pipeline') || c.type === '&&' || c.type === '||',
    );
    if (after)
      this.result.unresolved.push(
        `the here-document is followed on its line by ${JSON.stringify(node.text.slice(after.startIndex - node.startIndex).split('\n')[0])}, which is not analysed as bash reads it`,
      );
    const start = kids(node).find((c) => c.type === 'heredoc_start')?.text ?? '';
    const body = kids(node).find((c) => c.type === 'heredoc_body');
    if (!body || /['"\\]/.test(start)) return;
    if (/(^|[^\\])(\\\\)*`/.test(body.text)) this.result.unresolved.push(`the here-document ${start} runs a backquoted command that cannot be analysed`);
  }

  private walkChildren(nodes: ShellNode[], at: Place, depth: number): void {
    for (const child of nodes) this.flow(child, at, [], depth);
  }

  private attach(redirects: ShellNode[], at: Place, depth: number): void {
    for (const node of redirects) {
      if (node.type === 'file_redirect') {
        const redirect = fileRedirect(node, at);
        if (redirect) this.result.redirects.push(redirect);
        const extra = extraWords(node);
        // `cat 2>/dev/null secrets/key`: tree-sitter folds the arguments after a redirection into it.
        if (extra)
          this.result.unresolved.push(
            `the words ${JSON.stringify(extra)} after the redirection are arguments bash passes to the command; write the redirection after them`,
          );
      }
      if (node.type === 'heredoc_redirect') this.heredoc(node);
      this.walkChildren(kids(node), at, depth);
    }
  }

  private mark(): [number, number, number] {
    return [this.result.commands.length, this.result.redirects.length, this.result.errors.length];
  }

  private rewind([commands, redirects, errors]: [number, number, number]): void {
    // Unresolved reasons stay: they only make the decision stricter.
    this.result.commands.length = commands;
    this.result.redirects.length = redirects;
    this.result.errors.length = errors;
  }
}

/** Text between a command's parts that no node covers (tree-sitter drops `\ ` after a quoted string). */
function skippedText(node: ShellNode, children: ShellNode[]): string | undefined {
  let end = node.startIndex;
  const text = node.text;
  for (const child of children) {
    if (child.startIndex === end) {
      end = child.endIndex;
      continue;
    }
    const gap = text.slice(end - node.startIndex, child.startIndex - node.startIndex);
    if (/\S/.test(gap.replace(/\\\n/g, ''))) return gap.trim();
    end = child.endIndex;
  }
  return undefined;
}

/** The list a pipeline's first part really is, when tree-sitter folded one into it. */
function listInside(node: ShellNode): ShellNode | undefined {
  if (node.type === 'list') return node;
  if (node.type !== 'redirected_statement') return undefined;
  const body = kids(node).find((c) => !c.type.endsWith('redirect'));
  return body?.type === 'list' ? body : undefined;
}

function simpleCommand(node: ShellNode, place: Place, children: ShellNode[]): SimpleCommand {
  const words: Word[] = [];
  const assignments: SimpleCommand['assignments'] = [];
  const parts: ShellNode[][] = [];
  let end = -1;
  for (const child of children) {
    if (child.type === 'variable_assignment') assignments.push(assignment(child));
    else if (child.type === 'command_name') {
      const inner = kids(child)[0];
      if (inner) parts.push([inner]);
      end = child.endIndex;
    } else if ((child.isNamed || child.type === '$') && !child.type.endsWith('redirect') && child.type !== 'comment') {
      // Fragments with nothing between them are one word to bash (`'.e'\nv` is `.env`); tree-sitter may split them.
      const last = parts[parts.length - 1];
      if (last && child.startIndex === end) last.push(child);
      else parts.push([child]);
      end = child.endIndex;
    } else end = -1;
  }
  for (const word of parts) words.push(word.length === 1 ? resolveWord(word[0] as ShellNode) : resolveFragments(word));
  return { words, assignments, text: node.text, place };
}

function keywordCommand(node: ShellNode, place: Place, all: ShellNode[]): SimpleCommand {
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

/** The words tree-sitter folded into a file redirection after its target, if any. */
function extraWords(node: ShellNode): string | undefined {
  const all = kids(node);
  const destination = node.childForFieldName('destination');
  const targets = all.filter((c) => c.isNamed && c.type !== 'file_descriptor' && c.type !== 'comment');
  const first = destination ? targets.findIndex((c) => c.startIndex === destination.startIndex) : 0;
  const rest = targets.slice(first + 1);
  return rest.length ? node.text.slice((rest[0] as ShellNode).startIndex - node.startIndex) : undefined;
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
