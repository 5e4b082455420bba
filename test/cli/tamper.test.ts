import assert from 'node:assert/strict';
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson } from '#core/audit';
import { AuditLog } from '#host/audit/audit-log';
import { derivedKey } from '#host/audit/audit-seal';
import { run, workspace } from './cli-helpers';

// Tampering with the audit log by someone who can write the state folder but not the seal folder
// (issue 16, defect 5): every case must make `audit verify` exit non-zero, and say what it found.
// The log is built by the real writer over three UTC days (fixed dates, never today's), then
// tampered with on disk, then checked by the CLI in a process of its own.

const POLICY = 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n';
const T0 = Date.parse('2026-03-01T09:00:00Z');
const DAY = 86_400_000;
const PER_DAY = 4;

interface Log {
  root: string;
  state: string;
  audit: string;
  log: AuditLog;
}

function built(): Log {
  const root = workspace({ '.agent-policy.yml': POLICY });
  const state = join(root, '.agent-policy');
  let now = T0;
  const log = new AuditLog(state, { clock: () => now, foldWindowMs: 0 });
  for (let day = 0; day < 3; day++) {
    for (let i = 0; i < PER_DAY; i++) {
      now = T0 + day * DAY + i * 60_000;
      log.append({ kind: 'decision', action: 'filesystem.write', path: `src/${day}-${i}.ts`, decision: i === 2 ? 'deny' : 'allow', reason: 'test' });
    }
  }
  return { root, state, audit: join(state, 'audit'), log };
}

function dayFiles(l: Log): string[] {
  return readdirSync(l.audit)
    .filter((f) => /^audit-.*\.jsonl$/.test(f))
    .sort()
    .map((f) => join(l.audit, f));
}

interface Line {
  file: string;
  entry: Record<string, unknown>;
}

/** The i-th line (negative: from the end); the tests only ask for lines that exist. */
function at(list: Line[], i: number): Line {
  const line = list.at(i);
  assert.ok(line, `line ${i}`);
  return line;
}

/** Every entry of the log, in order, with the file it is in. */
function entries(l: Log): Line[] {
  return dayFiles(l).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((x) => x !== '')
      .map((line) => ({ file, entry: JSON.parse(line) as Record<string, unknown> })),
  );
}

/** Writes entries back into their files (files with none are left empty). */
function rewrite(l: Log, list: Line[]): void {
  for (const file of dayFiles(l))
    writeFileSync(
      file,
      list
        .filter((e) => e.file === file)
        .map((e) => `${canonical(e.entry)}\n`)
        .join(''),
    );
}

const canonical = (v: unknown): string => canonicalJson(v);
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hashOf = (entry: Record<string, unknown>): string => {
  const { hash: _h, sig: _s, ...rest } = entry;
  return sha256(canonical(rest));
};

/** What the writer signs (audit-seal.ts); an attacker who knows the format still lacks the keys. */
const signWith = (secret: { d: string; x: string }, hash: string): string =>
  sign(null, Buffer.from(`agent-policy audit entry ${hash}`), createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', ...secret }, format: 'jwk' })).toString(
    'base64url',
  );

function attackerKey(): { d: string; x: string } {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return { d: jwk.d as string, x: jwk.x as string };
}

/**
 * Re-chains the entries from index `from` (after `change` edits them): each prev and hash made
 * consistent; with `keys`, each signed by a key of the attacker's, naming the next one.
 */
function rechain(list: Line[], from: number, change: (e: Record<string, unknown>) => void, keys: boolean): void {
  let key = attackerKey();
  for (let i = from; i < list.length; i++) {
    const entry = at(list, i).entry;
    change(entry);
    entry.prev = i === 0 ? '0'.repeat(64) : at(list, i - 1).entry.hash;
    delete entry.sig;
    if (keys) {
      const next = attackerKey();
      entry.next_key = next.x;
      entry.hash = hashOf(entry);
      entry.sig = signWith(key, entry.hash as string);
      key = next;
    } else {
      delete entry.next_key;
      entry.hash = hashOf(entry);
    }
  }
}

