import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Where the audit log, bypasses and approval requests live: `<root>/.agent-policy/` unless
 * `--state DIR` or AGENT_POLICY_STATE_DIR says otherwise. Writers create it (mode 0700) when they first write.
 */
export function stateDirectory(root: string, explicit?: string): string {
  return resolve(explicit ?? process.env.AGENT_POLICY_STATE_DIR ?? join(root, '.agent-policy'));
}

/**
 * Creates a store's folder (mode 0700, with its parents) or checks the one there, and with
 * `withParent` the state folder that holds it: each must be a folder of this user, and group or
 * other access is removed (a pre-existing state folder with loose modes was left loose). Throws a
 * one-line error for a folder another user owns: its owner could read or rewrite the record.
 */
export function ensurePrivateDir(dir: string, withParent = false): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const uid = process.getuid?.();
  for (const folder of withParent ? [dirname(dir), dir] : [dir]) {
    const stat = statSync(folder);
    if (!stat.isDirectory()) throw new Error(`${folder}: the state folder is not a folder; refusing to use it`);
    if (uid !== undefined && stat.uid !== uid)
      throw new Error(`${folder}: the state folder belongs to user ${stat.uid}, not to this user (${uid}); refusing to use it`);
    if ((stat.mode & 0o077) !== 0) chmodSync(folder, stat.mode & 0o700);
  }
}

/** A short random id with a prefix: `bypass_7h2k9q4m`, `apr_8x3k2p0d`. */
export function newId(prefix: string): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return `${prefix}_${[...randomBytes(10)].map((b) => alphabet[b % 32]).join('')}`;
}
