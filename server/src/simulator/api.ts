/**
 * The simulator core's contract with its adapters (CLI `simulate`, the
 * webview's Web Worker, the tests). Pure TypeScript: no DOM, no Node.
 *
 * `server/src/simulator/index.ts` exports:
 *   listScenarios(): ScenarioInfo[]
 *   validateConfig(input: unknown): { ok: true; config: SimConfig } | { ok: false; errors: ConfigError[] }
 *   createSimulation(config: SimConfig, now?: () => number): Simulation & { cancel(): void }  // stepwise, for workers
 *   runSimulation(config: SimConfig, opts?: RunOptions): SimResult  // to completion, for the CLI
 */

export type KeyType = 'int' | 'number' | 'bool' | 'enum' | 'string';

export interface KeySpec {
  key: string;
  type: KeyType;
  default: number | boolean | string;
  unit?: string;
  min?: number;
  max?: number;
  values?: string[];
  description: string;
}

export interface ScenarioInfo {
  name: string;
  description: string;
  keys: KeySpec[];
}

/** `--config FILE.json` holds exactly this (set values are validated against the scenario's keys). */
export interface SimConfigInput {
  scenario: string;
  seed?: number;
  set?: Record<string, number | boolean | string>;
}

export interface SimConfig {
  scenario: string;
  seed: number;
  /** Every key of the scenario, defaults filled in. */
  params: Record<string, number | boolean | string>;
}

export interface ConfigError {
  key: string;
  message: string;
}

export interface LatencySummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface WaitSummary {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** JSON output of `simulate` (snake_case keys, `_us` in microseconds). */
export interface SimResult {
  scenario: string;
  seed: number;
  params: Record<string, number | boolean | string>;
  simulated_s: number;
  events: number;
  wall_ms: number;
  canceled: boolean;
  faults: { count: number; per_s: number; latency_us: LatencySummary };
  writers: { count: number; per_s: number; latency_us: LatencySummary; wait_us: WaitSummary };
  mmap_lock: {
    read_acquisitions: number;
    write_acquisitions: number;
    read_wait_us: { mean: number; p99: number };
    write_wait_us: { mean: number; p99: number };
  };
  vma_lock: { success: number; retry: number; abort: number; miss: number };
  /**
   * Extra keys, all bounded in size, for the panel's charts (docs/simulator.md, "Results"):
   *  - `truncated: boolean`: the event budget (`max_events`) stopped the run.
   *  - `notes: string[]`: how parameters were read (e.g. a kernel newer than the model knows,
   *    per_vma_locks ignored before 6.4); the CLI prints them on stderr.
   *  - `fallbacks: Record<cause, number>`: why faults left the VMA lock or retried, by cause:
   *    write_locked, file_vma, uffd, anon_vma_early, anon_vma, swap, hugetlb, file_fault_6_6,
   *    no_map_pages, io.
   *  - `wait_breakdown_us: Record<part, number>`: total fault time by part (lookup, line,
   *    service, mmap_read_wait (including the wake-up and the wait for a CPU), vma_write_drain
   *    (writers waiting in vma_start_write), io_wait, anon_vma_prepare).
   *  - `groups: Array<{name, ops, completed, latency_us: LatencySummary}>`: per thread group
   *    (e.g. `path`, `background`, `writers`; `faults` aggregates every non-writer group).
   *  - `latency_histogram: {faults, writers}`: each an array of `[upper_bound_us, count]`,
   *    4 log buckets per power of two over the occupied range (at most ~200 rows).
   *  - `throughput: {bucket_us, faults_per_s: number[], writers_per_s: number[]}`: at most
   *    100 time buckets of `bucket_us` from time 0.
   *  - `timeline: {states: string[], threads: Array<{thread, group, segments: Array<[t_us, state]>}>}`:
   *    state changes of up to 8 threads of the first group and 2 writer slots (each serving
   *    successive writer arrivals), at most 300 each; `state` indexes
   *    `states` (user, cpu_wait, vma_read, mmap_read_wait, mmap_read, mmap_write_wait,
   *    mmap_write, io_wait, spin, idle, nolock); a state lasts until the next segment.
   */
  [extra: string]: unknown;
}

export interface Progress {
  /** 0..1 of simulated time or of the arrival count, whichever bounds the run. */
  fraction: number;
  events: number;
  simulated_s: number;
}

export interface Simulation {
  /** Runs at most `maxEvents` events; returns true when the run is complete. */
  step(maxEvents: number): boolean;
  progress(): Progress;
  /** Results so far (partial while running, final when done). */
  result(): SimResult;
}

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  /** Polled between steps; true stops the run and returns partial results with canceled=true. */
  shouldCancel?: () => boolean;
  /** Wall clock for wall_ms, injected so the core needs no timer API. */
  now?: () => number;
}
