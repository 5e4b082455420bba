import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { describeLine, type PolicySet, type ShellNode, type ShellParser } from '#core';
import { analyse } from '#core/shell/walk';
import { resolveWord, type Word } from '#core/shell/words';
import { loadShellParser } from '#host/workspace/shell-parser';
import { command, policy } from '../helpers';

// Shell words (server/src/core/shell/words.ts): the word bash would pass for each tree-sitter word
// (quote removal, `$'…'`, `$"…"`, tilde, brace expansion, globs), or why it cannot be known. Each
// expected value was checked against `bash -c 'printf "[%s]\n" …'` (bash 5.2, a UTF-8 locale).
const POLICY = `version: "2.1"
permissions:
  commands:
    allow: ["echo", "cat"]
`;

let set: PolicySet;
let shell: ShellParser;
before(async () => {
  set = await policy({ '': POLICY });
  shell = await loadShellParser();
});

/** The words of the line's first command, straight from the walk (no continuation joining). */
const wordsOf = (text: string): Word[] =>
  shell.withTree(text, (root) => {
    const analysis = analyse(root);
    assert.deepEqual(analysis.errors, []);
    return (analysis.commands[0] as { words: Word[] }).words;
  });
/** The one argument of `echo ARG`. */
const arg = (source: string): Word => {
  const words = wordsOf(`echo ${source}`);
  assert.equal(words.length, 2, `one argument in echo ${source}`);
  return words[1] as Word;
};
const known = (value: string, text: string, glob = false): Word => ({ value, dynamic: undefined, glob, text });
const unknown = (dynamic: string, text: string): Word => ({ value: undefined, dynamic, glob: false, text });
/** A static argument whose source is `$'BODY'`. */
const ansi = (body: string): Word => arg(`$'${body}'`);

/** A hand-made node, for shapes tree-sitter-bash does not produce today. */
function node(type: string, children: (ShellNode | null)[], text = children.map((c) => c?.text ?? '').join('')): ShellNode {
  return { type, text, isNamed: true, isMissing: false, hasError: false, startIndex: 0, endIndex: text.length, children, childForFieldName: () => null };
}

describe('words: quotes and escapes', () => {
  it('single and double quotes are removed, and quoted braces are not an expansion', () => {
    assert.deepEqual(arg(`'{a,b}'`), known('{a,b}', `'{a,b}'`));
    assert.deepEqual(arg(`a'b'"c"$'d'`), known('abcd', `a'b'"c"$'d'`));
  });

  it('a quoted character between two dots does not make `..` a sequence expression', () => {
    // bash: `echo {.'x'.}` prints {.x.}
    assert.deepEqual(arg(`{.'x'.}`), known('{.x.}', `{.'x'.}`));
  });

  it('an escaped brace is not an expansion; an unquoted one is', () => {
    assert.deepEqual(arg('\\{a,b}'), known('{a,b}', '\\{a,b}'));
    assert.deepEqual(arg('{a,b}'), unknown('the brace expansion {a,b}', '{a,b}'));
    assert.deepEqual(arg('{a,b}*'), unknown('the brace expansion {a,b}*', '{a,b}*'));
    assert.deepEqual(arg('1{2,3}'), unknown('the brace expansion 1{2,3}', '1{2,3}'));
  });

  it('an unquoted backslash quotes the next character (and a glob character is then literal)', () => {
    assert.deepEqual(arg('a\\bc'), known('abc', 'a\\bc'));
    assert.deepEqual(arg('a\\`b'), known('a`b', 'a\\`b'));
    assert.deepEqual(arg('a\\*b'), known('a*b', 'a\\*b'));
    assert.deepEqual(arg('\\$HOME'), known('$HOME', '\\$HOME'));
  });

  it('a backslash-newline inside an unquoted word is removed', () => {
    assert.deepEqual(resolveWord(node('word', [], 'a\\\nb')), known('ab', 'a\\\nb'));
  });

  it('an unquoted word with a `$` or a backquote left in it is unknown', () => {
    assert.deepEqual(resolveWord(node('word', [], 'a$b')), unknown('a$b', 'a$b'));
    assert.deepEqual(resolveWord(node('word', [], 'a`b')), unknown('a`b', 'a`b'));
    assert.deepEqual(resolveWord(node('word', [], 'ab')), known('ab', 'ab'));
  });

  it('double quotes keep backslashes except before $ ` " \\ and newline', () => {
    assert.deepEqual(arg('"a\\$b\\"\\\\\\\\c\\n"'), known('a$b"\\\\c\\n', '"a\\$b\\"\\\\\\\\c\\n"'));
    assert.deepEqual(arg('"c\\\nd"'), known('cd', '"c\\\nd"'));
    assert.deepEqual(arg('"a$b"'), unknown('"a$b"', '"a$b"'));
  });

  it('unquoted glob characters make a word a glob; quoted ones do not', () => {
    assert.deepEqual(arg('a[b'), known('a[b', 'a[b', true));
    assert.deepEqual(arg('a*b'), known('a*b', 'a*b', true));
    assert.deepEqual(arg('a?b'), known('a?b', 'a?b', true));
    assert.deepEqual(arg('"a*b"'), known('a*b', '"a*b"'));
  });
});

