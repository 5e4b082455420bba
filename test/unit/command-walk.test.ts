import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { describeLine, type LineDescription, type PolicySet, type ShellNode, type ShellParser } from '#core';
import { analyse, type ShellAnalysis } from '#core/shell/walk';
import { loadShellParser } from '#host/workspace/shell-parser';
import { command, policy } from '../helpers';

// The shell walk (server/src/core/shell/walk.ts): which simple commands and redirections a line
// runs, and the directory each runs in. Each test names what the walk believes (words, places,
// reasons), so a mutant that changes the belief fails here, not only one that flips a decision.
const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**", "out"]
  commands:
    allow: ["ls", "cat", "export", "declare", "unset"]
`;

let set: PolicySet;
let shell: ShellParser;
before(async () => {
  set = await policy({ '': POLICY });
  shell = await loadShellParser();
});

const line = (text: string, cwd?: string): LineDescription => describeLine(set, text, cwd);
/** The walk's own result, without the policy's directory changes (`cd` moves nothing). */
const walk = (text: string): ShellAnalysis => shell.withTree(text, (root) => analyse(root));
const words = (d: LineDescription): (string | undefined)[][] => d.commands.map((c) => c.words);
/** Where each command runs, as `words@dirs[?unknown]`. */
const places = (d: LineDescription): string[] =>
  d.commands.map((c) => `${c.words.join(' ')}@${c.dirs.join(',')}${c.unknownCwd === undefined ? '' : `?${c.unknownCwd}`}`);
const redirects = (d: LineDescription): string[] =>
  d.redirects.map((r) => `${r.mode} ${r.target}@${r.dirs.join(',')}${r.unknownCwd === undefined ? '' : `?${r.unknownCwd}`}`);
const clean = (d: LineDescription): void => {
  assert.deepEqual(d.errors, []);
  assert.deepEqual(d.unresolved, []);
};

/** A hand-made node, for shapes tree-sitter-bash does not produce today. */
function node(type: string, children: (ShellNode | null)[], text = type, startIndex = 0): ShellNode {
  return {
    type,
    text,
    isNamed: true,
    isMissing: false,
    hasError: false,
    startIndex,
    endIndex: startIndex + text.length,
    children,
    childForFieldName: () => null,
  };
}

describe('walk: the directories a command may run in', () => {
  it('two ways into the same directory are one directory', () => {
    const d = line('cd src || cd src; ls');
    clean(d);
    assert.deepEqual(places(d), ['cd src@', 'cd src@', 'ls@src,']);
  });

  it('sixteen candidate directories are followed; a seventeenth makes the directory unknown', () => {
    const alternatives = (n: number): string => Array.from({ length: n }, (_, i) => `cd d${i}`).join(' || ');
    const sixteen = line(`${alternatives(15)}; ls`);
    const last = sixteen.commands[sixteen.commands.length - 1];
    assert.deepEqual(last, { words: ['ls'], assignments: [], dirs: [...Array.from({ length: 15 }, (_, i) => `d${i}`), ''], unknownCwd: undefined });

    const seventeen = line(`${alternatives(16)}; ls`);
    const over = seventeen.commands[seventeen.commands.length - 1];
    assert.deepEqual(over, {
      words: ['ls'],
      assignments: [],
      dirs: Array.from({ length: 16 }, (_, i) => `d${i}`),
      unknownCwd: 'one of too many directories to follow',
    });
  });

  it('past sixteen directories, a run-time choice already made stays the reason', () => {
    const d = line(`cd "$D" || ${Array.from({ length: 16 }, (_, i) => `cd d${i}`).join(' || ')}; ls`);
    const last = d.commands[d.commands.length - 1];
    assert.equal(last?.dirs.length, 16);
    assert.equal(last?.unknownCwd, 'cd "$D"');
  });

  it('`||` runs its right side where the left failed, and moves the shell either way', () => {
    const d = line('cd src || cd out; ls');
    clean(d);
    assert.deepEqual(places(d), ['cd src@', 'cd out@', 'ls@src,out,']);
  });

  it('a negation swaps success and failure: `! cd src || ls` runs ls where cd succeeded', () => {
    assert.deepEqual(places(line('! cd src || ls')), ['cd src@', 'ls@src']);
    assert.deepEqual(places(line('! cd src && ls')), ['cd src@', 'ls@']);
  });

  it('a pipeline part moves nothing: neither its neighbours nor what follows', () => {
    const d = line('cd src | cat; ls');
    clean(d);
    assert.deepEqual(places(d), ['cd src@', 'cat@', 'ls@']);
  });

  it("`a && b 2>x | c` is `a && (b 2>x | c)`: b, c and b's redirection run after a", () => {
    const d = line('cd src && ls 2>err | cat');
    clean(d);
    assert.deepEqual(places(d), ['cd src@', 'ls@src', 'cat@src']);
    assert.deepEqual(redirects(d), ['write err@src']);
    const longer = line('cd src && ls 2>err | cat | cat');
    assert.deepEqual(places(longer), ['cd src@', 'ls@src', 'cat@src', 'cat@src']);
    assert.deepEqual(redirects(longer), ['write err@src']);
  });

  it('a plain list before a pipe is unfolded the same way, without a redirection', () => {
    const d = line('cd src && ls | cat');
    assert.deepEqual(places(d), ['cd src@', 'ls@src', 'cat@src']);
    assert.deepEqual(d.redirects, []);
  });

  it('a pipeline part with its own redirection is not taken for a folded list', () => {
    const d = line('ls 2>err | cat');
    clean(d);
    assert.deepEqual(places(d), ['ls@', 'cat@']);
    assert.deepEqual(redirects(d), ['write err@']);
  });

  it('a redirection hung on a whole pipeline belongs to its last part, after the list it starts with', () => {
    const d = line('cd src && ls 2>err | cat > out');
    clean(d);
    assert.deepEqual(places(d), ['cd src@', 'ls@src', 'cat@src']);
    assert.deepEqual(redirects(d), ['write err@src', 'write out@src']);
    // In order: the first part's own redirection, then the last part's.
    assert.deepEqual(redirects(line('ls 2>err | cat > out')), ['write err@', 'write out@']);
  });

  it('a redirection hung on a list belongs to its last command, where that runs', () => {
    const d = line('cd src && ls > out');
    assert.deepEqual(places(d), ['cd src@', 'ls@src']);
    assert.deepEqual(redirects(d), ['write out@src']);
    const simple = line('ls > out');
    assert.deepEqual(places(simple), ['ls@']);
    assert.deepEqual(redirects(simple), ['write out@']);
  });

  it('a redirection without a command still opens its file', () => {
    const d = line('> out');
    clean(d);
    assert.deepEqual(d.commands, []);
    assert.deepEqual(redirects(d), ['write out@']);
  });
});

describe('walk: branches, loops and substitutions', () => {
  it('a cd in an else, an elif or a case item moves what follows the construct', () => {
    assert.deepEqual(places(line('if false; then :; else cd src; fi; ls')), ['false@', ':@', 'cd src@', 'ls@src,']);
    assert.deepEqual(places(line('if false; then :; elif cd src; then :; fi; ls')), ['false@', ':@', 'cd src@', ':@src,', 'ls@src,']);
    assert.deepEqual(places(line('case x in x) cd src;; esac; ls')), ['cd src@', 'ls@src,']);
  });

  it('a cd in a while or a C-style for loop makes the directory unknown, and the loop is walked again from there', () => {
    const loop = 'a directory change inside a loop';
    assert.deepEqual(places(line('while true; do cd src; done; ls')), [`true@,src?${loop}`, `cd src@,src?${loop}`, `ls@,src,src/src?${loop}`]);
    assert.deepEqual(places(line('for ((i=0;i<2;i++)); do cd src; done; ls')), [`@,src?${loop}`, `cd src@,src?${loop}`, `ls@,src,src/src?${loop}`]);
  });

  it('a loop without a cd is walked once, where it starts', () => {
    const d = line('for f in a b; do cat $f; done; ls');
    assert.deepEqual(
      d.commands.map((c) => c.dirs),
      [[''], ['']],
    );
  });

  it('a process substitution runs in a subshell: its cd moves its own commands only, once', () => {
    const d = line('cat <(cd src; ls); ls');
    clean(d);
    assert.deepEqual(places(d), ['cat /dev/fd/63@', 'cd src@', 'ls@src,', 'ls@']);
  });

  it('a function defined in a substitution or a pipeline part does not exist afterwards: the call is the program', () => {
    const called = 'wherever the function f is called';
    for (const definition of ['echo $(f() { cd src; })', 'cat <(f() { cd src; })', 'f() { cd src; } | cat', 'x=$(f() { cd src; })']) {
      const d = line(`${definition}; f; ls`);
      const after = places(d).slice(-3);
      assert.deepEqual(after, ['f@', 'ls@', `cd src@?${called}`], definition);
    }
  });

  it('a branch before a definition does not leave the definition uncertain', () => {
    const d = line('if true; then ls; fi; f() { cd src; }; f; ls');
    clean(d);
    // The call of f runs its body (no words of its own) and moves the ls after it.
    assert.deepEqual(places(d), ['true@', 'ls@', '@', 'cd src@', 'ls@src,']);
  });

  it('a function never called is decided with the directory unknown', () => {
    const d = line('f() { ls; }');
    assert.deepEqual(d.commands, [{ words: ['ls'], assignments: [], dirs: [''], unknownCwd: 'wherever the function f is called' }]);
  });
});

describe('walk: words and assignments of keyword commands', () => {
  it('export, declare, local and unset are commands named by their keyword', () => {
    assert.deepEqual(line('export A=1').commands, [{ words: ['export'], assignments: ['A'], dirs: [''], unknownCwd: undefined }]);
    assert.deepEqual(line('declare -x A=1 B=2').commands, [{ words: ['declare', '-x'], assignments: ['A', 'B'], dirs: [''], unknownCwd: undefined }]);
    assert.deepEqual(words(line('unset -v X')), [['unset', '-v', undefined]]);
    assert.deepEqual(words(line('f() { local -r A=1; }; f')), [[], ['local', '-r']]);
  });

  it('the keyword is a literal word, neither dynamic nor a glob', () => {
    const [first] = walk('export A=1').commands;
    assert.deepEqual(first?.words, [{ value: 'export', dynamic: undefined, glob: false, text: 'export' }]);
    assert.deepEqual(
      first?.assignments.map((a) => [a.name, a.value?.value]),
      [['A', '1']],
    );
    assert.equal(command(set, 'export A=1').decision, 'allow');
  });

  it('a lone `$` is a word of its own', () => {
    assert.deepEqual(words(line('echo $')), [['echo', '$']]);
  });

  it('a bare assignment is a command of its own, with no words; a prefix assignment belongs to its command', () => {
    assert.deepEqual(line('A=1').commands, [{ words: [], assignments: ['A'], dirs: [''], unknownCwd: undefined }]);
    assert.deepEqual(line('A=1 ls').commands, [{ words: ['ls'], assignments: ['A'], dirs: [''], unknownCwd: undefined }]);
    const [bare] = walk('A=x').commands;
    assert.deepEqual(
      bare?.assignments.map((a) => [a.name, a.value?.value]),
      [['A', 'x']],
    );
    assert.equal(bare?.text, 'A=x');
  });

  it('a substitution in an assignment value is walked as a command of its own', () => {
    const d = line('A=$(cat x) ls');
    assert.deepEqual(places(d), ['ls@', 'cat x@']);
  });

  it("the walk starts at the shell's own directory, known, when none is given", () => {
    const analysis = walk('ls');
    assert.deepEqual(analysis.commands[0]?.place, { dirs: [''], unknown: undefined });
    assert.deepEqual(walk('f() { ls; }').commands[0]?.place, { dirs: [''], unknown: 'wherever the function f is called' });
  });
});

describe('walk: redirections', () => {
  it('a file named by digits is a file; a descriptor after >& or <& is not', () => {
    assert.deepEqual(redirects(line('ls > 1')), ['write 1@']);
    assert.deepEqual(redirects(line('ls 2> 2')), ['write 2@']);
    assert.deepEqual(line('cat <&0').redirects, []);
    assert.deepEqual(line('ls 2>&1').redirects, []);
    assert.deepEqual(redirects(line('ls >&out')), ['write out@']);
    // Only a whole number (or `-`) is a descriptor: `>&x1` and `>&1x` write files, `>&12` duplicates descriptor 12.
    assert.deepEqual(redirects(line('ls >&x1')), ['write x1@']);
    assert.deepEqual(redirects(line('ls >&1x')), ['write 1x@']);
    assert.deepEqual(line('ls >&12').redirects, []);
  });

  it('an input redirection reads, an output one writes, one before the command name counts too', () => {
    assert.deepEqual(redirects(line('cat < in')), ['read in@']);
    const d = line('>out ls');
    assert.deepEqual(words(d), [['ls']]);
    assert.deepEqual(redirects(d), ['write out@']);
  });

  it('an input redirection reads the first word after its operator', () => {
    // The words after it are cat's arguments to bash; what the redirection opens is `a`.
    assert.deepEqual(redirects(line('cat < a b')), ['read a@']);
  });

  it('a redirection hung on a pipeline goes to its last part only', () => {
    const d = line('ls | cat 2>err | cat > out');
    assert.deepEqual(places(d), ['ls@', 'cat@', 'cat@']);
    assert.deepEqual(redirects(d), ['write err@', 'write out@']);
  });

  it("a redirection after a here-document's start is opened too", () => {
    const d = line('cat <<EOF > out\nx\nEOF');
    clean(d);
    assert.deepEqual(redirects(d), ['write out@']);
  });

  it('an unquoted here-document with a backquote runs a command; one without, or quoted, does not', () => {
    const runs = ['the here-document EOF runs a backquoted command that cannot be analysed'];
    assert.deepEqual(line('cat <<EOF\n`id`\nEOF').unresolved, runs);
    assert.deepEqual(line('cat <<EOF\nx `id`\nEOF').unresolved, runs);
    // Opened at the start of the body, closed after an escaped backslash: bash runs `echo \`.
    assert.deepEqual(line('cat <<EOF\n`echo \\\\`\nEOF').unresolved, runs);
    assert.deepEqual(line('cat <<EOF\nx\nEOF').unresolved, []);
    assert.deepEqual(line('cat <<EOF\na \\`b\nEOF').unresolved, []);
    assert.deepEqual(line("cat <<'EOF'\n`id`\nEOF").unresolved, []);
  });

  it('a backquote tree-sitter leaves inside ${…} is a command that cannot be analysed', () => {
    assert.deepEqual(line('echo ${x:-`id`}').unresolved, ['the backquoted command in `id` cannot be analysed']);
    assert.deepEqual(line('echo ${x:-a\\`id\\`}').unresolved, []);
    // Opened at the start of the word, closed after an escaped backslash.
    assert.deepEqual(line('echo ${x:-`echo \\\\`}').unresolved, ['the backquoted command in `echo \\\\` cannot be analysed']);
    const long = `\`${'x'.repeat(50)}\``;
    assert.deepEqual(line(`echo \${y:-${long}}`).unresolved, [`the backquoted command in ${long.slice(0, 40)} cannot be analysed`]);
  });

  it('text the parser skipped is named, with the start of the command', () => {
    const text = `ls "a"\\ b ${'c'.repeat(70)}`;
    assert.deepEqual(line(text).unresolved, [
      `the parser skipped "\\\\" in ${JSON.stringify(text.slice(0, 60))}, so its words are not known as bash splits them`,
    ]);
    // A backslash-newline between words is no skipped text (the walk is given it unjoined here).
    assert.deepEqual(walk('ls \\\n a').unresolved, []);
  });
});

