import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Where the audit log, bypasses and approval requests live: `<root>/.agent-policy/` unless
 * `--state DIR` or AGENT_POLICY_STATE_DIR says otherwise. Writers create it (mode 0700) when they first write.
 */
export function stateDirectory(root: string, explicit?: string): string {
  return resolve(explicit ?? process.env.AGENT_POLICY_STATE_DIR ?? join(root, '.agent-policy'));
}

/** A short random id with a prefix: `bypass_7h2k9q4m`, `apr_8x3k2p0d`. */
export function newId(prefix: string): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return `${prefix}_${[...randomBytes(10)].map((b) => alphabet[b % 32]).join('')}`;
}
