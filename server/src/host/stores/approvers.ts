import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealFolder } from '../audit/audit-seal';
import { writeAtomic } from '../files/durable-file';
import { ensurePrivateDir } from '../files/state-dir';

/**
 * The people who may approve requests and grant bypasses from a terminal, each with a passphrase
 * only they know (scrypt-hashed, in the seal folder, which the gate keeps from every agent). The
 * passphrase is the confirmation no tool call can give: an agent can run the CLI, even in a
 * terminal it made, but cannot type what it does not know.
 */
export interface EnrolledApprover {
  name: string;
  salt: string;
  hash: string;
  /** scrypt cost (N); r = 8, p = 1. */
  cost: number;
  enrolled_at: string;
  os_user: string;
}

export const MIN_PASSPHRASE = 12;
const COST = 2 ** 15;

export class ApproverRegistry {
  readonly path: string;

  constructor(private readonly folder: string = sealFolder()) {
    this.path = join(folder, 'approvers.json');
  }

  list(): EnrolledApprover[] {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as EnrolledApprover[]) : [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`${this.path}: the approver list cannot be read (${(error as Error).message})`);
    }
  }

  find(name: string): EnrolledApprover | undefined {
    return this.list().find((a) => a.name === name);
  }

  /** Whether `passphrase` is `name`'s (constant time; about 100 ms of scrypt either way). */
  check(name: string, passphrase: string): boolean {
    const approver = this.find(name);
    const salt = approver ? Buffer.from(approver.salt, 'hex') : randomBytes(16);
    const derived = scryptSync(passphrase, salt, 32, { N: approver?.cost ?? COST, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    return approver !== undefined && timingSafeEqual(derived, Buffer.from(approver.hash, 'hex'));
  }

  /** Adds or replaces `name` (the caller has checked the old passphrase of a name already enrolled). */
  enroll(name: string, passphrase: string, at: string, osUser: string): EnrolledApprover {
    if (passphrase.length < MIN_PASSPHRASE) throw new Error(`a passphrase has at least ${MIN_PASSPHRASE} characters`);
    const salt = randomBytes(16);
    const hash = scryptSync(passphrase, salt, 32, { N: COST, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const approver: EnrolledApprover = { name, salt: salt.toString('hex'), hash: hash.toString('hex'), cost: COST, enrolled_at: at, os_user: osUser };
    ensurePrivateDir(this.folder);
    writeAtomic(this.path, JSON.stringify([...this.list().filter((a) => a.name !== name), approver], null, 2));
    return approver;
  }
}
