/**
 * Worker thread of BodyPrefetch (body-prefetch.ts): builds the IR bodies the main
 * thread asks for, in the order asked, and posts each back as soon as it is built.
 * A body the main thread has meanwhile built itself (its flag in `taken` is set)
 * is skipped.
 */
import { setPriority } from 'os';
import { workerData, type MessagePort } from 'worker_threads';
import { Parser } from 'web-tree-sitter';
import { parseAlone, type BuiltBody } from '../core/parse';
import { loadCLanguage } from './tree-sitter';

export interface BodyRequest { id: number; text: string; bodyAt: number }
/**
 * A body built, or (after the `null` request) the last reply. The body travels as JSON
 * text: the main thread takes about 1000 bodies over mm/ in 50 ms instead of the 64 ms a
 * structured clone took to deserialise (the IR is plain data; the analysis never tells
 * an `undefined`-valued field from an absent one: dumps of 6.1 and 6.12 are identical).
 */
export type BodyReply = { id: number; json: string; hasError: boolean } | { done: true };
export interface BodyWorkerData { port: MessagePort; taken: Int32Array }

/**
 * The analysis on the main thread is the critical path, and on a 2-core machine this
 * thread, V8's compiler and the collector share the other core: this one gives way
 * (over 6.12 mm/ a check was 0-50 ms sooner in interleaved series, near their noise; the
 * main thread waited less for a core). On Linux a thread's nice value is its own;
 * elsewhere it would be the whole process's, so it is left alone there.
 */
const WORKER_NICE = 19;

async function start(): Promise<void> {
  if (process.platform === 'linux') try { setPriority(0, WORKER_NICE); } catch { /* (not allowed: no matter) */ }
  const { port, taken } = workerData as BodyWorkerData;
  const language = await loadCLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  port.on('message', (batch: BodyRequest[] | null) => {
    // null: no more requests; say so once all before it are answered
    if (batch === null) { port.postMessage({ done: true } satisfies BodyReply); return; }
    for (const r of batch) {
      if (Atomics.load(taken, r.id)) continue;
      let built: BuiltBody;
      // (a body that cannot be built here is built, and its failure reported, by the analysis)
      try { built = parseAlone(parser, r.text, r.bodyAt); } catch { continue; }
      port.postMessage({ id: r.id, json: JSON.stringify(built.body), hasError: built.hasError } satisfies BodyReply);
    }
  });
}

void start();
