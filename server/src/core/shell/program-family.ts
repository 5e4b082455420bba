import { ownEntry } from '../base/own-entry';

/**
 * A program's name and the names it is a version of: `python3.11` is also `python3` and `python`,
 * `gcc-12` is `gcc`. Deny rules, approvals and the reviewed option tables see through the version
 * (a deny of `python3 -c` catches `python3.11 -c`); allows do not, they name what they admit.
 */
export function programFamily(name: string): string[] {
  const names = [name];
  let rest = name;
  for (let m = VERSION_TAIL.exec(rest); m && /[A-Za-z]/.test(m[1] as string); m = VERSION_TAIL.exec(rest)) {
    rest = m[1] as string;
    names.push(rest);
  }
  return names;
}

const VERSION_TAIL = /^(.+?)[-.]?\d+$/;

/** The entry of a table keyed by program name for the program or the first name it is a version of. */
export function familyEntry<T>(table: Readonly<Record<string, T>>, program: string): T | undefined {
  for (const name of programFamily(program)) {
    const entry = ownEntry(table, name);
    if (entry !== undefined) return entry;
  }
  return undefined;
}
