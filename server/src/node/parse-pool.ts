/**
 * Parses many files on worker threads (tree-sitter parsing dominates a cold run;
 * the core stays single-threaded and pure). Falls back to the calling thread when
 * workers are unavailable.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { ParsedFile } from '../core/parse';

export interface Job { id: number; text: string }

function workerScript(): string | undefined {
  const p = path.join(__dirname, 'parse-worker.js');
  return fs.existsSync(p) ? p : undefined;
}

/** Parses the jobs on `n` workers; calls `done` per file as results arrive. */
export async function parseInWorkers(jobs: Job[], n: number, done: (id: number, parsed: ParsedFile | null, error?: string) => void): Promise<boolean> {
  const script = workerScript();
  if (!script || n < 1 || !jobs.length) return false;
  const workers: Worker[] = [];
  let next = 0;
  let pending = jobs.length;
  try {
    await new Promise<void>((resolve, reject) => {
      const busy = new Set<Worker>();
      const feed = (w: Worker) => {
        if (next < jobs.length) { const j = jobs[next++]!; busy.add(w); w.postMessage(j); }
        else { busy.delete(w); w.postMessage(null); }
      };
      // largest first, so the tail is short
      jobs.sort((a, b) => b.text.length - a.text.length);
      for (let i = 0; i < n; i++) {
        const w = new Worker(script);
        workers.push(w);
        w.on('message', (m: { ready?: boolean; id?: number; parsed?: ParsedFile; error?: string }) => {
          if (m.ready) { feed(w); return; }
          done(m.id!, m.parsed ?? null, m.error);
          pending--;
          if (pending === 0) resolve();
          else feed(w);
        });
        w.on('error', reject);
        // A worker that dies without an error event (e.g. the wasm runtime aborted) must not leave us waiting for ever.
        w.on('exit', (code) => { if (busy.has(w)) reject(new Error(`parse worker exited (code ${code}) with ${pending} file(s) left`)); });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return true;
}
