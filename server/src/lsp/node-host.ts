import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isCaseInsensitive, nodeFileSystem } from '#host/files/fs-view';
import { readPolicySources } from '#host/workspace/policy-files';
import { loadShellParser } from '#host/workspace/shell-parser';
import { WorkspaceListing } from './workspace-files';
import type { ServerHost } from './session';

/** The language server's host on Node: the disk, the shell parser, the workspace listing. */
export function nodeServerHost(rulesDoc?: string): ServerHost {
  return {
    loadShell: loadShellParser,
    caseInsensitive: isCaseInsensitive(),
    readPolicySources,
    readFile: (uri) => {
      try {
        return readFileSync(fileURLToPath(uri), 'utf8');
      } catch {
        return undefined;
      }
    },
    listing: (root) => new WorkspaceListing(root),
    fileSystem: nodeFileSystem,
    ...(rulesDoc ? { rulesDoc } : {}),
  };
}
