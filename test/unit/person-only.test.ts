import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, policy } from '../helpers';

// Issue 16, defect 7: approving a request or granting a bypass is a person's decision. A policy
// that lets the agent run Agent Policy's CLI (or every VS Code command) still does not let it
// approve its own requests: these commands are denied by a built-in governance table, whatever allows them.
const OPEN = `version: "2.1"
permissions:
  commands:
    allow: ["agent-policy *", "AGENT-POLICY *", "npx *", "bunx *", "vscode-command *", "sh -c *", "sudo *"]
`;

const governed = (result: ReturnType<typeof command>) => (result.causes ?? []).find((c) => c.table === 'governance');

describe('decisions only a person may make are denied to agents (issue 16, defect 7)', () => {
  it('approving, denying, granting a bypass and enrolling an approver, however the CLI is reached', async () => {
    const set = await policy({ '': OPEN });
    for (const line of [
      'agent-policy approvals approve apr_0123456789',
      'agent-policy approvals deny apr_0123456789',
      'agent-policy bypass --reason "need it now" --allow "secrets/**" --duration 1h --approver a@example.com',
      'agent-policy approver enroll --name a@example.com',
      'npx agent-policy approvals approve apr_0123456789',
      'npx -y agent-policy@1.2.0 approvals approve apr_0123456789',
      'sudo -u me agent-policy approvals approve apr_0123456789',
      "sh -c 'agent-policy approvals approve apr_0123456789'",
      'vscode-command agentPolicy.approve',
      'vscode-command agentPolicy.grantBypass',
      // Found in review: a runner's option values, its command lines, paths, tarballs and case.
      'npx -p agent-policy agent-policy approvals approve apr_0123456789',
      'npx --package agent-policy agent-policy approver enroll --name bot@x.io',
      "npx -c 'agent-policy approvals approve apr_0123456789'",
      'npx ./node_modules/agent-policy approvals approve apr_0123456789',
      'npx file:../agent-policy-1.0.0.tgz approvals approve apr_0123456789',
      'bunx agent-policy approvals approve apr_0123456789',
      'AGENT-POLICY approvals approve apr_0123456789',
    ]) {
      const result = command(set, line);
      assert.equal(result.decision, 'deny', line);
      assert.match(governed(result)?.detail ?? '', /makes a decision only a person may make/, line);
    }
  });

  it('a subcommand or package chosen at run time asks; listing and revoking stay allowed (they take nothing from a person)', async () => {
    const set = await policy({ '': OPEN });
    for (const line of [
      'agent-policy "$SUB" approve apr_1',
      'agent-policy approvals "$WHAT" apr_1',
      'npx "$PKG" approvals approve apr_1',
      'vscode-command "$CMD"',
    ]) {
      const result = command(set, line);
      assert.equal(result.decision, 'ask', line);
      assert.ok(governed(result), `${line}: asked by the governance table, not only for the expansion`);
    }
    for (const line of [
      'agent-policy approvals list',
      'agent-policy bypass list',
      'agent-policy bypass revoke bypass_0123456789',
      'agent-policy audit verify',
      'vscode-command workbench.action.files.save',
    ]) {
      assert.equal(command(set, line).decision, 'allow', line);
    }
  });
});
