import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { nodeServerHost } from './node-host';
import { startServer } from './server';

/** The language server process: wires the Node host (disk, shell parser) to the server over the connection the client chose. */
// The bundle lives in server/out; the rule documentation ships beside it in docs/.
startServer(createConnection(ProposedFeatures.all), nodeServerHost(pathToFileURL(join(__dirname, '..', '..', 'docs', 'rules.md')).href));