describe('walk: refusals and bounds', () => {
  it('a parse error is an error naming its column and the start of its text', () => {
    assert.deepEqual(line('ls )').errors, ['the command cannot be parsed near column 4 (")")']);
    const text = `if true; then ls ${'a'.repeat(40)}`;
    assert.deepEqual(line(text).errors, [`the command cannot be parsed near column 1 (${JSON.stringify(text.slice(0, 30))})`]);
  });

  it('a missing token is a parse error too', () => {
    assert.deepEqual(line('ls &&').errors, ['the command cannot be parsed near column 6 ("")']);
  });

  it('a construct the walk does not know is refused, not skipped', () => {
    const unknown = node('select_statement', [], 'select x in a; do ls; done', 3);
    const analysis = analyse(node('program', [unknown, null]));
    assert.deepEqual(analysis.errors, ['unsupported shell construct "select_statement" at column 4']);
    assert.deepEqual(analysis.commands, []);
  });

  it('197 nested subshells are followed; 198 are refused', () => {
    const nested = (n: number): string => `${'( '.repeat(n)}ls${' )'.repeat(n)}`;
    const deep = line(nested(197));
    assert.deepEqual(deep.errors, []);
    assert.deepEqual(words(deep), [['ls']]);
    assert.deepEqual(line(nested(198)).errors, ['the command nests constructs more than 200 deep']);
  });

  const exhausted = "the command's loops and function calls take more than 20000 steps (or 5000 simple commands) to follow";

  it('5000 simple commands in exactly 20000 steps are followed; a 5001st command is refused', () => {
    // 1 step for the program, 4 for each `ls a` (command, name, two words), 3 for the last `ls`.
    const full = line([...Array<string>(4999).fill('ls a'), 'ls'].join('; '));
    assert.deepEqual(full.errors, []);
    assert.equal(full.commands.length, 5000);
    const over = line(Array<string>(5001).fill('ls').join('; '));
    assert.deepEqual(over.errors, [exhausted]);
  });

  it('the 20000th step is still taken, the 20001st is not', () => {
    // 1 + 4998 * 4 + 6 = 19999 steps, then the last command is step 20000 and its name 20001.
    const d = line([...Array<string>(4998).fill('ls a'), 'ls a b c', 'ls'].join('; '));
    assert.equal(d.commands.length, 5000);
    assert.deepEqual(d.errors, [exhausted]);
  });
});

