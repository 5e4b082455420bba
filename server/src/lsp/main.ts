import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { isCaseInsensitive, nodeFileSystem } from '../node/fs-view';
import { readPolicySources } from '../node/policy-files';
import { loadShellParser } from '../node/shell-parser';
import { WorkspaceListing } from '../node/workspace-files';
import { startServer } from './server';

/** The language server process: wires the Node host (disk, shell parser) to the server over the connection the client chose. */
startServer(createConnection(ProposedFeatures.all), {
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
  // The bundle lives in server/out; the rule documentation ships beside it in docs/.
  rulesDoc: pathToFileURL(join(__dirname, '..', '..', 'docs', 'rules.md')).href,
});
