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

/** Options of git that come before the subcommand; those listed in VALUED take the next word. */
const GIT_GLOBAL_VALUED = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--super-prefix']);

export function gitGlobalOptionWidth(word: string): number {
  if (!word.startsWith('-')) return 0;
  if (word.includes('=')) return 1;
  return GIT_GLOBAL_VALUED.has(word) ? 2 : 1;
}

function table<T>(tables: Record<string, Record<string, T>>, program: string, sub: string | undefined): Record<string, T> | undefined {
  return (sub !== undefined ? tables[`${program} ${sub}`] : undefined) ?? tables[program];
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
  return expand(name);
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
