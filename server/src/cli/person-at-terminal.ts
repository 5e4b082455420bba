import { ApproverRegistry, MIN_PASSPHRASE } from '#host/stores/approvers';
import { currentUser } from './bypass-command';
import type { CliIo } from './io';
import { openTerminal, type Terminal } from './terminal';

/** What the CLI proved about who decided: recorded in the audit entry instead of a typed name. */
export interface PersonProof {
  via: 'terminal-passphrase';
  /** The enrolled approver whose passphrase was typed. */
  approver: string;
  /** The account the CLI ran as, and the terminal it was typed at. */
  os_user: string;
  tty: string;
}

/** Why a person could not be proved present: the command refuses, in one line. */
export class PresenceRefused extends Error {}

const NO_TERMINAL =
  "needs a person at a terminal: this process has none (an agent's tool calls run without one); decide in VS Code's prompt, or run the command in your own terminal";

/**
 * Proves that `approver` (or the one enrolled approver) is at this terminal: shows what is being
 * decided on the terminal itself and reads their passphrase there, with echo off.
 */
export async function provePerson(
  what: string,
  approver: string | undefined,
  registry = new ApproverRegistry(),
  terminal: Terminal | undefined = openTerminal(),
): Promise<PersonProof> {
  if (!terminal) throw new PresenceRefused(`${what} ${NO_TERMINAL}`);
  try {
    const enrolled = registry.list();
    if (enrolled.length === 0)
      throw new PresenceRefused(
        `${what} needs an enrolled approver, and none is enrolled here: enrol yourself at your terminal with "agent-policy approver enroll --name YOU@example.com"`,
      );
    const name = approver ?? (enrolled.length === 1 ? enrolled[0]?.name : undefined);
    if (name === undefined) throw new PresenceRefused(`${what}: say which approver you are (${enrolled.map((a) => a.name).join(', ')})`);
    if (!registry.find(name)) throw new PresenceRefused(`${what}: ${name} is not an enrolled approver (enrolled: ${enrolled.map((a) => a.name).join(', ')})`);
    terminal.write(`Agent Policy: ${what}\n`);
    const passphrase = await terminal.readSecret(`Passphrase for ${name}: `);
    if (!registry.check(name, passphrase)) throw new PresenceRefused(`${what}: that is not ${name}'s passphrase`);
    return { via: 'terminal-passphrase', approver: name, os_user: currentUser(), tty: terminal.device };
  } finally {
    terminal.close();
  }
}

/** `approver enroll --name NAME`: a new approver, or a new passphrase for one (after the old one). */
/**
 * `approver enroll --name NAME [--by APPROVER]`: a new approver, or a new passphrase for one. Once
 * anyone is enrolled, a new name needs an enrolled approver's passphrase (`--by`, or the only one):
 * nobody, an agent in a terminal of its own included, enrols itself beside them.
 */
export async function runApproverEnroll(
  io: CliIo,
  name: string | undefined,
  now: number,
  by?: string,
  registry = new ApproverRegistry(),
  terminal: Terminal | undefined = openTerminal(),
): Promise<void> {
  if (!name) throw new PresenceRefused('approver enroll needs --name (your e-mail, as the policy lists approvers)');
  if (!terminal) throw new PresenceRefused(`enrolling an approver ${NO_TERMINAL}`);
  try {
    const enrolled = registry.list();
    const vouching = registry.find(name) ? name : (by ?? (enrolled.length === 1 ? enrolled[0]?.name : undefined));
    if (enrolled.length > 0) {
      if (vouching === undefined || !registry.find(vouching))
        throw new PresenceRefused(`enrolling ${name} needs an enrolled approver to vouch (--by ${enrolled.map((a) => a.name).join(' | ')})`);
      const old = await terminal.readSecret(`${vouching === name ? 'Current passphrase' : 'Passphrase of the enrolled approver'} for ${vouching}: `);
      if (!registry.check(vouching, old)) throw new PresenceRefused(`that is not ${vouching}'s passphrase`);
    }
    const first = await terminal.readSecret(`New passphrase for ${name} (at least ${MIN_PASSPHRASE} characters): `);
    if (first.length < MIN_PASSPHRASE) throw new PresenceRefused(`a passphrase has at least ${MIN_PASSPHRASE} characters`);
    const again = await terminal.readSecret('The same again: ');
    if (again !== first) throw new PresenceRefused('the two passphrases differ');
    registry.enroll(name, first, new Date(now).toISOString(), currentUser());
    io.stdout(`${name} is enrolled: approving and granting bypasses at a terminal now asks for this passphrase (kept hashed in ${registry.path})\n`);
  } finally {
    terminal.close();
  }
}

export function runApproverList(io: CliIo, registry = new ApproverRegistry()): void {
  const enrolled = registry.list();
  for (const a of enrolled) io.stdout(`${a.name} (enrolled ${a.enrolled_at} by ${a.os_user})\n`);
  if (enrolled.length === 0) io.stdout('no approver is enrolled\n');
}
