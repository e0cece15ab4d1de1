/**
 * Worker thread of BodyPrefetch (body-prefetch.ts): builds the IR bodies the main
 * thread asks for, the one it will take soonest first (each request has a rank: the
 * order of asking while files are indexed, then the analysis's order of taking them,
 * `rerank`), and posts each back as soon as it is built. A body the main thread has
 * meanwhile built itself (its flag in `taken` is set) is skipped. Between two bodies
 * the worker reads its messages, so a request that is needed sooner goes first.
 */
import { setPriority } from 'os';
import { workerData, type MessagePort } from 'worker_threads';
import { Parser } from 'web-tree-sitter';
import { parseAlone, type BuiltBody } from '../core/parse';
import { encodeBody } from '../core/ir';
import { EventHeap } from '../simulator/heap';
import { loadCLanguage } from './tree-sitter';

export interface BodyRequest { id: number; rank: number; text: string; bodyAt: number }
/**
 * To the worker: requests; new ranks for requests made earlier (`rerank`: id, rank, id,
 * rank, ...; a request it does not name goes after every named one); `null`: the files
 * are indexed (answered with `done` once every request made before it is answered).
 */
export type BodyMessage = BodyRequest[] | { rerank: number[] } | null;
/**
 * A body built, or (after the `null` request) the last reply. The body travels encoded
 * (`encodeBody` in core/ir.ts: its integers in a transferred buffer, its strings once
 * each), and the main thread decodes it with the IR builder's literals (`decodeBody`).
 */
export type BodyReply = { id: number; ints: Int32Array; strs: string[]; hasError: boolean } | { done: true };
export interface BodyWorkerData { port: MessagePort; taken: Int32Array }

/** Ranks of requests a rerank does not name: after all it names, in the order asked. */
export const UNRANKED = 1 << 24;

interface Queued extends BodyRequest { beforeEnd: boolean }

/**
 * The requests waiting, lowest rank first, equal ranks in the order pushed: the
 * simulator's event heap, a request's rank as its time and its slot here as its payload.
 */
export class RequestQueue {
  private heap = new EventHeap();
  private readonly slots: (Queued | undefined)[] = [];
  private readonly free: number[] = [];

  get size(): number { return this.heap.size; }

  push(r: Queued): void {
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = r;
    this.heap.push(r.rank, slot);
  }

  pop(): Queued | undefined {
    if (!this.heap.size) return undefined;
    const slot = this.heap.pop();
    const r = this.slots[slot];
    this.slots[slot] = undefined;
    this.free.push(slot);
    return r;
  }

  /** New ranks (`pairs`: id, rank, ...); a request not named goes after every named one. */
  rerank(pairs: number[]): void {
    const rank = new Map<number, number>();
    for (let i = 0; i + 1 < pairs.length; i += 2) rank.set(pairs[i]!, pairs[i + 1]!);
    const waiting: Queued[] = [];
    for (let r = this.pop(); r; r = this.pop()) waiting.push(r);
    // (pushed again in the order asked: equal ranks keep it)
    for (const r of waiting.sort((a, b) => a.id - b.id)) { r.rank = rank.get(r.id) ?? UNRANKED + r.id; this.push(r); }
  }
}

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
  const queue = new RequestQueue();
  let ended = false, beforeEnd = 0, doneSent = false, scheduled = false;
  const answered = (): void => {
    if (ended && beforeEnd === 0 && !doneSent) { doneSent = true; port.postMessage({ done: true } satisfies BodyReply); }
  };
  // one body per turn of the event loop: messages that arrived meanwhile are read before the next
  const pump = (): void => {
    scheduled = false;
    for (let r = queue.pop(); r; r = queue.pop()) {
      const skip = Atomics.load(taken, r.id) !== 0;
      if (!skip) {
        let built: BuiltBody | undefined;
        // (a body that cannot be built here is built, and its failure reported, by the analysis)
        try { built = parseAlone(parser, r.text, r.bodyAt); } catch { built = undefined; }
        if (built) {
          const { ints, strs } = encodeBody(built.body);
          port.postMessage({ id: r.id, ints, strs, hasError: built.hasError } satisfies BodyReply, [ints.buffer as ArrayBuffer]);
        }
      }
      if (r.beforeEnd) { beforeEnd--; answered(); }
      if (!skip) break;
    }
    if (queue.size) schedule();
  };
  const schedule = (): void => {
    if (!scheduled) { scheduled = true; setImmediate(pump); }
  };
  port.on('message', (m: BodyMessage) => {
    if (m === null) { ended = true; answered(); return; }
    if (Array.isArray(m)) {
      for (const r of m) { queue.push({ ...r, beforeEnd: !ended }); if (!ended) beforeEnd++; }
    } else queue.rerank(m.rerank);
    schedule();
  });
}

// (not when imported for its types and queue: only as the worker's script)
if (workerData && (workerData as Partial<BodyWorkerData>).port) void start();
