import { flagSpellings, type CommandPattern } from '#core';

const MAX_FORMS = 8;

/**
 * Spellings of commands a pattern catches, for explaining it: flags in any order, clustered or
 * separate, and each alias (`rm -rf` → `rm -fr`, `rm -r -f`, `rm --recursive --force`, ...).
 * With `implied` (deny and approval lists), also words that imply a flag, such as
 * `--force-with-lease` for `git push -f`.
 */
export function commandForms(pattern: CommandPattern, implied: boolean): string[] {
  const head = [pattern.program, ...pattern.positionals.filter((p) => p !== '*')].join(' ');
  const sub = pattern.positionals[0];
  const flags = pattern.flags;
  const written = flags.map((flag) => flagSpellings(flag, pattern.program, sub));
  const forms: string[] = [];
  const add = (words: string[]): void => {
    const form = [head, ...words].join(' ');
    if (!forms.includes(form) && forms.length < MAX_FORMS) forms.push(form);
  };
  if (flags.length > 1 && flags.every((f) => /^-[A-Za-z0-9]$/.test(f))) {
    add([`-${flags.map((f) => f.slice(1)).join('')}`]);
    add([
      `-${[...flags]
        .reverse()
        .map((f) => f.slice(1))
        .join('')}`,
    ]);
  }
  add(flags);
  if (flags.length > 1) add([...flags].reverse());
  const longs = written.map((w) => w.spellings.find((s) => s.startsWith('--')));
  if (longs.every((l) => l !== undefined)) add(longs);
  written.forEach((w, i) => {
    const alternatives = [...w.spellings.slice(1), ...(implied ? w.implying : [])];
    for (const alternative of alternatives) add(flags.map((f, j) => (j === i ? alternative : f)));
  });
  return forms;
}
