import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entriesIn } from '#core';
import { decide, policy } from '../helpers';

// A policy file's rule entries are one list, each naming the list it is written in
// (server/src/core/policy/policy-file.ts); the set groups what it holds (environment, settings,
// compiled rules) and is built in stages (policy-set.ts).
const ROOT = `version: "2.1"
default_permissions:
  filesystem:
    allow: ["docs/**"]
permissions:
  filesystem:
    allow: ["src/**"]
    deny: ["secrets/**"]
  commands:
    allow: ["git status"]
  network:
    allow_outbound: false
    exceptions: ["registry.npmjs.org"]
constraints:
  max_files_per_action: 5
  require_human_approval:
    - file_pattern: "package.json"
    - command_pattern: "npm publish"
bypass:
  max_duration: 1h
  approvers: ["*@example.com"]
  never: ["secrets/keys/**"]
`;

describe('policy entries', () => {
  it('names each entry by the list it is written in, in the order written (a list in two sections: the first section first)', async () => {
    const set = await policy({ '': ROOT });
    const root = set.files[0];
    assert.ok(root);
    assert.deepEqual(
      root.entries.map((e) => `${e.in} ${e.pattern}`),
      [
        'filesystem.allow docs/**',
        'filesystem.allow src/**',
        'filesystem.deny secrets/**',
        'commands.allow git status',
        'network.allow_outbound false',
        'network.exceptions registry.npmjs.org',
        'max_files_per_action 5',
        'require_human_approval.file package.json',
        'require_human_approval.command npm publish',
        'bypass.never secrets/keys/**',
      ],
    );
    assert.deepEqual(
      entriesIn(root, 'filesystem.allow').map((e) => e.pattern),
      ['docs/**', 'src/**'],
    );
  });

  it('keeps the list a decision reports apart from the list an entry is written in: bypass.never denies as filesystem.deny, approvals report as require_human_approval', async () => {
    const set = await policy({ '': ROOT });
    const root = set.files[0];
    assert.ok(root);
    assert.deepEqual(
      entriesIn(root, 'bypass.never').map((e) => e.ref.list),
      ['filesystem.deny'],
    );
    assert.deepEqual(
      [...entriesIn(root, 'require_human_approval.file'), ...entriesIn(root, 'require_human_approval.command')].map((e) => e.ref.list),
      ['require_human_approval', 'require_human_approval'],
    );
    const ask = decide(set, { action: 'filesystem.write', path: 'package.json' });
    assert.equal(ask.decision, 'ask');
    assert.equal(ask.rules[0]?.list, 'require_human_approval', 'the approval entry decided, under the list name decisions have always used');
  });

  it('groups the set: the host-given environment, the root settings (bypass limits with their never entries), and the compiled rules', async () => {
    const set = await policy({ '': ROOT }, { caseInsensitive: true });
    assert.equal(set.environment.caseInsensitive, true);
    assert.equal(set.settings.version, '2.1');
    assert.equal(set.settings.bypass?.maxDuration, '1h');
    assert.deepEqual(
      set.settings.bypass?.never.map((e) => e.pattern),
      ['secrets/keys/**'],
    );
    assert.equal(set.rules.smallestMaxFiles, 5);
    assert.equal(set.rules.network?.allowOutbound, false);
    assert.deepEqual(
      set.rules.network?.exceptions.map((e) => e.entry.pattern),
      ['registry.npmjs.org'],
    );
    assert.ok(set.rules.bypassNever.first('secrets/keys/a.pem'), 'bypass.never compiled into its own index');
  });
});

describe('rule references', () => {
  it('say where a rule is written (offset and length in its file), without making that part of what a decision is written as', async () => {
    const set = await policy({ '': ROOT });
    const result = decide(set, { action: 'filesystem.write', path: 'secrets/a' });
    const rule = result.rules[0];
    assert.ok(rule && rule.offset !== undefined && rule.length !== undefined);
    assert.equal(ROOT.slice(rule.offset, rule.offset + rule.length), '"secrets/**"', 'the offset points at the entry as written');
    assert.equal(JSON.stringify(rule), '{"file":".agent-policy.yml","line":8,"column":12,"list":"filesystem.deny","pattern":"secrets/**"}');
    assert.deepEqual(Object.keys({ ...rule }), ['file', 'line', 'column', 'list', 'pattern']);
  });
});
