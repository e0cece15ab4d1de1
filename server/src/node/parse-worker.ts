/**
 * Worker thread: reads files into the analysis' plain data (see parse-pool.ts):
 * light extraction of every function, and the IR bodies of the functions the
 * analysis will surely interpret (the rest are built on demand by the host).
 */
import { parentPort } from 'worker_threads';
import { Parser } from 'web-tree-sitter';
import { allPrimitiveNames } from '../catalogue';
import { hasOwnLockEffect, materializeBody, parseLight } from '../core/parse';
import { loadCLanguage } from './tree-sitter';

export interface ParseRequest { id: number; text: string }

async function start(): Promise<void> {
  const language = await loadCLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  const primitives = new Set(allPrimitiveNames());
  const isPrimitive = (name: string) => primitives.has(name);
  parentPort!.on('message', (msg: ParseRequest | null) => {
    if (msg === null) { process.exit(0); }
    try {
      const out = parseLight(msg.text);
      let hasErrors = false;
      for (const fn of out.fns) {
        if (!hasOwnLockEffect(fn, isPrimitive)) continue;
        materializeBody(parser, fn.ir);
        hasErrors ||= fn.ir.hasError;
      }
      parentPort!.postMessage({ id: msg.id, parsed: { fns: out.fns, ops: out.ops, guardClasses: out.guardClasses, hasErrors } });
    } catch (e) {
      parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  parentPort!.postMessage({ ready: true });
}

void start();
