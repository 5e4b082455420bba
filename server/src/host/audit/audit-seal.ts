import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { closeSync, fdatasyncSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Memo } from '#core';
import { canonicalJson, type ChainHead, type EntrySigner, type FoldState } from '#core/audit';
import { syncDirectory } from '../files/durable-file';
import { SEAL_HEADER, SEAL_MAGIC, SEAL_SLOT, readSealSlot, sealFolder, sealLogId } from './seal-file';
import { ensurePrivateDir } from '../files/state-dir';

/**
 * The audit log's seal: kept outside the workspace and its state folder, in a folder the gate
 * treats as a built-in secret (no governed agent action reads or writes it). It holds what the
 * log alone cannot prove:
 * - the expected head (seq and hash of the last entry appended), so that truncation, a deleted
 *   day file or folder, and a rewrite consistent from any point are found;
 * - where signing began and the pruning anchor, so that a forged anchor is found;
 * - the signing keys of the next two entries only (forward security: the key of an entry already
 *   in the log is gone once the entry after it is written). Each key is derived one way from the
 *   one before it (HMAC-SHA256), so a seal that lags the log by a few entries after a power loss
 *   can still check them and move up, and a key in the log never yields an earlier one;
 * - the pending run of folded denials (it was `fold.json` in the state folder, which could be reset);
 * - a key that authenticates bypass grants and approval decisions in the state folder.
 *
 * The file is two fixed slots, each with a checksum. An update is one write into the slot that was
 * not synced last; most updates are left to the page cache (the log itself is fdatasynced before
 * its seal is written, so the seal on disk is never ahead of the log on disk), and every
 * `SEAL_SYNC_EVERY` entries, or when the update carries what only the seal holds (folded denials,
 * the anchor, the bypass head), it is fdatasynced and its slot becomes the synced one. A torn or
 * lost update therefore leaves the synced slot: a state at most `SEAL_SYNC_EVERY` entries plus one
 * batch behind, which the next append rolls forward by checking those entries' signatures.
 */
export interface SealState {
  version: 1;
  /** The audit folder this seal belongs to. */
  log: string;
  /** Increases with every update; the slot with the higher one is current. */
  counter: number;
  /** The head before the first signed entry, with the key that signs it. */
  start: SealPoint;
  /** Where verification begins after pruning: the last pruned entry, with the key of the one after it. */
  anchor: SealPoint | null;
  /** The last entry appended. */
  head: SealPoint;
  /** The key that signs the next entry (its public half is `head.key`). */
  secret: string;
  /** The key after that one, so a crash between the log's write and the seal's can be rolled forward. */
  next: { secret: string; public: string };
  fold: FoldState | null;
  /** Authenticates the bypass and approval records (HMAC-SHA256, hex). */
  state_key: string;
  /** When the seal adopted a log that had none: entries up to `seq` are hash-chained but not signed. */
  adopted: { seq: number; at: string } | null;
  /** The slot fdatasynced last and the head it held (absent in seals written before: the current slot, its head). */
  synced?: { slot: 0 | 1; seq: number };
  /** The head when the key chain was last started afresh (a synced commit); absent: `synced.seq`. */
  keyed?: number;
  /** Per audit sink (by its id): the last entry the sink is known to have taken. */
  forwarded?: Record<string, number>;
  /** The bypass store's chain: how many events it holds and the MAC of the last (bypass-store.ts). */
  bypasses?: { count: number; mac: string };
}

export interface SealPoint {
  seq: number;
  hash: string;
  key: string | undefined;
}

export { sealFolder } from './seal-file';

/** Entries after which the seal is fdatasynced even when nothing else asks for it. */
export const SEAL_SYNC_EVERY = 32;

export class AuditSeal {
  readonly path: string;
  /** Names this log to a sink that several logs forward to: the seal file's name, a digest of the audit folder's path. */
  readonly logId: string;

  constructor(
    readonly auditDir: string,
    private readonly folder: string = sealFolder(),
  ) {
    this.logId = sealLogId(auditDir);
    this.path = join(folder, `${this.logId}.seal`);
  }

