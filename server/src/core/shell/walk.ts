import type { ShellNode } from '../types';
import { resolveWord, type Word } from './words';

/** A simple command as written, before wrappers are unwrapped. */
export interface SimpleCommand {
  words: Word[];
  assignments: { name: string; value: Word | undefined }[];
  text: string;
}

export interface Redirect {
  mode: 'read' | 'write';
  target: Word;
  text: string;
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

export function analyse(root: ShellNode): ShellAnalysis {
  const result: ShellAnalysis = { commands: [], redirects: [], errors: [] };
  const stack: ShellNode[] = [root];
  while (stack.length) {
    const node = stack.pop() as ShellNode;
    if (node.type === 'ERROR' || node.isMissing) {
      result.errors.push(`the command cannot be parsed near column ${node.startIndex + 1} ("${node.text.slice(0, 30)}")`);
      continue;
    }
    if (node.isNamed && !KNOWN.has(node.type)) {
      result.errors.push(`unsupported shell construct "${node.type}" at column ${node.startIndex + 1}`);
      continue;
    }
    if (node.type === 'command') result.commands.push(simpleCommand(node));
    else if (node.type === 'declaration_command' || node.type === 'unset_command') result.commands.push(keywordCommand(node));
    // A bare assignment runs nothing by itself; it still changes what later commands resolve.
    else if (node.type === 'variable_assignment') result.commands.push(assignmentOnly(node));
    else if (node.type === 'file_redirect') {
      const redirect = fileRedirect(node);
      if (redirect) result.redirects.push(redirect);
    }
    for (const child of kids(node)) {
      if ((node.type === 'command' || node.type === 'declaration_command') && child.type === 'variable_assignment') {
        // Handled with its command; still walk its value for substitutions.
        for (const grandchild of kids(child)) stack.push(grandchild);
        continue;
      }
      stack.push(child);
    }
  }
  result.commands.reverse();
  return result;
}

function simpleCommand(node: ShellNode): SimpleCommand {
  const words: Word[] = [];
  const assignments: SimpleCommand['assignments'] = [];
  for (const child of kids(node)) {
    if (child.type === 'variable_assignment') assignments.push(assignment(child));
    else if (child.type === 'command_name') {
      const inner = kids(child)[0];
      if (inner) words.push(resolveWord(inner));
    } else if (child.isNamed && !child.type.endsWith('redirect') && child.type !== 'comment') words.push(resolveWord(child));
  }
  return { words, assignments, text: node.text };
}

function keywordCommand(node: ShellNode): SimpleCommand {
  const all = kids(node);
  const keyword = all[0]?.text ?? node.type;
  const words: Word[] = [{ value: keyword, dynamic: undefined, glob: false, text: keyword }];
  const assignments: SimpleCommand['assignments'] = [];
  for (const child of all.slice(1)) {
    if (child.type === 'variable_assignment') assignments.push(assignment(child));
    else if (child.isNamed) words.push(resolveWord(child));
  }
  return { words, assignments, text: node.text };
}

function assignmentOnly(node: ShellNode): SimpleCommand {
  return { words: [], assignments: [assignment(node)], text: node.text };
}

function assignment(node: ShellNode): { name: string; value: Word | undefined } {
  const name = node.childForFieldName('name')?.text ?? '';
  const valueNode = node.childForFieldName('value');
  return { name, value: valueNode ? resolveWord(valueNode) : undefined };
}

function fileRedirect(node: ShellNode): Redirect | undefined {
  const all = kids(node);
  const operator = all.find((c) => !c.isNamed)?.type ?? '';
  const destination = node.childForFieldName('destination') ?? all[all.length - 1];
  if (!destination) return undefined;
  // `2>&1`, `>&2`, `<&0`: a descriptor, not a file.
  if ((operator === '>&' || operator === '<&' || operator === '>&-' || operator === '<&-') && /^(\d+|-)$/.test(destination.text)) return undefined;
  const mode = WRITE_OPERATORS.has(operator) || operator === '>&' ? 'write' : 'read';
  return { mode, target: resolveWord(destination), text: node.text };
}
