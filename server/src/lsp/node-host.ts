import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isCaseInsensitive, nodeFileSystem } from '#host/files/fs-view';
import { readPolicySources } from '#host/workspace/policy-files';
import { codeDocUrl } from '#core';
import { loadShellParser } from '#host/workspace/shell-parser';
import { WorkspaceListing } from './workspace-files';
import type { ServerHost } from './session';

/** The language server's host on Node: the disk, the shell parser, the workspace listing. */
export function nodeServerHost(rulesDoc?: string): ServerHost {
  const ruleDocUrl = rulesDoc ? ruleSections(rulesDoc) : undefined;
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
    ...(ruleDocUrl ? { ruleDocUrl } : {}),
  };
}

/**
 * Links into the bundled docs/rules.md at each code's own section (`#L<line>`, which the editor
 * opens at that line; a heading anchor in a local file would open at line 1).
 */
function ruleSections(rulesDocUrl: string): (code: string) => string {
  const lines = new Map<string, number>();
  try {
    readFileSync(fileURLToPath(rulesDocUrl), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const heading = /^## (AP\d{4})\b/.exec(line);
        if (heading?.[1]) lines.set(heading[1], i + 1);
      });
  } catch {
    // Not shipped beside the server: the link opens the document at its start.
  }
  return (code) => {
    const line = lines.get(code);
    return line === undefined ? codeDocUrl(code, rulesDocUrl) : `${rulesDocUrl}#L${line}`;
  };
}
