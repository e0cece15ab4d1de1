/**
 * Entry of the language server (bundled to dist/server.js): LSP over stdio.
 * The client starts it with Node; tests spawn it the same way.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createAnalysisHost } from '../core/index';
import { loadCLanguage } from '../node/tree-sitter';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);

// The server never dies on bad input: whatever escapes a handler is logged.
process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));

startServer(connection, async () => createAnalysisHost(await loadCLanguage()));
