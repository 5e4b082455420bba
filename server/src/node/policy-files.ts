import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { PolicySource } from '#core';

export const ROOT_POLICY = '.agent-policy.yml';
export const OVERRIDE_POLICY = '.agent-policy.override.yml';
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
// Read at most this much of a policy file; the core refuses anything over its own, smaller limit.
const READ_LIMIT = 16 * 1024 * 1024;

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

function readText(path: string): string {
  const size = statSync(path).size;
  if (size > READ_LIMIT) return ' '.repeat(READ_LIMIT + 1);
  return new TextDecoder('utf-8', { fatal: false }).decode(readFileSync(path));
}

/** Every override below `root`, skipping .git and node_modules. */
export function findOverrides(root: string): string[] {
  const found: string[] = [];
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) stack.push(join(dir, entry.name));
      else if (entry.isFile() && entry.name === OVERRIDE_POLICY && dir !== root) found.push(join(dir, entry.name));
    }
  }
  return found.sort();
}

/** Reads the root policy and every override; `uri`s are paths relative to `root`. */
export function readPolicySources(root: string): PolicySource[] {
  const sources: PolicySource[] = [];
  const rootPolicy = join(root, ROOT_POLICY);
  if (existsSync(rootPolicy)) sources.push({ uri: ROOT_POLICY, dir: '', text: readText(rootPolicy) });
  for (const file of findOverrides(root)) {
    const rel = toPosix(relative(root, file));
    sources.push({ uri: rel, dir: rel.slice(0, rel.length - OVERRIDE_POLICY.length - 1), text: readText(file) });
  }
  return sources;
}
