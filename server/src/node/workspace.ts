import { resolve } from 'node:path';
import { loadPolicySet, type PolicySet } from '#core';
import { isCaseInsensitive } from './fs-view';
import { readPolicySources } from './policy-files';
import { loadShellParser } from './shell-parser';

/** Loads the policy set of the repository at `root` (absolute or relative to the process). */
export async function loadWorkspacePolicy(root: string): Promise<PolicySet> {
  const absolute = resolve(root);
  const shell = await loadShellParser();
  return loadPolicySet(readPolicySources(absolute), { root: absolute.split('\\').join('/'), caseInsensitive: isCaseInsensitive(), shell });
}
