/**
 * A table's own entry for a key an agent chose: `table[key]` on a plain object also finds
 * `constructor`, `toString` and `__proto__`, which a program may be named.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
