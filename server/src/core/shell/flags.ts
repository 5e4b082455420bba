import { ownEntry } from '../base/own-entry';

/**
 * Flag spellings. Aliases are exact synonyms (both sides of a match); implications widen what a
 * command is taken to do (command side only), so `git push --force-with-lease` is caught by a
 * deny of `git push --force`, but an allow of `--force-with-lease` never admits a plain `-f`.
 */
const ALIASES: Record<string, Record<string, string>> = {
  rm: { '-R': '-r', '--recursive': '-r', '--force': '-f', '--dir': '-d' },
  cp: { '-R': '-r', '--recursive': '-r', '--force': '-f' },
  mv: { '--force': '-f' },
  chmod: { '--recursive': '-R' },
  chown: { '--recursive': '-R' },
  chgrp: { '--recursive': '-R' },
  'git push': { '--force': '-f', '--delete': '-d' },
  'git clean': { '--force': '-f' },
  'git checkout': { '--force': '-f' },
  'git branch': { '--delete': '-d', '--force': '-f' },
  'git add': { '--force': '-f', '--all': '-A' },
  npm: { '--force': '-f', '--global': '-g' },
  pnpm: { '--force': '-f', '--global': '-g' },
  yarn: { '--force': '-f' },
  curl: { '--output': '-o', '--insecure': '-k', '--request': '-X', '--data': '-d' },
};

const IMPLIES: Record<string, Record<string, string[]>> = {
  'git push': { '--force-with-lease': ['-f'], '--force-if-includes': ['-f'], '--mirror': ['-f'] },
  'git branch': { '-D': ['-d', '-f'] },
};

/**
 * Long options of programs that take any unambiguous prefix of one (GNU getopt_long, git's
 * parse-options, npm's nopt): `rm --recur --forc` is `rm --recursive --force`. Reviewed from each
 * program's manual; the aliases and implications above count as known too.
 */
const LONG_OPTIONS: Record<string, string[]> = {
  rm: ['--force', '--interactive', '--one-file-system', '--no-preserve-root', '--preserve-root', '--recursive', '--dir', '--verbose', '--help', '--version'],
  cp: [
    '--archive',
    '--attributes-only',
    '--backup',
    '--copy-contents',
    '--debug',
    '--dereference',
    '--force',
    '--interactive',
    '--link',
    '--no-clobber',
    '--no-dereference',
    '--no-preserve',
    '--no-target-directory',
    '--one-file-system',
    '--parents',
    '--preserve',
    '--recursive',
    '--reflink',
    '--remove-destination',
    '--sparse',
    '--strip-trailing-slashes',
    '--suffix',
    '--symbolic-link',
    '--target-directory',
    '--update',
    '--verbose',
  ],
  mv: [
    '--backup',
    '--debug',
    '--exchange',
    '--force',
    '--interactive',
    '--no-clobber',
    '--no-copy',
    '--strip-trailing-slashes',
    '--suffix',
    '--target-directory',
    '--no-target-directory',
    '--update',
    '--verbose',
  ],
  chmod: ['--changes', '--silent', '--quiet', '--verbose', '--no-preserve-root', '--preserve-root', '--reference', '--recursive'],
  chown: [
    '--changes',
    '--dereference',
    '--no-dereference',
    '--from',
    '--no-preserve-root',
    '--preserve-root',
    '--quiet',
    '--silent',
    '--reference',
    '--recursive',
    '--verbose',
  ],
  chgrp: [
    '--changes',
    '--dereference',
    '--no-dereference',
    '--no-preserve-root',
    '--preserve-root',
    '--quiet',
    '--silent',
    '--reference',
    '--recursive',
    '--verbose',
  ],
  'git push': [
    '--all',
    '--branches',
    '--prune',
    '--mirror',
    '--dry-run',
    '--porcelain',
    '--delete',
    '--tags',
    '--follow-tags',
    '--signed',
    '--no-signed',
    '--atomic',
    '--no-atomic',
    '--push-option',
    '--receive-pack',
    '--exec',
    '--force-with-lease',
    '--no-force-with-lease',
    '--force',
    '--force-if-includes',
    '--repo',
    '--set-upstream',
    '--thin',
    '--no-thin',
    '--quiet',
    '--verbose',
    '--progress',
    '--recurse-submodules',
    '--no-recurse-submodules',
    '--verify',
    '--no-verify',
    '--ipv4',
    '--ipv6',
  ],
  'git clean': ['--dry-run', '--force', '--interactive', '--quiet', '--exclude'],
  'git checkout': [
    '--force',
    '--quiet',
    '--progress',
    '--no-progress',
    '--ours',
    '--theirs',
    '--track',
    '--no-track',
    '--guess',
    '--no-guess',
    '--detach',
    '--orphan',
    '--ignore-skip-worktree-bits',
    '--merge',
    '--conflict',
    '--patch',
    '--ignore-other-worktrees',
    '--overwrite-ignore',
    '--no-overwrite-ignore',
    '--recurse-submodules',
    '--no-recurse-submodules',
    '--overlay',
    '--no-overlay',
    '--pathspec-from-file',
    '--pathspec-file-nul',
  ],
  'git branch': [
    '--delete',
    '--force',
    '--move',
    '--copy',
    '--list',
    '--all',
    '--remotes',
    '--show-current',
    '--verbose',
    '--quiet',
    '--abbrev',
    '--no-abbrev',
    '--column',
    '--no-column',
    '--sort',
    '--merged',
    '--no-merged',
    '--contains',
    '--no-contains',
    '--points-at',
    '--format',
    '--color',
    '--no-color',
    '--ignore-case',
    '--omit-empty',
    '--create-reflog',
    '--track',
    '--no-track',
    '--set-upstream-to',
    '--unset-upstream',
    '--edit-description',
    '--recurse-submodules',
  ],
  'git add': [
    '--all',
    '--force',
    '--dry-run',
    '--verbose',
    '--interactive',
    '--patch',
    '--edit',
    '--update',
    '--intent-to-add',
    '--refresh',
    '--ignore-errors',
    '--ignore-missing',
    '--no-all',
    '--ignore-removal',
    '--no-ignore-removal',
    '--no-warn-embedded-repo',
    '--renormalize',
    '--chmod',
    '--pathspec-from-file',
    '--pathspec-file-nul',
    '--sparse',
  ],
  npm: ['--force', '--global'],
  pnpm: ['--force', '--global'],
  yarn: ['--force'],
};

