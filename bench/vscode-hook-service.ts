// A resident process answering the VS Code plugin hook the way the running extension does: the
// policy loaded once, each call decided and recorded by the shared enforcer (no person is asked:
// the bench's calls are allows and denials). Prints the service's info file, then serves until killed.
import { HOOK_ADAPTERS, readHookCall } from '#core/runtimes';
import { join } from 'node:path';
import { startApprovalService } from '#host/services/approval-service';
import { SERVICE_INFO_FILE } from '#protocol/approval-service';
import { Enforcer } from '#host/enforcer';
import { loadWorkspacePolicy, openStores } from '#host/workspace/workspace';

const root = process.argv[2] ?? '.';
void (async () => {
  const set = await loadWorkspacePolicy(root, 'enforcement');
  const enforcer = new Enforcer(set, openStores(set, root));
  await startApprovalService(enforcer.stores.stateDir, async (request) => {
    const call = readHookCall(HOOK_ADAPTERS.vscode, request.hook ?? {});
    const outcome = await enforcer.enforce({ actions: call.actions, actor: { runtime: 'vscode', tool: call.tool, ...call.caller }, problem: call.problem });
    return { decision: outcome.decision === 'allow' ? 'allow' : 'deny', reason: outcome.reason };
  });
  process.stdout.write(`${join(enforcer.stores.stateDir, SERVICE_INFO_FILE)}\n`);
})();