  /** The current state, or undefined when this log has no seal. Throws when neither slot is whole. */
  read(): SealState | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`${this.path}: cannot read the audit seal (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      const slots = [readSlot(fd, 0), readSlot(fd, 1)];
      const newer = (slots[1]?.counter ?? -1) > (slots[0]?.counter ?? -1) ? 1 : 0;
      const current = slots[newer];
      if (!current) throw new Error(`${this.path}: the audit seal is damaged (neither copy is whole); the log cannot be checked or appended to`);
      if (current.log !== resolve(this.auditDir)) throw new Error(`${this.path}: the audit seal belongs to ${current.log}, not ${resolve(this.auditDir)}`);
      const synced = current.synced ?? { slot: newer, seq: current.head.seq };
      return { ...current, synced, keyed: current.keyed ?? synced.seq };
    } finally {
      closeSync(fd);
    }
  }

  /** Creates the seal for a log whose head is `head` (genesis for a new log); fails if one exists. */
  create(head: { seq: number; hash: string }, anchor: SealPoint | null, fold: FoldState | null, at: string): SealState {
    ensurePrivateDir(this.folder);
    const first = newSigningKey();
    const start = { seq: head.seq, hash: head.hash, key: first.public };
    const state: SealState = {
      version: 1,
      log: resolve(this.auditDir),
      counter: 0,
      start,
      anchor,
      head: start,
      secret: first.secret,
      next: derivedKey(first.secret),
      fold,
      state_key: randomBytes(32).toString('hex'),
      adopted: head.seq > 0 ? { seq: head.seq, at } : null,
      synced: { slot: 0, seq: head.seq },
      keyed: head.seq,
    };
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSlot(fd, 0, state);
      writeSlot(fd, 1, state);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, this.path); // never replaces a seal that appeared meanwhile
    } finally {
      unlinkSync(temp);
    }
    syncDirectory(this.folder);
    return state;
  }

  /**
   * Writes `state` as the next generation into the slot not synced last; with `sync` (the default)
   * it is fdatasynced and becomes the synced slot. `state` must come from this seal (read, create
   * or an earlier write), so it knows which slot that is.
   *
   * `freshKey` (a synced commit only) makes the key after the next one afresh, so one look at the
   * seal yields the keys of at most SEAL_SYNC_EVERY entries and a batch to come. Only a writer that
   * has checked the log's end may ask for it: an entry already written after the head names the
   * derived key (found in the crash test, where a bypass-head update replaced it under an entry
   * whose writer was killed before its seal update, and the log could never be rolled forward).
   */
  write(state: SealState, options: { sync?: boolean; freshKey?: boolean } = {}): SealState {
    const sync = options.sync ?? true;
    const synced = state.synced ?? { slot: (state.counter % 2) as 0 | 1, seq: state.head.seq };
    const slot = synced.slot === 0 ? 1 : 0;
    const fresh = sync && options.freshKey ? { next: newSigningKey(), keyed: state.head.seq } : {};
    const next: SealState = { ...state, counter: state.counter + 1, synced: sync ? { slot, seq: state.head.seq } : synced, ...fresh };
    const fd = openSync(this.path, 'r+');
    try {
      writeSlot(fd, slot, next);
      if (sync) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return next;
  }
}

/**
 * Whether a commit after `state` must be fdatasynced and start the key chain afresh because enough
 * entries went unsynced, or signed along one chain (other synced updates, such as a sink's cursor,
 * do not restart the chain: only a commit, which has checked the log's end, may).
 */
export function syncDue(state: SealState): boolean {
  const synced = state.synced?.seq ?? state.head.seq;
  return state.head.seq - Math.min(synced, state.keyed ?? state.head.seq) >= SEAL_SYNC_EVERY;
}

/** Writes the slot's header and payload (the bytes after them are never read: the header gives the length). */
function writeSlot(fd: number, slot: number, state: SealState): void {
  const payload = Buffer.from(JSON.stringify(state), 'utf8');
  if (payload.length > SEAL_SLOT - SEAL_HEADER) throw new Error(`the audit seal's state is ${payload.length} bytes, more than a slot holds`);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(payload.length);
  const data = Buffer.concat([SEAL_MAGIC, length, createHash('sha256').update(payload).digest(), payload]);
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written, slot * SEAL_SLOT + written);
}

function readSlot(fd: number, slot: number): SealState | undefined {
  return readSealSlot(fd, slot) as SealState | undefined;
}

/** A fresh Ed25519 key pair, as the base64url halves of its JWK. */
export function newSigningKey(): { secret: string; public: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { secret: jwk.d as string, public: jwk.x as string };
}

const SIGNED = (hash: string): Buffer => Buffer.from(`agent-policy audit entry ${hash}`, 'utf8');

const EVOLVE = Buffer.from('agent-policy audit key evolution', 'utf8');
/** Private keys this process derived or imported, by their secret half (importing costs more than signing). */
const privateKeys = new Memo<string, KeyObject>('audit signing keys', 8);

/** The key after `secret`: its seed is HMAC-SHA256(secret, a fixed label), so it cannot be walked back. */
export function derivedKey(secret: string): { secret: string; public: string } {
  const seed = createHmac('sha256', Buffer.from(secret, 'base64url')).update(EVOLVE).digest('base64url');
  // The JWK import recomputes the public half from the seed; `x` is only a required placeholder.
  const key = privateKeys.get(seed, () => createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed, x: '' }, format: 'jwk' }));
  return { secret: seed, public: createPublicKey(key).export({ format: 'jwk' }).x as string };
}

function privateKey(secret: string, publicKey: string): KeyObject {
  return privateKeys.get(secret, () => createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: secret, x: publicKey }, format: 'jwk' }));
}

/** The signer of the entry after the seal's head: its key, naming the one after it. */
export function entrySigner(state: SealState): EntrySigner {
  const key = privateKey(state.secret, state.head.key as string);
  return { sign: (hash) => sign(null, SIGNED(hash), key).toString('base64url'), nextKey: state.next.public };
}

/** The signer of an entry that others follow in its commit: the seal's key, naming itself for the next entry. */
export function keyKeepingSigner(state: SealState): EntrySigner {
  return { ...entrySigner(state), nextKey: state.head.key as string };
}

export function signatureValid(publicKey: string, hash: string, signature: string): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
    return verify(null, SIGNED(hash), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/** The seal after an entry was appended: its key is forgotten, the next one moves up and the one after it is derived. */
export function advanced(state: SealState, head: ChainHead, fold: FoldState | null = state.fold): SealState {
  privateKeys.forget(state.secret);
  return { ...state, head: { seq: head.seq, hash: head.hash, key: state.next.public }, secret: state.next.secret, next: derivedKey(state.next.secret), fold };
}

/** HMAC of a record's canonical JSON without its `mac`: binds bypass and approval records to this log's seal. */
export function stateMac(key: string, record: Record<string, unknown>): string {
  const { mac: _mac, ...rest } = record;
  return createHmac('sha256', Buffer.from(key, 'hex')).update(canonicalJson(rest)).digest('hex');
}

export function macValid(key: string, record: Record<string, unknown>): boolean {
  const mac = record.mac;
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(mac, 'hex'), Buffer.from(stateMac(key, record), 'hex'));
}