function knownLongOptions(program: string, sub: string | undefined): string[] {
  const listed = table(LONG_OPTIONS, program, sub) ?? [];
  const known = new Set([...listed, ...Object.keys(table(ALIASES, program, sub) ?? {}), ...Object.keys(table(IMPLIES, program, sub) ?? {})]);
  return [...known].filter((o) => o.startsWith('--'));
}

/**
 * The long options a `--name` word can stand for: itself when known, else every known option it
 * is a prefix of. A command's ambiguous prefix keeps all its candidates (the program refuses it;
 * a deny of any of them still matches); a pattern's must be unambiguous.
 */
function expandAbbreviation(name: string, program: string, sub: string | undefined, side: 'pattern' | 'command'): string[] {
  if (!name.startsWith('--') || name.length < 3) return [name];
  const known = knownLongOptions(program, sub);
  if (known.includes(name)) return [name];
  const candidates = known.filter((o) => o.startsWith(name));
  if (candidates.length === 0 || (side === 'pattern' && candidates.length > 1)) return [name];
  return candidates;
}

/** The long options an abbreviated `--name` in a pattern could stand for, when there are several (the pattern is then refused). */
export function ambiguousAbbreviation(word: string, program: string, sub: string | undefined): string[] | undefined {
  const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
  if (!name.startsWith('--') || name.length < 3) return undefined;
  const known = knownLongOptions(program, sub);
  if (known.includes(name)) return undefined;
  const candidates = known.filter((o) => o.startsWith(name));
  return candidates.length > 1 ? candidates : undefined;
}

/**
 * A long option as getopt_long reads it: itself when known, else the one known option it is a
 * prefix of (`--sig` is `--signal`); unchanged when none or several are (the program refuses it).
 */
export function resolveLongOption(name: string, known: readonly string[]): string {
  if (!name.startsWith('--') || name.length < 3 || known.includes(name)) return name;
  const candidates = [...new Set(known.filter((o) => o.startsWith(name)))];
  return candidates.length === 1 ? (candidates[0] as string) : name;
}

/** Options of git that come before the subcommand; those listed in VALUED take the next word. */
const GIT_GLOBAL_VALUED = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--super-prefix']);

export function gitGlobalOptionWidth(word: string): number {
  if (!word.startsWith('-')) return 0;
  if (word.includes('=')) return 1;
  return GIT_GLOBAL_VALUED.has(word) ? 2 : 1;
}

function table<T>(tables: Record<string, T>, program: string, sub: string | undefined): T | undefined {
  return (sub !== undefined ? ownEntry(tables, `${program} ${sub}`) : undefined) ?? ownEntry(tables, program);
}

/** The canonical flags a flag word stands for. `side` decides whether implications are added. */
export function canonicalFlags(word: string, program: string, sub: string | undefined, side: 'pattern' | 'command'): string[] {
  const name = word.startsWith('--') && word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
  const aliases = table(ALIASES, program, sub) ?? {};
  const implies = side === 'command' ? (table(IMPLIES, program, sub) ?? {}) : {};
  const expand = (flag: string): string[] => [aliases[flag] ?? flag, ...(implies[flag] ?? [])];
  if (/^-[A-Za-z0-9]{2,}$/.test(name)) {
    const letters = [...name.slice(1)].map((c) => `-${c}`);
    const fromLetters = letters.flatMap(expand);
    // A pattern's cluster requires each letter; a command's may also be one long single-dash option.
    return side === 'pattern' ? fromLetters : [name, ...fromLetters];
  }
  // A command's short options with a value attached that is not a letter (`-d@file`, `-sd=x`):
  // the letters before it are options, one of which takes the rest.
  const attached = side === 'command' ? /^-([A-Za-z0-9]+)[^A-Za-z0-9]/.exec(name) : null;
  if (attached) return [name, ...[...(attached[1] as string)].map((c) => `-${c}`).flatMap(expand)];
  return expandAbbreviation(name, program, sub, side).flatMap(expand);
}

/**
 * How a canonical flag can be written for a program: `spellings` (the flag first, then its exact
 * aliases) and `implying`, words that imply it on the command side (`--force-with-lease` → `-f`).
 */
export function flagSpellings(flag: string, program: string, sub: string | undefined): { spellings: string[]; implying: string[] } {
  const aliases = table(ALIASES, program, sub) ?? {};
  const implied = table(IMPLIES, program, sub) ?? {};
  return {
    spellings: [flag, ...Object.keys(aliases).filter((alias) => aliases[alias] === flag)],
    implying: Object.keys(implied).filter((word) => implied[word]?.includes(flag)),
  };
}
