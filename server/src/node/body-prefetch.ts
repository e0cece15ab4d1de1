/**
 * Builds function bodies on a worker thread ahead of the analysis (a BodySource,
 * see core/workspace.ts). While the main thread reads and indexes files, the worker
 * parses the bodies of the functions that take a lock themselves (the analysis
 * interprets every one of them); then, while the first analysis computes summaries,
 * those of the callers it learns it will interpret (a callee got a lock effect: the
 * callers come later in its callee-first order). The analysis runs synchronously: it
 * takes what has arrived with `receiveMessageOnPort` and builds the rest itself,
 * flagging them in shared memory so the worker skips them. Once the analysis has
 * every body it interprets (`done`), the worker is stopped, so its memory is gone
 * before the analysis reaches its peak.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'worker_threads';
import type { BodySource } from '../core/workspace';
import { decodeBody, type EncodedBody, type FunctionIR } from '../core/ir';
import { bodySource, type BuiltBody } from '../core/parse';
import { UNRANKED, type BodyMessage, type BodyReply, type BodyRequest, type BodyWorkerData } from './body-worker';

/** More bodies than any tree has functions that take locks themselves; later ones are not prefetched. */
const MAX_BODIES = 1 << 16;
const BATCH = 16;

/** How often `arrived` reads the worker's replies at most (a function that waits a little longer costs nothing). */
const ARRIVAL_POLL_MS = 0.2;

export class BodyPrefetch implements BodySource {
  private readonly ids = new WeakMap<FunctionIR, number>();
  /** Positions in the analysis's order of taking bodies (`order`), once it is known. */
  private readonly ranks = new WeakMap<FunctionIR, number>();
  private ordered = false;
  /** Bodies received, as the JSON text the worker sent (parsed when taken). */
  private readonly ready = new Map<number, { body: EncodedBody; hasError: boolean }>();
  private batch: BodyRequest[] = [];
  private next = 0;
  /** The files are indexed (`end`). */
  private ended = false;
  /** Nothing more will be wanted (`done`). */
  private finished = false;
  /** An analysis said `done` while files were still being indexed: stop once the indexing's requests are answered. */
  private doneEarly = false;
  private stopped = false;
  /** Bodies taken from the worker, and bodies built by the analysis because the worker had not got to them. */
  readonly stats = { requested: 0, taken: 0, builtHere: 0 };

  private constructor(private readonly worker: Worker, private readonly port: MessagePort, private readonly taken: Int32Array) {
    // replies also arrive while the main thread is idle (the worker's last one stops it)
    port.on('message', (m: BodyReply) => this.accept(m));
    port.unref();
    // a worker that dies answers nothing more: the analysis builds the rest itself
    worker.on('exit', () => { this.finished = true; this.stopped = true; this.answered(); });
  }

  /** Starts the worker; undefined where its script is missing (a build without it) or no thread can be started. */
  static start(script = path.join(__dirname, 'body-worker.js')): BodyPrefetch | undefined {
    if (!fs.existsSync(script)) return undefined;
    const { port1, port2 } = new MessageChannel();
    const taken = new Int32Array(new SharedArrayBuffer(MAX_BODIES * 4));
    const data: BodyWorkerData = { port: port2, taken };
    let worker: Worker;
    try {
      worker = new Worker(script, { workerData: data, transferList: [port2] });
    } catch {
      port1.close();
      return undefined; // (the analysis builds every body itself)
    }
    // A worker that fails costs only the prefetch: the analysis builds every body itself.
    worker.on('error', () => undefined);
    worker.unref();
    return new BodyPrefetch(worker, port1, taken);
  }

  want(ir: FunctionIR): void {
    if (this.finished || this.next >= MAX_BODIES || this.ids.has(ir)) return;
    const id = this.next++;
    this.ids.set(ir, id);
    this.stats.requested++;
    // (before the order is known, in the order asked: the indexing asks file by file)
    const rank = this.ranks.get(ir) ?? (this.ordered ? UNRANKED + id : id);
    this.batch.push({ id, rank, text: bodySource(ir), bodyAt: ir.bodyAt });
    if (this.batch.length >= BATCH) this.flush();
  }

