import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARTICLE, codes, decide, policy } from '../helpers';

const write = { action: 'filesystem.write', path: 'src/a.ts' };

/** Every hostile input must yield a finding, never a crash, and never an allow. */
async function assertRefused(text: string, code: string): Promise<void> {
  const set = await policy({ '': text });
  assert.ok(codes(set).includes(code), `expected ${code}, got ${codes(set).join(',')}`);
  const result = decide(set, write);
  assert.equal(result.decision, 'deny');
  assert.match(result.reason, /cannot be enforced/);
  assert.match(result.reason, new RegExp(code));
}

describe('policy files', () => {
  it('accepts the article policy with no findings', async () => {
    const set = await policy({ '': ARTICLE });
    assert.deepEqual(
      codes(set).filter((c) => c !== 'AP2012'),
      [],
    );
    assert.equal(set.refusal, undefined);
    assert.equal(decide(set, write).decision, 'allow');
  });

  it('AP1001: malformed YAML is refused with its position', async () => {
    await assertRefused('version: "2.1"\npermissions: [unclosed\n', 'AP1001');
    const set = await policy({ '': 'version: "2.1"\nversion: "1.0"\n' });
    assert.ok(codes(set).includes('AP1001'), 'duplicate keys are a YAML error');
  });

  it('AP1002: a policy that is not a mapping', async () => {
    await assertRefused('- a\n- b\n', 'AP1002');
    await assertRefused('', 'AP1002');
    await assertRefused('just a string', 'AP1002');
  });

  it('AP1003: wrong types, unknown keys and a missing version', async () => {
    await assertRefused('version: "2.1"\npermissions:\n  filesystem:\n    allow: "src/**"\n', 'AP1003');
    await assertRefused('version: "2.1"\npermisions: {}\n', 'AP1003');
    await assertRefused('agent_id: x\n', 'AP1003');
    await assertRefused('version: "2.1"\nconstraints:\n  max_files_per_action: -1\n', 'AP1003');
    const set = await policy({ '': 'version: "2.1"\npermisions: {}\n' });
    const f = set.findings.find((x) => x.code === 'AP1003');
    assert.equal(f?.offset, 'version: "2.1"\n'.length, 'points at the unknown key');
    assert.match(f?.message ?? '', /Unknown key "permisions"/);
  });

  it('AP1004: a 10 MB file', async () => {
    await assertRefused('version: "2.1"\n# ' + 'x'.repeat(10 * 1024 * 1024) + '\n', 'AP1004');
  });

  it('AP1005: deep nesting, flow and block', async () => {
    const flow = await policy({ '': 'version: "2.1"\nx: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n' });
    assert.ok(flow.findings.some((f) => f.code === 'AP1005' || f.code === 'AP1001'));
    assert.equal(decide(flow, write).decision, 'deny');
    let block = 'version: "2.1"\n';
    for (let i = 0; i < 60; i++) block += ' '.repeat(i * 2) + `k${i}:\n`;
    block += ' '.repeat(120) + 'v: 1\n';
    await assertRefused(block, 'AP1005');
  });

  it('binary junk is a finding, not a crash', async () => {
    let junk = '';
    let seed = 7;
    for (let i = 0; i < 4096; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      junk += String.fromCharCode(seed % 256);
    }
    const set = await policy({ '': junk });
    assert.ok(set.refusal, 'junk is refused');
    assert.equal(decide(set, write).decision, 'deny');
  });

  it('alias bombs are refused', async () => {
    const bomb =
      'version: "2.1"\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';
    const set = await policy({ '': bomb });
    assert.ok(set.refusal);
  });

  it('AP1006: an unquoted version is read as written, with a fix', async () => {
    const set = await policy({ '': 'version: 2.1\n' });
    const f = set.findings.find((x) => x.code === 'AP1006');
    assert.equal(f?.fix?.newText, '"2.1"');
    assert.equal(set.refusal, undefined);
    const old = await policy({ '': 'version: 1.0\n' });
    assert.equal(old.settings.version, '1.0', '1.0 is not read as 1');
  });

  it('AP2001: an unsupported version denies every action and names the supported ones', async () => {
    const set = await policy({ '': ARTICLE.replace('"2.1"', '"3.0"') });
    for (const action of [write, { action: 'command.exec', command: 'npm test' }, { action: 'network.request', host: 'registry.npmjs.org' }]) {
      const result = decide(set, action);
      assert.equal(result.decision, 'deny');
      assert.match(result.reason, /"3\.0" is not supported/);
      assert.match(result.reason, /"1\.0", "2\.1"/);
      assert.equal(result.rules[0]?.list, 'version');
    }
  });

  it('1.0 policies reject 2.1-only keys', async () => {
    const set = await policy({ '': 'version: "1.0"\ndefault_permissions: {}\n' });
    assert.ok(codes(set).includes('AP1003'));
  });

  it('overrides may not carry root-only sections', async () => {
    const set = await policy({ '': ARTICLE, backend: 'permissions:\n  network:\n    allow_outbound: true\n' });
    assert.ok(set.findings.some((f) => f.code === 'AP1003' && f.uri.startsWith('backend/')));
    assert.ok(set.refusal);
  });

  it('audit: without log_all_actions every decision is recorded; only an explicit false drops allows', async () => {
    const none = await policy({ '': 'version: "2.1"\npermissions:\n  filesystem:\n    allow: ["src/**"]\n' });
    assert.equal(none.settings.audit.logAllActions, true);
    const off = await policy({ '': 'version: "2.1"\naudit:\n  log_all_actions: false\n' });
    assert.equal(off.settings.audit.logAllActions, false);
  });
});
