import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectKind, starterPolicy, type ProjectKind } from '#core';
import { codes, decide, policy } from '../helpers';

// The policy `Agent Policy: Create Policy` and `agent-policy init` write where there is none
// (server/src/core/policy/starter-policies.ts).
describe('starter policies', () => {
  it('fit the project: a Node, Python or Go project is told apart by its files', () => {
    assert.equal(projectKind(['README.md', 'package.json']), 'node');
    assert.equal(projectKind(['pyproject.toml']), 'python');
    assert.equal(projectKind(['go.mod', 'main.go']), 'go');
    assert.equal(projectKind(['Makefile']), 'other');
  });

  for (const kind of ['node', 'python', 'go', 'other'] as ProjectKind[]) {
    it(`for ${kind}: validates with no error or warning, and decides as its comments say`, async () => {
      const set = await policy({ '': starterPolicy(kind) });
      const serious = set.findings.filter((f) => f.severity !== 'info');
      assert.deepEqual(
        serious.map((f) => `${f.code} ${f.message}`),
        [],
      );
      assert.equal(set.refusal, undefined, codes(set).join(','));
      assert.equal(decide(set, { action: 'filesystem.read', path: '.env' }).decision, 'deny', 'secrets are never readable');
      assert.equal(decide(set, { action: 'command.exec', command: 'git push --force' }).decision, 'deny');
      assert.equal(decide(set, { action: 'network.request', url: 'https://example.com/' }).decision, 'deny', 'no outbound network but the registries');
    });
  }

  it('puts the files that change dependencies to a person, and lets the agent edit its sources', async () => {
    const node = await policy({ '': starterPolicy('node') });
    assert.equal(decide(node, { action: 'filesystem.write', path: 'package.json' }).decision, 'ask');
    assert.equal(decide(node, { action: 'filesystem.write', path: 'src/index.ts' }).decision, 'allow');
    assert.equal(decide(node, { action: 'network.request', url: 'https://registry.npmjs.org/left-pad' }).decision, 'allow');
    const go = await policy({ '': starterPolicy('go') });
    assert.equal(decide(go, { action: 'filesystem.write', path: 'go.mod' }).decision, 'ask');
    assert.equal(decide(go, { action: 'filesystem.write', path: 'vendor/x/y.go' }).decision, 'deny', 'vendored code stays as fetched');
  });
});
