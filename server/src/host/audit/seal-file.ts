import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

// The seal file's layout and the few things a small process needs from it (the VS Code hook
// program has Node's modules only): where it is, how to read its current slot, the MAC of an
// approval service's answer. audit-seal.ts builds the rest on these.

export const SEAL_MAGIC = Buffer.from('APSEAL1\n');
export const SEAL_SLOT = 64 * 1024;
export const SEAL_HEADER = SEAL_MAGIC.length + 4 + 32;
const SEAL_FIRST_READ = 8 * 1024;

/** Where seals live: AGENT_POLICY_SEAL_HOME, else $XDG_STATE_HOME, else ~/.local/state; always in a `.agent-policy-seal` folder (a dot name, so no shell glob that skips dotfiles reaches it). */
export function sealFolder(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.AGENT_POLICY_SEAL_HOME ?? env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  return join(resolve(base), '.agent-policy-seal');
}

/** The id of the log in `auditDir` (the seal file's name without `.seal`). */
export function sealLogId(auditDir: string): string {
  return createHash('sha256').update(resolve(auditDir)).digest('hex').slice(0, 32);
}

/** The parsed payload of one slot, or undefined when it is not whole. */
export function readSealSlot(fd: number, slot: number): Record<string, unknown> | undefined {
  // The state is a few KiB: read that much first, the rest of the slot only when its header says so.
  let data = Buffer.alloc(SEAL_FIRST_READ);
  let n = readSync(fd, data, 0, data.length, slot * SEAL_SLOT);
  if (n >= SEAL_HEADER && SEAL_HEADER + data.readUInt32BE(SEAL_MAGIC.length) > n && n === data.length) {
    data = Buffer.alloc(SEAL_SLOT);
    n = readSync(fd, data, 0, SEAL_SLOT, slot * SEAL_SLOT);
  }
  if (n < SEAL_HEADER || !data.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC)) return undefined;
  const length = data.readUInt32BE(SEAL_MAGIC.length);
  if (length > SEAL_SLOT - SEAL_HEADER || SEAL_HEADER + length > n) return undefined;
  const payload = data.subarray(SEAL_HEADER, SEAL_HEADER + length);
  if (
    !createHash('sha256')
      .update(payload)
      .digest()
      .equals(data.subarray(SEAL_MAGIC.length + 4, SEAL_HEADER))
  )
    return undefined;
  try {
    const state = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    return state.version === 1 && typeof state.counter === 'number' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The key that authenticates records beside the log in `auditDir` (and the approval service's answers); undefined without a seal. */
export function sealStateKey(auditDir: string, folder: string = sealFolder()): string | undefined {
  let fd: number;
  try {
    fd = openSync(join(folder, `${sealLogId(auditDir)}.seal`), 'r');
  } catch {
    return undefined;
  }
  try {
    const slots = [readSealSlot(fd, 0), readSealSlot(fd, 1)].filter((s): s is Record<string, unknown> => s !== undefined);
    const current = slots.sort((a, b) => (b.counter as number) - (a.counter as number))[0];
    return current && current.log === resolve(auditDir) && typeof current.state_key === 'string' ? current.state_key : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * What ties an answer to its request: the request's nonce and the SHA-256 of the request line
 * exactly as sent, so an answer obtained for another request (a harmless one, forwarded by a
 * planted service with this request's nonce) does not verify.
 */
export function requestBinding(nonce: string, requestLine: string): string {
  return `${nonce}:${createHash('sha256').update(requestLine, 'utf8').digest('hex')}`;
}

/** What the approval service's answer to the request bound by `binding` (requestBinding) is authenticated by. */
export function answerMac(key: string, binding: string, answer: { decision?: unknown; reason?: unknown; approval_id?: unknown; status?: unknown }): string {
  return createHmac('sha256', Buffer.from(key, 'hex'))
    .update(JSON.stringify([binding, answer.decision ?? null, answer.reason ?? null, answer.approval_id ?? null, answer.status ?? null]))
    .digest('hex');
}

export function answerMacValid(
  key: string | undefined,
  binding: string,
  answer: { decision?: unknown; reason?: unknown; approval_id?: unknown; status?: unknown; mac?: unknown },
): boolean {
  if (key === undefined || typeof answer.mac !== 'string' || !/^[0-9a-f]{64}$/.test(answer.mac)) return false;
  return timingSafeEqual(Buffer.from(answer.mac, 'hex'), Buffer.from(answerMac(key, binding, answer), 'hex'));
}
