/**
 * Entry of the language server (bundled to dist/server.js): LSP over stdio.
 * The client starts it with Node; tests spawn it the same way.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createAnalysisHost } from '../core/index';
import { BodyPrefetch } from '../node/body-prefetch';
import { loadCLanguage } from '../node/tree-sitter';
import { tuneV8 } from '../node/v8-tuning';
import { startServer } from './server';

tuneV8();

const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);

// The server never dies on bad input: whatever escapes a handler is logged.
process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));

// The first indexing builds the bodies of lock-taking functions on a worker thread
// while it reads the files (see node/body-prefetch.ts); later edits build their own.
let prefetch: BodyPrefetch | undefined;
startServer(connection, async () => {
  prefetch = BodyPrefetch.start();
  return createAnalysisHost(await loadCLanguage(), { bodies: prefetch });
}, () => prefetch?.end());
