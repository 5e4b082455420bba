// A fresh copy of the bundled example workspace for one run (the suite edits it).
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './harness/code-server.mjs';

export function exampleCopy(prefix = 'agent-policy-e2e-') {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const workspace = join(base, 'workspace');
  cpSync(join(repoRoot, 'examples', 'workspace'), workspace, { recursive: true });
  return { base, workspace };
}
