/**
 * The panel's simulation worker: runs the simulator core (the same engine as
 * the CLI) off the UI thread. It steps each variant in chunks of a few
 * milliseconds, alternating between them so both sides stream in together,
 * posts partial results at the requested rate, and yields to its message
 * queue between chunks so a cancel or a new run is seen within one chunk.
 */
import { createSimulation, listScenarios, validateConfig } from '../../server/src/simulator/index';
import type { Simulation } from '../../server/src/simulator/api';
import { checkPageToWorker, PageToWorker, Series, Side, Snapshot, WorkerToPage } from './messages';
import { parse } from './schema';

declare const self: {
  postMessage(message: WorkerToPage): void;
  onmessage: ((ev: MessageEvent) => void) | null;
};

/** Wall time of one `step()` call the chunk size is tuned towards. */
const CHUNK_MS = 4;
/** Keep the throughput series short enough to post often. */
const MAX_SERIES = 600;

interface Job {
  side: Side;
  sim: Simulation;
  chunk: number;
  done: boolean;
  series: Series;
  last: { t: number; faults: number; writers: number };
}

let current: { runId: number; canceled: boolean } | null = null;

function post(message: WorkerToPage): void {
  self.postMessage(message);
}

/** Yields to the worker's event loop (message handlers run) without the
 * 4 ms clamping of nested timers. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

function sample(job: Job): void {
  const r = job.sim.result();
  const t = r.simulated_s;
  const dt = t - job.last.t;
  if (dt <= 0) return;
  job.series.t_s.push((t + job.last.t) / 2);
  job.series.faults_per_s.push((r.faults.count - job.last.faults) / dt);
  job.series.writers_per_s.push((r.writers.count - job.last.writers) / dt);
  job.last = { t, faults: r.faults.count, writers: r.writers.count };
  if (job.series.t_s.length > MAX_SERIES) {
    // Halve the resolution: average neighbouring windows.
    const halve = (a: number[]) => a.reduce<number[]>((out, x, i) => (i % 2 ? (out[out.length - 1] = (out[out.length - 1] + x) / 2, out) : (out.push(x), out)), []);
    job.series = { t_s: halve(job.series.t_s), faults_per_s: halve(job.series.faults_per_s), writers_per_s: halve(job.series.writers_per_s) };
  }
}

function snapshots(jobs: Job[], canceled = false): Partial<Record<Side, Snapshot>> {
  const out: Partial<Record<Side, Snapshot>> = {};
  for (const job of jobs) {
    sample(job);
    const result = job.sim.result();
    if (canceled && !job.done) result.canceled = true;
    out[job.side] = {
      result,
      progress: job.sim.progress(),
      series: { t_s: [...job.series.t_s], faults_per_s: [...job.series.faults_per_s], writers_per_s: [...job.series.writers_per_s] },
      done: job.done,
    };
  }
  return out;
}

function fractionOf(jobs: Job[]): number {
  const f = jobs.reduce((s, j) => s + (j.done ? 1 : Math.max(0, Math.min(1, j.sim.progress().fraction))), 0) / jobs.length;
  return Number.isFinite(f) ? f : 0;
}

async function run(msg: Extract<PageToWorker, { type: 'run' }>): Promise<void> {
  const token = { runId: msg.runId, canceled: false };
  current = token;
  const started = performance.now();
  const jobs: Job[] = [];
  for (const j of msg.jobs) {
    const v = validateConfig(j.config);
    if (!v.ok) {
      post({ type: 'invalid', runId: msg.runId, side: j.side, errors: v.errors });
      return;
    }
    jobs.push({ side: j.side, sim: createSimulation(v.config), chunk: 2000, done: false, series: { t_s: [], faults_per_s: [], writers_per_s: [] }, last: { t: 0, faults: 0, writers: 0 } });
  }
  // Post the first partial results as soon as both variants have run one chunk.
  let nextPost = performance.now();
  while (jobs.some((j) => !j.done)) {
    for (const job of jobs) {
      if (job.done) continue;
      const t0 = performance.now();
      job.done = job.sim.step(job.chunk);
      const took = performance.now() - t0;
      // Tune the chunk towards CHUNK_MS of work (bounded growth either way).
      const scale = took > 0.05 ? Math.min(2, Math.max(0.25, CHUNK_MS / took)) : 2;
      job.chunk = Math.max(100, Math.min(5_000_000, Math.round(job.chunk * scale)));
    }
    await yieldToMessages();
    if (token.canceled || current !== token) {
      post({ type: 'done', runId: msg.runId, canceled: true, wallMs: performance.now() - started, snapshots: snapshots(jobs, true) });
      return;
    }
    if (performance.now() >= nextPost && jobs.some((j) => !j.done)) {
      post({ type: 'progress', runId: msg.runId, fraction: fractionOf(jobs), snapshots: snapshots(jobs) });
      nextPost = performance.now() + msg.progressEveryMs;
    }
  }
  post({ type: 'done', runId: msg.runId, canceled: false, wallMs: performance.now() - started, snapshots: snapshots(jobs) });
  if (current === token) current = null;
}

self.onmessage = (ev: MessageEvent) => {
  const parsed = parse(checkPageToWorker, ev.data);
  if (!parsed.ok) {
    post({ type: 'error', runId: 0, message: `worker dropped a malformed message: ${parsed.error}` });
    return;
  }
  const msg = parsed.value;
  if (msg.type === 'cancel') {
    if (current && current.runId === msg.runId) current.canceled = true;
    return;
  }
  if (current) current.canceled = true;
  run(msg).catch((e: unknown) => {
    post({ type: 'error', runId: msg.runId, message: e instanceof Error ? e.message : String(e) });
  });
};

post({ type: 'scenarios', scenarios: listScenarios() });
