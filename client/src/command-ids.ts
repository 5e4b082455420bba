// No imports: the ids load without the editor, so a plain unit test holds them against package.json
// (test/unit/client-manifest.test.ts).

/**
 * Every command the extension registers, by id: each is contributed in package.json (all under the
 * "Agent Policy" category), and commands.ts gives each its handler (`Record<CommandId, Handler>`: the
 * compiler rejects an id without a handler and a handler without an id).
 */
export const COMMAND_IDS = [
  'agentPolicy.explain',
  'agentPolicy.openAuditLog',
  'agentPolicy.openAuditFile',
  'agentPolicy.approve',
  'agentPolicy.deny',
  'agentPolicy.showApproval',
  'agentPolicy.grantBypass',
  'agentPolicy.revokeBypass',
  'agentPolicy.restartServer',
  'agentPolicy.writeAgentSettings',
  'agentPolicy.filterAudit',
  'agentPolicy.clearAuditFilter',
  'agentPolicy.loadMoreAudit',
  'agentPolicy.refreshAudit',
  'agentPolicy.showAuditEntry',
  'agentPolicy.revealAuditEntry',
  'agentPolicy.createPolicy',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
