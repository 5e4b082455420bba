import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARTICLE, codes, decide, policy } from '../helpers';

const ROOT = `version: "2.1"
default_permissions:
  filesystem:
    deny: [".env*", "secrets/**"]
permissions:
  filesystem:
    deny:
      - "backend/secrets/**"
`;

describe('semantic findings', () => {
  it('AP2002: the article conflict, in both files, with both lines and a resolution', async () => {
    const set = await policy({
      '': ROOT,
      backend: 'permissions:\n  filesystem:\n    allow:\n      - "backend/src/**/*.go"\n      - "backend/secrets/test-fixtures/**"\n',
    });
    const conflicts = set.findings.filter((f) => f.code === 'AP2002');
    assert.equal(conflicts.length, 2);
    const inOverride = conflicts.find((f) => f.uri === 'backend/.agent-policy.override.yml');
    const inRoot = conflicts.find((f) => f.uri === '.agent-policy.yml');
    assert.match(inOverride?.message ?? '', /allows "backend\/secrets\/test-fixtures\/\*\*".*denies "backend\/secrets\/\*\*" \(\.agent-policy\.yml:8:9\)/);
    assert.match(inOverride?.message ?? '', /Resolution:/);
    assert.match(inRoot?.message ?? '', /backend\/\.agent-policy\.override\.yml:5:9/);
    assert.equal(inOverride?.related[0]?.uri, '.agent-policy.yml');
    assert.equal(inRoot?.related[0]?.uri, 'backend/.agent-policy.override.yml');
    // Deny wins at run time regardless.
    assert.equal(decide(set, { action: 'filesystem.read', path: 'backend/secrets/test-fixtures/a.json' }).decision, 'deny');
    assert.equal(decide(set, { action: 'filesystem.read', path: 'backend/src/main.go' }).decision, 'allow');
  });

  it('AP2002: a partial overlap inside a denied directory is a conflict; a root-wide carve-out is AP2013', async () => {
    const set = await policy({
      '': 'version: "2.1"\npermissions:\n  filesystem:\n    deny: ["backend/secrets/**/*.pem", "**/*.key"]\n',
      backend: 'permissions:\n  filesystem:\n    allow: ["backend/secrets/fixtures/**", "backend/src/**"]\n',
    });
    const conflict = set.findings.find((f) => f.code === 'AP2002' && f.uri.startsWith('backend'));
    assert.match(conflict?.message ?? '', /e\.g\. backend\/secrets\/fixtures\/.*\.pem/);
    assert.ok(set.findings.some((f) => f.code === 'AP2013' && /\*\*\/\*\.key/.test(f.message)));
    assert.equal(set.findings.filter((f) => f.code === 'AP2002').length, 2);
  });

  it('AP2002: an intermediate override denial conflicts with a deeper override allow', async () => {
    const set = await policy({
      '': 'version: "2.1"\n',
      a: 'permissions:\n  filesystem:\n    deny: ["a/b/private/**"]\n',
      'a/b': 'permissions:\n  filesystem:\n    allow: ["a/b/private/x/**"]\n',
    });
    assert.equal(set.findings.filter((f) => f.code === 'AP2002').length, 2);
  });

  it('no conflict between disjoint patterns', async () => {
    const set = await policy({ '': ROOT, frontend: 'permissions:\n  filesystem:\n    allow: ["frontend/src/**/*.tsx"]\n' });
    assert.deepEqual(
      codes(set).filter((c) => c.startsWith('AP20') && c !== 'AP2012'),
      [],
    );
  });

  it('AP2003: an override that allows outside its own directory', async () => {
    const set = await policy({ '': ROOT, backend: 'permissions:\n  filesystem:\n    allow: ["src/**", "**/*.go", "backend/**"]\n' });
    const outside = set.findings.filter((f) => f.code === 'AP2003');
    assert.equal(outside.length, 2);
    // At run time the override still governs only its own directory.
    assert.equal(decide(set, { action: 'filesystem.write', path: 'src/x.ts' }).decision, 'deny');
    assert.equal(decide(set, { action: 'filesystem.write', path: 'backend/x.go' }).decision, 'allow');
  });

  it('AP2004: invalid globs; blocking in deny lists, not in allow lists', async () => {
    for (const bad of ['!src/**', '@(a|b)', '[!x].md', 'src/', 'a//b', '../x', './src/**']) {
      const denySet = await policy({ '': `version: "2.1"\npermissions:\n  filesystem:\n    deny: [${JSON.stringify(bad)}]\n` });
      assert.ok(codes(denySet).includes('AP2004'), bad);
      assert.ok(denySet.refusal, `a broken deny ${bad} blocks`);
      const allowSet = await policy({ '': `version: "2.1"\npermissions:\n  filesystem:\n    allow: [${JSON.stringify(bad)}, "ok/**"]\n` });
      assert.ok(codes(allowSet).includes('AP2004'), bad);
      assert.equal(allowSet.refusal, undefined, `a broken allow ${bad} only loses itself`);
      assert.equal(decide(allowSet, { action: 'filesystem.read', path: 'ok/x' }).decision, 'allow');
    }
  });

  it('AP2005: duplicates, with a fix that deletes the line', async () => {
    const text = 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n      - "src/**"\n';
    const set = await policy({ '': text });
    const f = set.findings.find((x) => x.code === 'AP2005');
    assert.ok(f?.fix);
    const fixed = text.slice(0, f.fix.offset) + f.fix.newText + text.slice(f.fix.offset + f.fix.length);
    assert.equal(fixed, 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n');
  });

  it('AP2006: a shadowed pattern names the one that covers it', async () => {
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "src/**"\n      - "src/**/*.ts"\n      - "docs/*.md"\n' });
    const shadowed = set.findings.filter((f) => f.code === 'AP2006');
    assert.equal(shadowed.length, 1);
    assert.match(shadowed[0]?.message ?? '', /"src\/\*\*\/\*\.ts" is shadowed.*"src\/\*\*"/);
  });

  it('AP2006: two spellings of one set report only the later one', async () => {
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow:\n      - "a/{b,c}/**"\n      - "a/[bc]/**"\n' });
    assert.equal(set.findings.filter((f) => f.code === 'AP2006').length, 1);
  });

  it('AP2007: an allow that a deny of the same file covers entirely', async () => {
    const set = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["secrets/public/**"]\n    deny: ["secrets/**"]\n' });
    assert.ok(codes(set).includes('AP2007'));
  });

  it('AP2008: invalid command patterns block when they would deny', async () => {
    for (const bad of ['npm test && rm -rf /', '$CMD', 'echo > x', 'A=1 npm']) {
      const set = await policy({ '': `version: "2.1"\npermissions:\n  commands:\n    deny: [${JSON.stringify(bad)}]\n` });
      assert.ok(codes(set).includes('AP2008'), bad);
      assert.ok(set.refusal, bad);
    }
  });

  it('AP2009: a network exception that is not a host', async () => {
    for (const bad of ['https://registry.npmjs.org', 'user@host.example', 'host.example/path', 'a b']) {
      const set = await policy({ '': `version: "2.1"\npermissions:\n  network:\n    allow_outbound: false\n    exceptions: [${JSON.stringify(bad)}]\n` });
      assert.ok(codes(set).includes('AP2009'), bad);
    }
  });

  it('AP2010: an override with another version', async () => {
    const set = await policy({ '': ARTICLE, backend: 'version: "1.0"\n' });
    assert.ok(codes(set).includes('AP2010'));
    assert.ok(set.refusal);
  });

  it('AP2011: no root policy', async () => {
    const set = await policy({ backend: 'permissions: {}\n' });
    assert.ok(codes(set).includes('AP2011'));
    assert.equal(decide(set, { action: 'filesystem.read', path: 'backend/x' }).decision, 'deny');
  });

  it('AP2012: a deny without a slash matches only at the root', async () => {
    const set = await policy({ '': ROOT });
    const hint = set.findings.find((f) => f.code === 'AP2012');
    assert.match(hint?.message ?? '', /"\*\*\/\.env\*"/);
    assert.equal(decide(set, { action: 'filesystem.read', path: 'config/.env' }).decision, 'deny', 'still denied: nothing allows it');
  });
});
