/**
 * The simulator core's contract with its adapters (CLI `simulate`, the
 * webview's Web Worker, the tests). Pure TypeScript: no DOM, no Node.
 *
 * `server/src/simulator/index.ts` exports:
 *   listScenarios(): ScenarioInfo[]
 *   validateConfig(input: unknown): { ok: true; config: SimConfig } | { ok: false; errors: ConfigError[] }
 *   createSimulation(config: SimConfig): Simulation      // stepwise, for workers
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
  /** Optional detail for charts: histogram buckets, throughput over time, timelines. */
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
