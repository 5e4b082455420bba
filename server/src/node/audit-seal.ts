import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, timingSafeEqual, verify } from 'node:crypto';
import { closeSync, fdatasyncSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { canonicalJson, type ChainHead, type EntrySigner, type FoldState } from '#core';
import { syncDirectory } from './durable-file';
import { SEAL_HEADER, SEAL_MAGIC, SEAL_SLOT, readSealSlot, sealFolder, sealLogId } from './seal-file';
import { ensurePrivateDir } from './state-dir';

/**
 * The audit log's seal: kept outside the workspace and its state folder, in a folder the gate
 * treats as a built-in secret (no governed agent action reads or writes it). It holds what the
 * log alone cannot prove:
 * - the expected head (seq and hash of the last entry appended), so that truncation, a deleted
 *   day file or folder, and a rewrite consistent from any point are found;
 * - where signing began and the pruning anchor, so that a forged anchor is found;
 * - the signing keys of the next two entries only (forward security: the key of an entry already
 *   in the log is gone once the entry after it is written);
 * - the pending run of folded denials (it was `fold.json` in the state folder, which could be reset);
 * - a key that authenticates bypass grants and approval decisions in the state folder.
 *
 * The file is two fixed slots written in turn, each with a checksum, so an update is one write
 * and one fdatasync and a torn update leaves the other slot's state: the previous one.
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
      const slots = [readSlot(fd, 0), readSlot(fd, 1)].filter((s): s is SealState => s !== undefined);
      const current = slots.sort((a, b) => b.counter - a.counter)[0];
      if (!current) throw new Error(`${this.path}: the audit seal is damaged (neither copy is whole); the log cannot be checked or appended to`);
      if (current.log !== resolve(this.auditDir)) throw new Error(`${this.path}: the audit seal belongs to ${current.log}, not ${resolve(this.auditDir)}`);
      return current;
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
      next: newSigningKey(),
      fold,
      state_key: randomBytes(32).toString('hex'),
      adopted: head.seq > 0 ? { seq: head.seq, at } : null,
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

  /** Writes `state` as the next generation (one write and one fdatasync into the older slot). */
  write(state: SealState): SealState {
    const next = { ...state, counter: state.counter + 1 };
    const fd = openSync(this.path, 'r+');
    try {
      writeSlot(fd, next.counter % 2, next);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return next;
  }
}

function writeSlot(fd: number, slot: number, state: SealState): void {
  const payload = Buffer.from(JSON.stringify(state), 'utf8');
  if (payload.length > SEAL_SLOT - SEAL_HEADER) throw new Error(`the audit seal's state is ${payload.length} bytes, more than a slot holds`);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(payload.length);
  const data = Buffer.alloc(SEAL_SLOT);
  Buffer.concat([SEAL_MAGIC, length, createHash('sha256').update(payload).digest(), payload]).copy(data);
  let written = 0;
  while (written < SEAL_SLOT) written += writeSync(fd, data, written, SEAL_SLOT - written, slot * SEAL_SLOT + written);
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

/** The signer of the entry after the seal's head: its key, naming the one after it. */
export function entrySigner(state: SealState): EntrySigner {
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: state.secret, x: state.head.key as string }, format: 'jwk' });
  return { sign: (hash) => sign(null, SIGNED(hash), key).toString('base64url'), nextKey: state.next.public };
}

export function signatureValid(publicKey: string, hash: string, signature: string): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
    return verify(null, SIGNED(hash), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/** The seal after an entry was appended: its key is forgotten, the next one moves up and a new one is made. */
export function advanced(state: SealState, head: ChainHead, fold: FoldState | null = state.fold): SealState {
  return { ...state, head: { seq: head.seq, hash: head.hash, key: state.next.public }, secret: state.next.secret, next: newSigningKey(), fold };
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