/** The seal's older slot: the state before the last append, holding the key that signed the newest entry. */
/**
 * The key that signed entry `seq`, as an attacker with an older copy of the seal gets it: the older
 * slot's key, walked forward along the seal's one-way key chain to the key entry `seq - 1` named.
 */
function stolenKeyFor(l: Log, list: { entry: Record<string, unknown> }[], seq: number): { d: string; x: string } {
  const bytes = readFileSync(l.log.seal.path);
  const slots = [0, 1].map((slot) => {
    const at = slot * 65536;
    const length = bytes.readUInt32BE(at + 8);
    return JSON.parse(bytes.subarray(at + 44, at + 44 + length).toString('utf8')) as {
      counter: number;
      secret: string;
      head: { key: string };
      next: { secret: string; public: string };
    };
  });
  const older = slots.sort((a, b) => a.counter - b.counter)[0] as (typeof slots)[number];
  const named = list.find((e) => e.entry.seq === seq - 1)?.entry.next_key;
  let key = { d: older.secret, x: older.head.key };
  if (key.x !== named) key = { d: older.next.secret, x: older.next.public };
  for (let i = 0; i < 200 && key.x !== named; i++) {
    const next = derivedKey(key.d);
    key = { d: next.secret, x: next.public };
  }
  assert.equal(key.x, named, 'the older seal copy leads to the key that signed the entry');
  return key;
}

const verify = (l: Log) => run(['audit', 'verify', '--root', l.root]);