describe('words: `$`, `$"…"` and process substitution', () => {
  it('a `$` with nothing to expand is itself, alone or at the end of a word', () => {
    // bash: `echo $ a$ "x"$` prints `$ a$ x$`
    assert.deepEqual(wordsOf('echo $ a$ "x"$').slice(1), [known('$', '$'), known('a$', 'a$'), known('x$', '"x"$')]);
  });

  it('a translated string is its text, wherever tree-sitter splits the `$` from it', () => {
    assert.deepEqual(arg('$"hi"'), known('hi', '$"hi"'));
    assert.deepEqual(arg('x$"hi"'), known('xhi', 'x$"hi"'));
    assert.deepEqual(arg('$"a"b'), known('ab', '$"a"b'));
    assert.deepEqual(arg(`$"a"'b'`), known('ab', `$"a"'b'`));
    assert.deepEqual(arg('$"a$b"'), unknown('"a$b"', '$"a$b"'));
    const translated = node('translated_string', [node('$"', [], '$"'), node('string_content', [], 'hi'), node('"', [], '"')]);
    assert.deepEqual(resolveWord(translated), known('hi', '$"hi"'));
  });

  it('a missing child of a node is skipped', () => {
    const concatenation = node('concatenation', [node('word', [], 'a'), null, node('raw_string', [], "'b'")]);
    assert.deepEqual(resolveWord(concatenation), known('ab', "a'b'"));
    const string = node('string', [node('"', [], '"'), null, node('string_content', [], 'c'), node('"', [], '"')]);
    assert.deepEqual(resolveWord(string), known('c', '"c"'));
  });

  it('a number fragment is unquoted text: its dots count toward a sequence expression', () => {
    // Today tree-sitter makes `{1..2}` a brace_expression; a number holding the dots must still show them.
    const braces = node('concatenation', [node('word', [], '{'), node('number', [], '1..2'), node('word', [], '}')]);
    assert.deepEqual(resolveWord(braces), unknown('the brace expansion {1..2}', '{1..2}'));
  });

  it('fragments tree-sitter split are one word, with the text of all of them', () => {
    assert.deepEqual(arg(`'.e'\\nv`), known('.env', `'.e'\\nv`));
  });

  it('a process substitution is a /dev/fd path', () => {
    assert.deepEqual(wordsOf('cat <(ls)')[1], known('/dev/fd/63', '<(ls)'));
  });

  it('an expansion node is unknown by its text', () => {
    assert.deepEqual(arg('a$-b'), unknown('$-', 'a$-b'));
    assert.deepEqual(arg('$(ls)'), unknown('$(ls)', '$(ls)'));
  });

  it('the line description shows the same words', () => {
    const d = describeLine(set, `cat $"a"b '.e'\\nv {a,b} $'\\x41'`);
    assert.deepEqual(d.errors, []);
    assert.deepEqual(
      d.commands.map((c) => c.words),
      [['cat', 'ab', '.env', undefined, 'A']],
    );
  });
});

