// One of the concurrent writers of bench/audit-lint.bench.ts: appends `count` decisions (allows and
// denials alternating) to the audit log in `stateDir`, then exits. Run by the bench, not by hand.
import { AuditLog } from '#host/audit/audit-log';

const [stateDir, countText, name] = process.argv.slice(2);
const log = new AuditLog(stateDir as string, { foldWindowMs: 0 });
// Started together: the bench writes "go" on stdin once every writer is up.
process.stdin.once('data', () => {
  for (let i = 0; i < Number(countText); i++) {
    const deny = i % 2 === 1;
    log.append({
      kind: 'decision',
      action: 'filesystem.write',
      path: `src/${name}-${i}.ts`,
      decision: deny ? 'deny' : 'allow',
      allowed: !deny,
      reason: 'bench',
    });
  }
  process.exit(0);
});
process.stdout.write('ready\n');