/** Each tamper, and the problem verify must report (by kind, in its one line). */
const TAMPERS: [string, (l: Log) => void, RegExp][] = [
  [
    'an entry edited',
    (l) => {
      const list = entries(l);
      at(list, 5).entry.decision = 'deny';
      rewrite(l, list);
    },
    /: edited: entry 6 was edited/,
  ],
  [
    'an entry edited and re-hashed',
    (l) => {
      const list = entries(l);
      const e = at(list, 5).entry;
      e.decision = 'deny';
      e.hash = hashOf(e);
      rewrite(l, list);
    },
    /: forged: entry 6's signature is not by the key entry 5 named/,
  ],
  [
    'an entry deleted from the middle',
    (l) => {
      const list = entries(l);
      list.splice(5, 1);
      rewrite(l, list);
    },
    /: missing: entry 6 is missing before entry 7/,
  ],
  [
    'two entries swapped',
    (l) => {
      const list = entries(l);
      const [a, b] = [at(list, 5), at(list, 6)];
      list[5] = { file: a.file, entry: b.entry };
      list[6] = { file: b.file, entry: a.entry };
      rewrite(l, list);
    },
    /: reordered: /,
  ],
  [
    'an entry duplicated',
    (l) => {
      const list = entries(l);
      list.splice(6, 0, at(list, 5));
      rewrite(l, list);
    },
    /: reordered: entry 6 comes after entry 6/,
  ],
  [
    'the last entry removed',
    (l) => {
      const list = entries(l);
      list.pop();
      rewrite(l, list);
    },
    /: truncated: the log ends at entry 11, but its seal recorded entry 12: entry 12 is gone/,
  ],
  [
    'the last three entries removed',
    (l) => {
      const list = entries(l);
      list.splice(-3);
      rewrite(l, list);
    },
    /: truncated: the log ends at entry 9, but its seal recorded entry 12: entries 10–12 are gone/,
  ],
  ['the newest day file deleted', (l) => unlinkSync(dayFiles(l).at(-1) as string), /: truncated: the log ends at entry 8, but its seal recorded entry 12/],
  ['the middle day file deleted', (l) => unlinkSync(dayFiles(l)[1] as string), /: missing: entries 5–8 are missing before entry 9/],
  ['the oldest day file deleted', (l) => unlinkSync(dayFiles(l)[0] as string), /: missing: entries 1–4 are missing before entry 5/],
  [
    'the oldest day file deleted and a forged anchor.json written for what it ended with',
    (l) => {
      const last = at(entries(l), 3).entry;
      unlinkSync(dayFiles(l)[0] as string);
      writeFileSync(join(l.audit, 'anchor.json'), JSON.stringify({ seq: last.seq, hash: last.hash, next_key: last.next_key }));
    },
    /: missing: entries 1–4 are missing before entry 5/,
  ],
  [
    'every day file deleted',
    (l) => {
      for (const f of dayFiles(l)) unlinkSync(f);
    },
    /: truncated: the log ends at entry 0, but its seal recorded entry 12/,
  ],
  ['the audit folder deleted', (l) => rmSync(l.audit, { recursive: true }), /: truncated: the log ends at entry 0, but its seal recorded entry 12/],
  ['the whole state folder deleted', (l) => rmSync(l.state, { recursive: true }), /: truncated: the log ends at entry 0, but its seal recorded entry 12/],
  [
    'the log rolled back to an earlier copy of itself',
    (l) => {
      const copy = `${l.audit}.copy`;
      rmSync(l.audit, { recursive: true });
      renameSync(copy, l.audit);
    },
    /: truncated: the log ends at entry 8, but its seal recorded entry 12/,
  ],
  [
    'the chain rewritten consistently from entry 5, without signatures',
    (l) => {
      const list = entries(l);
      rechain(
        list,
        4,
        (e) => {
          e.decision = 'allow';
        },
        false,
      );
      rewrite(l, list);
    },
    /: unsigned: entry 5 is not signed/,
  ],
  [
    'the chain rewritten consistently from entry 5, signed with new keys',
    (l) => {
      const list = entries(l);
      rechain(
        list,
        4,
        (e) => {
          e.decision = 'allow';
        },
        true,
      );
      rewrite(l, list);
    },
    /: forged: entry 5's signature is not by the key entry 4 named/,
  ],
  [
    'the whole chain rewritten from genesis with new keys',
    (l) => {
      const list = entries(l);
      rechain(
        list,
        0,
        (e) => {
          e.decision = 'allow';
        },
        true,
      );
      rewrite(l, list);
    },
    /: forged: entry 1's signature is not by the key entry 0 named/,
  ],
  [
    'an unsigned entry appended',
    (l) => {
      const list = entries(l);
      const last = at(list, -1);
      const forged: Record<string, unknown> = { ...last.entry, seq: 13, prev: last.entry.hash, path: 'src/forged.ts' };
      delete forged.sig;
      delete forged.next_key;
      forged.hash = hashOf(forged);
      list.push({ file: last.file, entry: forged });
      rewrite(l, list);
    },
    /: unsigned: entry 13 is not signed/,
  ],
  [
    'an entry appended, signed with a new key',
    (l) => {
      const list = entries(l);
      const last = at(list, -1);
      const forged: Record<string, unknown> = { ...last.entry, seq: 13, prev: last.entry.hash, path: 'src/forged.ts', next_key: attackerKey().x };
      forged.hash = hashOf(forged);
      forged.sig = signWith(attackerKey(), forged.hash as string);
      list.push({ file: last.file, entry: forged });
      rewrite(l, list);
    },
    /: forged: entry 13's signature/,
  ],
  [
    'a line that is not JSON appended',
    (l) => writeFileSync(dayFiles(l).at(-1) as string, `${readFileSync(dayFiles(l).at(-1) as string, 'utf8')}{"forged":\n`),
    /: not-json: /,
  ],
  [
    'the last line cut in the middle',
    (l) => {
      const f = dayFiles(l).at(-1) as string;
      const text = readFileSync(f, 'utf8');
      writeFileSync(f, text.slice(0, text.length - 40));
    },
    /: torn: the last line is incomplete/,
  ],
  [
    "an entry's signature removed",
    (l) => {
      const list = entries(l);
      delete at(list, 7).entry.sig;
      rewrite(l, list);
    },
    /: unsigned: entry 8 is not signed/,
  ],
  [
    "another workspace's sealed log copied over this one",
    (l) => {
      const other = built();
      rmSync(l.audit, { recursive: true });
      cpSync(other.audit, l.audit, { recursive: true });
    },
    /: forged: entry 1's signature is not by the key entry 0 named/,
  ],
  [
    'the newest entry rewritten and re-signed with its own key, read from the seal before it was overwritten',
    (l) => {
      const list = entries(l);
      const last = at(list, -1).entry;
      const stolen = stolenKeyFor(l, list, last.seq as number);
      last.decision = 'allow';
      last.path = 'src/other.ts';
      last.hash = hashOf(last);
      last.sig = signWith(stolen, last.hash as string);
      rewrite(l, list);
    },
    /: rewritten: entry 12 is not the entry the seal recorded/,
  ],
  ['the seal deleted (this needs the seal folder, which the gate denies to agents)', (l) => unlinkSync(l.log.seal.path), /: unsealed: the log has no seal/],
];

