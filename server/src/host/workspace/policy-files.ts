import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { PolicySource } from '#core';

export const ROOT_POLICY = '.agent-policy.yml';
export const OVERRIDE_POLICY = '.agent-policy.override.yml';
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
// Read at most this much of a policy file; the core refuses anything over its own, smaller limit.
const READ_LIMIT = 16 * 1024 * 1024;

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** A policy file's text, or why it cannot be one (never throws: the reason becomes a blocking finding). */
function readSource(path: string, uri: string, dir: string): PolicySource {
  try {
    const link = lstatSync(path);
    if (link.isSymbolicLink())
      return {
        uri,
        dir,
        text: '',
        unreadable: `it is a symbolic link (to ${readlinkSync(path)}); a policy must be a regular file in the repository, where it is reviewed`,
      };
    if (link.isDirectory()) return { uri, dir, text: '', unreadable: 'it is a folder' };
    if (!link.isFile()) return { uri, dir, text: '', unreadable: 'it is not a regular file' };
    if (link.size > READ_LIMIT) return { uri, dir, text: ' '.repeat(READ_LIMIT + 1) };
    return { uri, dir, text: new TextDecoder('utf-8', { fatal: false }).decode(readFileSync(path)) };
  } catch (error) {
    return { uri, dir, text: '', unreadable: `${(error as NodeJS.ErrnoException).code ?? 'error'}: ${(error as Error).message}` };
  }
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
      // A symbolic link or other non-file named like an override is reported, not skipped.
      else if (entry.name === OVERRIDE_POLICY && dir !== root) found.push(join(dir, entry.name));
    }
  }
  return found.sort();
}

/** Reads the root policy and every override; `uri`s are paths relative to `root`. */
export function readPolicySources(root: string): PolicySource[] {
  const sources: PolicySource[] = [];
  const rootPolicy = join(root, ROOT_POLICY);
  if (existsSync(rootPolicy) || isLink(rootPolicy)) sources.push(readSource(rootPolicy, ROOT_POLICY, ''));
  for (const file of findOverrides(root)) {
    const rel = toPosix(relative(root, file));
    sources.push(readSource(file, rel, rel.slice(0, rel.length - OVERRIDE_POLICY.length - 1)));
  }
  return sources;
}
