import { userInfo } from 'node:os';
import { checkBypassRequest, type PolicySet } from '#core';
import type { BypassStore } from '#host/stores/bypass-store';
import { EXIT, UsageError, type CliIo } from './io';
import { PresenceRefused, provePerson, type PersonProof } from './person-at-terminal';

export interface GrantFlags {
  reason: string | undefined;
  allow: string | undefined;
  allowCommand: string | undefined;
  duration: string | undefined;
  approver: string | undefined;
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** `bypass --reason ... --allow PATTERN --duration 30m --approver EMAIL`. */
export async function runBypassGrant(set: PolicySet, store: BypassStore, io: CliIo, flags: GrantFlags): Promise<number> {
  if (!flags.reason) throw new UsageError('a bypass needs --reason "why"');
  if (!flags.approver) throw new UsageError('a bypass needs --approver EMAIL');
  if (!flags.duration) throw new UsageError('a bypass needs --duration (30m, 2h, 1d)');
  if ((flags.allow === undefined) === (flags.allowCommand === undefined))
    throw new UsageError('a bypass needs exactly one of --allow PATH_GLOB or --allow-command PATTERN');
  const kind = flags.allow !== undefined ? 'path' : 'command';
  const request = {
    kind,
    pattern: (flags.allow ?? flags.allowCommand) as string,
    reason: flags.reason,
    approver: flags.approver,
    duration: flags.duration,
  } as const;
  // What the policy refuses is refused (and audited) by the store without asking anyone; what it
  // would grant needs the approver at this terminal: their passphrase, not the flag, proves it.
  let proof: PersonProof | undefined;
  if (checkBypassRequest(set, request) === undefined) {
    try {
      proof = await provePerson(
        `granting a bypass of ${kind} ${JSON.stringify(request.pattern)} for ${request.duration} (${request.reason})`,
        request.approver,
      );
    } catch (error) {
      if (!(error instanceof PresenceRefused)) throw error;
      store.refused(request, error.message, 'cli');
      io.stderr(`Bypass refused: ${error.message}\n`);
      return EXIT.violation;
    }
  }
  const result = store.grant(set, { ...request, approver: proof?.approver ?? request.approver }, currentUser(), 'cli', proof);
  if (!result.ok) {
    io.stderr(`Bypass refused: ${result.reason}\n`);
    return EXIT.violation;
  }
  io.stdout(`Bypass granted: ${result.grant.id}\nExpires: ${result.grant.expires_at}\nRecorded in: ${result.store} (audit entry ${String(result.auditSeq)})\n`);
  return EXIT.ok;
}

export function runBypassList(store: BypassStore, io: CliIo, json: boolean): number {
  const list = store.list();
  if (json) io.stdout(`${JSON.stringify(list)}\n`);
  else {
    for (const b of list)
      io.stdout(`${b.id} ${b.state.padEnd(7)} ${b.kind} ${JSON.stringify(b.pattern)} until ${b.expires_at} approved by ${b.approver}: ${b.reason}\n`);
    if (list.length === 0) io.stdout('no bypasses\n');
    const tampered = store.tampered();
    if (tampered) io.stderr(`${store.path}: warning: no bypass is in force: ${tampered}\n`);
    for (const line of store.ignoredLines())
      io.stderr(`${store.path}:${line}: warning: not a record Agent Policy wrote (its MAC does not match the audit seal's key): ignored\n`);
  }
  return EXIT.ok;
}

export function runBypassRevoke(store: BypassStore, io: CliIo, id: string | undefined): number {
  if (!id) throw new UsageError('bypass revoke needs the bypass id');
  const result = store.revoke(id, currentUser(), 'cli');
  if (!result.ok) {
    io.stderr(`${result.reason}\n`);
    return EXIT.violation;
  }
  io.stdout(`Bypass ${id} revoked\n`);
  return EXIT.ok;
}
