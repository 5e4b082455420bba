import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { APPROVER, atTerminal, enrolApprover, run, workspace } from './cli-helpers';

// A full disk, for real: the state folder is a 256 KiB tmpfs (issue 16, defects 1, 2 and 9). Where
// the machine does not allow mounting (not root, no tmpfs), the tests say so and skip.

const POLICY = `version: "2.1"
permissions:
  filesystem:
    allow: ["src/**"]
    deny: ["backend/auth/**"]
audit:
  log_all_actions: true
bypass:
  max_duration: "1h"
  approvers: ["alice@example.com"]
`;

const mount = mkdtempSync(join(tmpdir(), 'agent-policy-tmpfs-'));
let mounted = false;

before(() => {
  mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount]).status === 0;
});

after(() => {
  if (mounted) spawnSync('umount', [mount]);
  rmSync(mount, { recursive: true, force: true });
});

/** Fills the file system until a write fails with ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(4096, 0x61);
  let size = 0;
  for (;;) {
    try {
      writeFileSync(filler, Buffer.concat([Buffer.alloc(size, 0x61), chunk]));
      size += chunk.length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return filler;
      throw error;
    }
  }
}

describe('a full disk under the state folder (real ENOSPC on a small tmpfs)', () => {
  it('a revoke that cannot be written fails in one line and leaves the bypass in force; once there is room it takes effect, and the audit log verifies', (t) => {
    if (!mounted) return t.skip('cannot mount a tmpfs here (needs root)');
    const root = workspace({ '.agent-policy.yml': POLICY });
    const state = join(mount, 'state');
    const bypass = (...args: string[]) => run(['bypass', ...args, '--root', root, '--state', state]);
    enrolApprover();
    const granted = atTerminal(
      [
        'bypass',
        '--root',
        root,
        '--state',
        state,
        '--reason',
        'P0 incident: fix the auth service',
        '--allow',
        'backend/auth/**',
        '--duration',
        '30m',
        '--approver',
        'alice@example.com',
      ],
      `${APPROVER.passphrase}\n`,
    );
    assert.equal(granted.code, 0, granted.stdout);
    const id = /Bypass granted: (bypass_[0-9a-z]+)/.exec(granted.stdout)?.[1] as string;
    const filler = fill(mount);
    // A decision that cannot be recorded is not allowed: `check --audit` of an allowed write fails closed.
    const unrecorded = run(['check', '--root', root, '--state', state, '--audit', '--json', JSON.stringify({ action: 'filesystem.write', path: 'src/a.ts' })]);
    assert.notEqual(unrecorded.code, 0, unrecorded.stdout);
    assert.match(unrecorded.stdout + unrecorded.stderr, /ENOSPC/);
    const full = bypass('revoke', id);
    assert.notEqual(full.code, 0, 'a revoke that was not written must not exit 0');
    assert.equal(full.stderr.trim().split('\n').length, 1, full.stderr);
    assert.match(full.stderr, /^agent-policy: ENOSPC: no space left on device/);
    assert.match(bypass('list').stdout, new RegExp(`${id} active`), 'what the exit code said: still in force');
    rmSync(filler);
    const revoked = bypass('revoke', id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(bypass('list').stdout, new RegExp(`${id} revoked`));
    const verify = run(['audit', 'verify', '--root', root, '--state', state]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /the chain is intact/);
  });
});
