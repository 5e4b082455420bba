import { posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT_POLICY = '.agent-policy.yml';
export const OVERRIDE_POLICY = '.agent-policy.override.yml';

/** A policy file's directory relative to the repository root ('' for the root policy), or undefined when it is not part of the set. */
export function policyDir(root: string, uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  const path = fileURLToPath(uri).split('\\').join('/');
  const rel = posix.relative(root, path);
  if (rel.startsWith('..') || posix.isAbsolute(rel)) return undefined;
  if (rel === ROOT_POLICY) return '';
  if (posix.basename(rel) === OVERRIDE_POLICY && posix.dirname(rel) !== '.') return posix.dirname(rel);
  return undefined;
}

/**
 * One spelling per file: editors and Node percent-encode some characters differently, so the
 * server keys files by the URI Node would write for the file's path (other schemes are kept).
 */
export function canonicalUri(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return pathToFileURL(fileURLToPath(uri)).href;
  } catch {
    return uri;
  }
}

export function fileUri(root: string, relative: string): string {
  return pathToFileURL(posix.join(root, relative)).href;
}

export function rootOf(uri: string): string {
  return fileURLToPath(uri).split('\\').join('/').replace(/\/+$/, '') || '/';
}