  /**
   * The analysis will take bodies in this order: the worker builds the ones asked for
   * in it from now on, and later requests by their place in it. (Asked for file by
   * file while indexing, they came in an order unlike the callee-first one the
   * summaries take them in: the analysis built a third of them itself meanwhile,
   * while the worker later waited for requests.)
   */
  order(irs: FunctionIR[]): void {
    if (this.finished) return;
    this.flush();
    const pairs: number[] = [];
    for (let i = 0; i < irs.length; i++) {
      const ir = irs[i]!;
      this.ranks.set(ir, i);
      const id = this.ids.get(ir);
      if (id !== undefined) pairs.push(id, i);
    }
    this.ordered = true;
    this.post({ rerank: pairs });
  }

  private post(m: BodyMessage): void {
    if (!this.stopped) this.port.postMessage(m);
  }

  private flush(): void {
    if (!this.batch.length) return;
    this.post(this.batch);
    this.batch = [];
  }

  /** The files are indexed: the worker says when it has answered the requests made so far (`whenAnswered`). */
  end(): void {
    if (this.ended || this.finished) return;
    this.ended = true;
    this.flush();
    this.post(null);
  }

  /**
   * The analysis wants no more bodies (its first build has built or taken all it
   * interprets): the worker stops, its memory with it. (Said by an analysis of some of
   * the files, while the rest are still indexed: once the indexing's requests are answered.)
   */
  done(): void {
    if (this.finished) return;
    if (!this.ended) { this.doneEarly = true; return; }
    this.finished = true;
    void this.close();
  }

  arrived(ir: FunctionIR): boolean {
    const id = this.ids.get(ir);
    if (id === undefined) return false;
    if (this.ready.has(id)) return true;
    // (asked thousands of times while functions wait: the port is read at most every ARRIVAL_POLL_MS)
    const now = performance.now();
    if (now - this.lastPoll >= ARRIVAL_POLL_MS) { this.lastPoll = now; this.receive(); }
    return this.ready.has(id);
  }

  private lastPoll = -Infinity;

  private receive(): void {
    // (what the analysis wants next goes out now: it is about to be busy)
    this.flush();
    if (!this.stopped) for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.accept(m.message as BodyReply);
  }

  take(ir: FunctionIR): BuiltBody | undefined {
    const id = this.ids.get(ir);
    if (id === undefined) return undefined;
    this.ids.delete(ir);
    this.receive();
    const r = this.ready.get(id);
    if (r) { this.ready.delete(id); this.stats.taken++; return { body: decodeBody(r.body), hasError: r.hasError }; }
    Atomics.store(this.taken, id, 1);
    this.stats.builtHere++;
    return undefined;
  }

  private accept(m: BodyReply): void {
    if ('done' in m) { if (this.doneEarly) void this.close(); this.answered(); }
    else this.ready.set(m.id, { body: { ints: m.ints, strs: m.strs }, hasError: m.hasError });
  }

  private answered: () => void = () => undefined;
  private readonly answeredP = new Promise<void>((resolve) => { this.answered = resolve; });

  /** Resolves once the worker has answered every request made before `end()` (keeps the process alive meanwhile; tests wait for it). */
  whenAnswered(): Promise<void> {
    if (!this.stopped) {
      this.port.ref();
      this.worker.ref();
      // (then, waiting for `done`, it keeps no process alive)
      void this.answeredP.then(() => { this.port.unref(); this.worker.unref(); });
    }
    return this.answeredP;
  }

  /** The worker has not been stopped (nor died). */
  get running(): boolean {
    return !this.stopped;
  }

  /** Stops the worker (its memory goes with it); bodies received and not yet taken stay available. */
  async close(): Promise<void> {
    this.finished = true;
    if (this.stopped) return;
    this.stopped = true;
    this.port.close();
    await this.worker.terminate();
  }
}
