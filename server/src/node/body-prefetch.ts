/**
 * Builds function bodies on a worker thread ahead of the analysis (a BodySource,
 * see core/workspace.ts). While the main thread reads and indexes files, the worker
 * parses the bodies of the functions that take a lock themselves (the analysis
 * interprets every one of them). The analysis runs synchronously: it takes what has
 * arrived with `receiveMessageOnPort` and builds the rest itself, flagging them in
 * shared memory so the worker skips them. Once the worker has answered every request
 * made before `end()`, it is stopped, so its memory is gone before the analysis
 * reaches its peak.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'worker_threads';
import type { BodySource } from '../core/workspace';
import type { FunctionIR } from '../core/ir';
import { bodySource, type BuiltBody } from '../core/parse';
import type { BodyReply, BodyRequest, BodyWorkerData } from './body-worker';

/** More bodies than any tree has functions that take locks themselves; later ones are not prefetched. */
const MAX_BODIES = 1 << 16;
const BATCH = 16;

export class BodyPrefetch implements BodySource {
  private readonly ids = new WeakMap<FunctionIR, number>();
  private readonly ready = new Map<number, BuiltBody>();
  private batch: BodyRequest[] = [];
  private next = 0;
  private ended = false;
  private stopped = false;
  /** Bodies taken from the worker, and bodies built by the analysis because the worker had not got to them. */
  readonly stats = { requested: 0, taken: 0, builtHere: 0 };

  private constructor(private readonly worker: Worker, private readonly port: MessagePort, private readonly taken: Int32Array) {
    // replies also arrive while the main thread is idle (the worker's last one stops it)
    port.on('message', (m: BodyReply) => this.accept(m));
    port.unref();
    // a worker that dies answers nothing more: the analysis builds the rest itself
    worker.on('exit', () => { this.ended = true; this.stopped = true; this.answered(); });
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
    if (this.ended || this.next >= MAX_BODIES || this.ids.has(ir)) return;
    const id = this.next++;
    this.ids.set(ir, id);
    this.stats.requested++;
    this.batch.push({ id, text: bodySource(ir), bodyAt: ir.bodyAt });
    if (this.batch.length >= BATCH) this.flush();
  }

  private flush(): void {
    if (!this.batch.length) return;
    this.port.postMessage(this.batch);
    this.batch = [];
  }

  /** No more requests (the files are indexed): the worker stops once it has answered those made. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.flush();
    this.port.postMessage(null);
  }

  take(ir: FunctionIR): BuiltBody | undefined {
    const id = this.ids.get(ir);
    if (id === undefined) return undefined;
    this.ids.delete(ir);
    if (!this.stopped) for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.accept(m.message as BodyReply);
    const r = this.ready.get(id);
    if (r) { this.ready.delete(id); this.stats.taken++; return r; }
    Atomics.store(this.taken, id, 1);
    this.stats.builtHere++;
    return undefined;
  }

  private accept(m: BodyReply): void {
    if ('done' in m) { void this.close(); this.answered(); }
    else this.ready.set(m.id, { body: m.body, hasError: m.hasError });
  }

  private answered: () => void = () => undefined;
  private readonly answeredP = new Promise<void>((resolve) => { this.answered = resolve; });

  /** Resolves once the worker has answered every request made before `end()` (keeps the process alive meanwhile; tests wait for it). */
  whenAnswered(): Promise<void> {
    if (!this.stopped) { this.port.ref(); this.worker.ref(); }
    return this.answeredP;
  }

  /** Stops the worker (its memory goes with it); bodies received and not yet taken stay available. */
  async close(): Promise<void> {
    this.ended = true;
    if (this.stopped) return;
    this.stopped = true;
    this.port.close();
    await this.worker.terminate();
  }
}