describe('audit verify finds every tamper with the log (issue 16, defect 5)', () => {
  for (const [name, tamper, found] of TAMPERS) {
    it(name, () => {
      const l = built();
      if (name.startsWith('the log rolled back')) {
        // The copy is taken after day two, then the writer goes on.
        const list = entries(l);
        cpSync(l.audit, `${l.audit}.copy`, { recursive: true });
        rmSync(join(`${l.audit}.copy`, 'audit-2026-03-03.jsonl'));
        assert.equal(list.length, 12);
      }
      assert.equal(verify(l).code, 0, 'intact before the tamper');
      tamper(l);
      const result = verify(l);
      assert.equal(result.code, 1, `${name}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout, found);
      assert.match(result.stdout, /the chain is BROKEN/);
    });
  }

  it('an unreadable day file (a folder in its place) is a one-line error and a non-zero exit, never "intact"', () => {
    const l = built();
    const newest = dayFiles(l).at(-1) as string;
    unlinkSync(newest);
    mkdirSync(newest);
    const result = verify(l);
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stdout, /intact/);
    assert.match(result.stderr, /^agent-policy: .*EISDIR.*\n$/);
  });

  it('a day file without read permission is refused the same way (when not run as root, who reads anything)', (t) => {
    if (process.getuid?.() === 0) return t.skip('root reads a mode-000 file');
    const l = built();
    chmodSync(dayFiles(l)[0] as string, 0);
    const result = verify(l);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /EACCES/);
  });

  it('no log and no seal is "nothing recorded", exit 0; a log without its seal is not intact', () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    const empty = run(['audit', 'verify', '--root', root]);
    assert.equal(empty.code, 0);
    assert.match(empty.stdout, /^nothing has been recorded: no audit log in .* and no seal at .*\.agent-policy-seal\//m);
  });
});

describe('the writer against its seal', () => {
  it('after a truncation the gate fails closed: nothing is appended and the decision is not an allow', () => {
    const l = built();
    const list = entries(l);
    list.splice(-2);
    rewrite(l, list);
    const check = run(['check', '--root', l.root, '--json', JSON.stringify({ action: 'filesystem.write', path: 'src/a.ts' }), '--audit']);
    assert.notEqual(check.code, 0, check.stdout);
    assert.match(check.stderr, /the audit log does not match its seal \(the log ends at entry 10, its seal at entry 12\)/);
    assert.equal(entries(l).length, 10, 'nothing was appended');
  });

  it('a signed log whose seal is missing is not adopted by the next append (found in review: adopting it re-based a rewrite); another seal location is refused the same way', () => {
    const l = built();
    unlinkSync(l.log.seal.path);
    const check = run(['check', '--root', l.root, '--json', JSON.stringify({ action: 'filesystem.write', path: 'src/a.ts' }), '--audit']);
    assert.notEqual(check.code, 0);
    assert.match(check.stderr, /the audit log is signed but its seal is not at /);
    const l2 = built();
    const elsewhere = run(['audit', 'flush', '--root', l2.root], undefined, undefined, {
      ...process.env,
      AGENT_POLICY_SEAL_HOME: join(l2.root, 'other-seals'),
    });
    assert.notEqual(elsewhere.code, 0);
    assert.match(elsewhere.stderr, /signed but its seal is not at /);
    assert.equal(verify(l2).code, 0, 'the log and its real seal are untouched');
  });

  it('a crash between the log write and the seal write is rolled forward: verify accepts the one signed entry beyond, the next append seals it', async () => {
    const l = built();
    const before = readFileSync(l.log.seal.path);
    l.log.append({
      kind: 'decision',
      timestamp: '2026-03-03T12:00:00.000Z',
      action: 'filesystem.write',
      path: 'src/late.ts',
      decision: 'allow',
      reason: 'test',
    });
    writeFileSync(l.log.seal.path, before); // the seal as it was before that append
    assert.equal(verify(l).code, 0, verify(l).stdout);
    l.log.append({
      kind: 'decision',
      timestamp: '2026-03-03T12:01:00.000Z',
      action: 'filesystem.write',
      path: 'src/later.ts',
      decision: 'allow',
      reason: 'test',
    });
    const report = await l.log.verify();
    assert.equal(report.problem, undefined, report.problem?.message);
    assert.equal(report.entries, 14);
    assert.equal(report.seal.head, 14);
  });

  it('a torn seal update leaves the other copy: the previous state, rolled forward like a crash', () => {
    const l = built();
    const bytes = readFileSync(l.log.seal.path);
    const current = [0, 1].map(
      (slot) => JSON.parse(bytes.subarray(slot * 65536 + 44, slot * 65536 + 44 + bytes.readUInt32BE(slot * 65536 + 8)).toString('utf8')) as { counter: number },
    );
    const newer = (current[0] as { counter: number }).counter > (current[1] as { counter: number }).counter ? 0 : 1;
    bytes.fill(0x20, newer * 65536 + 60, newer * 65536 + 200); // tear the newer slot's payload
    writeFileSync(l.log.seal.path, bytes);
    assert.equal(verify(l).code, 0, verify(l).stdout);
    l.log.append({
      kind: 'decision',
      timestamp: '2026-03-03T12:00:00.000Z',
      action: 'filesystem.write',
      path: 'src/late.ts',
      decision: 'allow',
      reason: 'test',
    });
    assert.equal(verify(l).code, 0);
  });

  it('folded denials live in the seal: resetting a fold.json in the state folder hides none', async () => {
    const root = workspace({ '.agent-policy.yml': POLICY });
    let now = T0;
    const log = new AuditLog(join(root, '.agent-policy'), { clock: () => now });
    for (let i = 0; i < 20; i++) {
      now = T0 + i * 100;
      log.append({ kind: 'decision', action: 'filesystem.write', path: 'secrets/k', decision: 'deny', reason: 'denied' });
    }
    writeFileSync(join(root, '.agent-policy', 'audit', 'fold.json'), 'null');
    assert.equal((await log.verify()).pendingFolded, 19);
    assert.equal(log.flush(), 19);
    const summary = entries({ root, state: '', audit: join(root, '.agent-policy', 'audit'), log }).at(-1)?.entry;
    assert.equal(summary?.kind, 'summary');
    assert.equal(summary?.folded, 19);
    assert.ok(
      !existsSync(join(root, '.agent-policy', 'audit', 'fold.json')) || readFileSync(join(root, '.agent-policy', 'audit', 'fold.json'), 'utf8') === 'null',
      'the writer never reads it',
    );
  });
});
