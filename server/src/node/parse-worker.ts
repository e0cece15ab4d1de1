/** Worker thread: parses files into the analysis' plain data (see parse-pool.ts). */
import { parentPort } from 'worker_threads';
import { Parser } from 'web-tree-sitter';
import { parseText } from '../core/parse';
import { loadCLanguage } from './tree-sitter';

export interface ParseRequest { id: number; text: string }

async function start(): Promise<void> {
  const language = await loadCLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  parentPort!.on('message', (msg: ParseRequest | null) => {
    if (msg === null) { process.exit(0); }
    try {
      const out = parseText(parser, msg.text);
      out.tree?.delete();
      parentPort!.postMessage({ id: msg.id, parsed: { fns: out.fns, ops: out.ops, guardClasses: out.guardClasses, hasErrors: out.hasErrors } });
    } catch (e) {
      parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  parentPort!.postMessage({ ready: true });
}

void start();