// Holes a review of the surviving mutants found: each line was allowed before.
describe('walk: what tree-sitter folds into a redirection', () => {
  it('words after a redirection target are arguments bash passes: the line asks, naming them', () => {
    for (const [text, extra] of [
      ['cat 2>/dev/null secrets/key', 'secrets/key'],
      ['cat < /dev/null secrets/key', 'secrets/key'],
      ['rm 2>/dev/null -rf /', '-rf /'],
      ['ls 2>&1 secrets', 'secrets'],
    ] as const) {
      assert.deepEqual(
        line(text).unresolved,
        [`the words ${JSON.stringify(extra)} after the redirection are arguments bash passes to the command; write the redirection after them`],
        text,
      );
      assert.equal(command(set, text).decision === 'allow', false, text);
    }
    // Written after the arguments, the same redirection is plain.
    clean(line('cat secrets/key 2>/dev/null'));
  });

  it('words or commands after a here-document delimiter on its line ask; a pipe or a redirection there is walked', () => {
    const folded = (text: string, what: string): void =>
      assert.deepEqual(
        line(text).unresolved,
        [`the here-document is followed on its line by ${JSON.stringify(what)}, which is not analysed as bash reads it`],
        text,
      );
    folded('cat <<EOF secrets/key\nx\nEOF', 'secrets/key');
    // bash runs `cat key` in secrets/ after the cd: tree-sitter hangs it on the here-document.
    folded('cd secrets <<EOF && cat key\nx\nEOF', '&& cat key');
    const piped = line('cat <<EOF | grep x\na\nEOF');
    clean(piped);
    // Both are decided (the redirection is walked before the command it hangs on; order does not decide).
    assert.deepEqual(words(piped), [['grep', 'x'], ['cat']]);
    clean(line('cat <<EOF > out\nx\nEOF'));
  });

  it("a function's redirection is opened at each call, where the call runs", () => {
    const d = line('f() { echo x; } > .env; cd src && f');
    assert.deepEqual(redirects(d), ['write .env@src']);
    const r = command(set, 'f() { ls; } > out; f');
    assert.equal(r.decision, 'allow', r.reason);
  });

  it('a backquote after an escaped backslash in an unquoted here-document runs a command', () => {
    // In the body `\\` is one backslash, so the backquote after it opens a command substitution.
    assert.deepEqual(line('cat <<EOF\nx \\\\`touch p #\\\\`\nEOF').unresolved, ['the here-document EOF runs a backquoted command that cannot be analysed']);
    clean(line('cat <<EOF\nx \\`touch p\\`\nEOF'));
  });
});