describe('words: the tilde', () => {
  it('a leading unquoted tilde is the home directory, unknown here', () => {
    assert.deepEqual(arg('~'), unknown('~', '~'));
    assert.deepEqual(arg('~/b'), unknown('~/b', '~/b'));
    assert.deepEqual(arg('~"x"'), unknown('~', '~"x"'));
  });

  it('a tilde elsewhere, or quoted, is a character', () => {
    assert.deepEqual(arg('a~'), known('a~', 'a~'));
    assert.deepEqual(arg(`'~'`), known('~', `'~'`));
    assert.deepEqual(arg('"~"/b'), known('~/b', '"~"/b'));
  });

  it('a tilde after the `=` or a `:` of an assignment-shaped word is expanded', () => {
    assert.deepEqual(arg('x=~'), unknown('the tilde in x=~', 'x=~'));
    assert.deepEqual(arg('x=a:~/b'), unknown('the tilde in x=a:~/b', 'x=a:~/b'));
    assert.deepEqual(arg('x=a~'), known('x=a~', 'x=a~'));
  });
});

describe("words: ANSI-C strings ($'…')", () => {
  it('plain characters are themselves', () => {
    assert.deepEqual(ansi('abc'), known('abc', `$'abc'`));
    assert.deepEqual(ansi(''), known('', `$''`));
  });

  it('the simple escapes', () => {
    assert.deepEqual(ansi('a\\nb'), known('a\nb', `$'a\\nb'`));
    assert.equal(ansi('\\n\\t\\r\\a\\b\\e\\E\\f\\v\\\\\\\'\\"\\?').value, '\n\t\r\u0007\b\u001b\u001b\f\v\\\'"?');
  });

  it('hexadecimal escapes take one or two digits', () => {
    assert.deepEqual(ansi('\\x41'), known('A', `$'\\x41'`));
    assert.equal(ansi('\\x414').value, 'A4');
    assert.equal(ansi('a\\x4g').value, 'a\u0004g');
    assert.equal(ansi('\\x7f').value, '\u007f');
  });

  it('octal escapes take one to three digits', () => {
    assert.equal(ansi('\\101').value, 'A');
    assert.equal(ansi('\\1010').value, 'A0');
    assert.equal(ansi('\\1x41').value, '\u0001x41');
    assert.equal(ansi('\\177').value, '\u007f');
  });

  it('a byte above 0x7f is not a character: unknown', () => {
    assert.deepEqual(ansi('\\351'), unknown(`$'\\351'`, `$'\\351'`));
    assert.deepEqual(ansi('\\x80'), unknown(`$'\\x80'`, `$'\\x80'`));
  });

  it('\\u takes up to four hex digits, \\U up to eight', () => {
    assert.equal(ansi('\\u0041').value, 'A');
    assert.equal(ansi('\\u41').value, 'A');
    assert.equal(ansi('\\u00411').value, 'A1');
    assert.equal(ansi('\\U00000041').value, 'A');
    assert.equal(ansi('\\U000000411').value, 'A1');
    assert.equal(ansi('\\U41u42').value, 'Au42');
    assert.equal(ansi('\\U0010FFFF').value, '\u{10ffff}');
    assert.deepEqual(ansi('\\U00110000'), unknown(`$'\\U00110000'`, `$'\\U00110000'`));
  });

  it('an escape the analysis does not know makes the string unknown', () => {
    assert.deepEqual(ansi('\\q'), unknown(`$'\\q'`, `$'\\q'`));
    assert.deepEqual(ansi('\\q7'), unknown(`$'\\q7'`, `$'\\q7'`));
    assert.deepEqual(ansi('\\qU41'), unknown(`$'\\qU41'`, `$'\\qU41'`));
    assert.deepEqual(ansi('\\cA'), unknown(`$'\\cA'`, `$'\\cA'`));
  });
});

describe("a NUL in $'…'", () => {
  it('makes the word dynamic: bash cuts the string there, so the word is not what it reads as', async () => {
    // `$'rm\0' x` runs rm x in bash; read as "rm\0" it matched no deny and `*` allowed it.
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  commands:\n    allow: ["*"]\n    deny: ["rm"]\n' });
    for (const word of ["$'rm\\0'", "$'rm\\x00'", "$'rm\\u0000'", "$'rm\\U00000000'", "$'rm\\0x'"]) {
      const d = describeLine(set, `${word} x`);
      assert.deepEqual(d.commands[0]?.words, [undefined, 'x'], word);
      assert.notEqual(command(set, `${word} x`).decision, 'allow', word);
    }
  });
});
