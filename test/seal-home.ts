import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Audit seals (kept outside the workspace, under the user's state folder) go to a folder of this
// test run, never the developer's ~/.local/state; processes the tests start inherit it.
process.env.AGENT_POLICY_SEAL_HOME ??= mkdtempSync(join(tmpdir(), 'agent-policy-seals-'));
