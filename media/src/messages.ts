/**
 * The messages between the extension host (client/src/simulate-panel.ts),
 * the webview page (panel.ts) and its worker (sim-worker.ts), with the
 * schemas that check them on arrival. Pure: no DOM, no Node, no vscode.
 */
import type { FunctionProfile } from '../../server/src/core/types';
import type { ConfigError, Progress, ScenarioInfo, SimConfigInput, SimResult } from '../../server/src/simulator/api';
import { SchemaError, arr, bool, Check, int, json, num, obj, oneOf, opt, record, scalar, str, tagged, literal } from './schema';

/** The profile as the language server answers `mmLockLens/functionProfile`. */
export type PanelProfile = FunctionProfile & { uri: string };

const lockName = oneOf(
  'mmap_read', 'mmap_write', 'vma_read', 'vma_write', 'rcu', 'ptl',
  'anon_vma_read', 'anon_vma_write', 'i_mmap_read', 'i_mmap_write', 'hugetlb_vma_read', 'hugetlb_vma_write',
);
const fallbackKind = oneOf('anon_vma', 'no_map_pages', 'uffd', 'swap', 'folio_locked', 'io', 'hugetlb', 'vma_lock_failed', 'other');
const line = int(1, 10_000_000);
const lockEvent = obj({ lock: lockName, line, call: str(200) });

export const checkProfile: Check<PanelProfile> = obj({
  function: str(200),
  file: str(4096),
  line,
  kernelVersion: str(20),
  entry: arr(obj({ locks: arr(lockName, 20), via: arr(obj({ function: str(200), file: str(4096), line }), 100) }), 200),
  acquires: arr(lockEvent, 1000),
  releases: arr(lockEvent, 1000),
  fallbacks: arr(obj({ line, kind: fallbackKind, condition: str(500) }), 1000),
  needsAnonVma: bool,
  writesVma: bool,
  uri: str(8192),
});

export type ParamSet = Record<string, number | boolean | string>;

/** What the page keeps with getState/setState (and the serializer hands back). */
export interface PanelState {
  version: 1;
  profile: PanelProfile;
  params: ParamSet;
  seed: number;
  comparison: string;
}

export const checkPanelState: Check<PanelState> = (v, p) => {
  const at = p || 'state';
  if (typeof v !== 'object' || v === null || (v as { version?: unknown }).version !== 1) throw new SchemaError(`${at}: not a version 1 panel state`);
  const s = obj({ profile: checkProfile, params: record(scalar, 100), seed: int(0, 2 ** 32 - 1), comparison: str(100) })(v, at);
  return { version: 1, ...s };
};

// ---- extension host -> page
export type HostToPage =
  | { type: 'init'; profile: PanelProfile }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

export const checkHostToPage: Check<HostToPage> = tagged({
  init: obj({ type: literal('init'), profile: checkProfile }),
  notice: obj({ type: literal('notice'), level: oneOf('info', 'error'), text: str(2000) }),
}) as Check<HostToPage>;

// ---- page -> extension host
export type PageToHost =
  | { type: 'ready' }
  | { type: 'reveal'; line: number }
  | { type: 'export'; format: 'json' | 'csv' | 'png'; name: string; data: string }
  | { type: 'copy'; text: string }
  | { type: 'status'; state: 'running' | 'partial' | 'done' | 'canceled' | 'invalid' | 'error'; detail: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export const checkPageToHost: Check<PageToHost> = tagged({
  ready: obj({ type: literal('ready') }),
  reveal: obj({ type: literal('reveal'), line }),
  export: obj({ type: literal('export'), format: oneOf('json', 'csv', 'png'), name: str(200), data: str(50_000_000) }),
  copy: obj({ type: literal('copy'), text: str(10_000) }),
  status: obj({ type: literal('status'), state: oneOf('running', 'partial', 'done', 'canceled', 'invalid', 'error'), detail: str(2000) }),
  log: obj({ type: literal('log'), level: oneOf('info', 'warn', 'error'), message: str(10_000) }),
}) as Check<PageToHost>;

// ---- page <-> worker
export type Side = 'A' | 'B';

/** Throughput over simulated time, sampled by the worker between chunks. */
export interface Series {
  t_s: number[];
  faults_per_s: number[];
  writers_per_s: number[];
}

export interface Snapshot {
  result: SimResult;
  progress: Progress;
  series: Series;
  done: boolean;
}

export type PageToWorker =
  | { type: 'run'; runId: number; jobs: { side: Side; config: SimConfigInput }[]; progressEveryMs: number }
  | { type: 'cancel'; runId: number };

export type WorkerToPage =
  | { type: 'scenarios'; scenarios: ScenarioInfo[] }
  | { type: 'progress'; runId: number; fraction: number; snapshots: Partial<Record<Side, Snapshot>> }
  | { type: 'done'; runId: number; canceled: boolean; wallMs: number; snapshots: Partial<Record<Side, Snapshot>> }
  | { type: 'invalid'; runId: number; side: Side; errors: ConfigError[] }
  | { type: 'error'; runId: number; message: string };

const side = oneOf('A', 'B');
const configInput = obj({ scenario: str(100), seed: opt(int(0, 2 ** 32 - 1)), set: opt(record(scalar, 100)) });

export const checkPageToWorker: Check<PageToWorker> = tagged({
  run: obj({
    type: literal('run'),
    runId: int(0),
    jobs: arr(obj({ side, config: configInput }), 2),
    progressEveryMs: num(10, 5000),
  }),
  cancel: obj({ type: literal('cancel'), runId: int(0) }),
}) as Check<PageToWorker>;

// Results are produced by our own worker; the page checks their outline and the
// numbers it reads (a broken result must not break the page).
const snapshot: Check<Snapshot> = (v, p) => {
  const s = obj({
    result: obj({
      scenario: str(100),
      seed: num(),
      simulated_s: num(0),
      events: num(0),
      faults: obj({ count: num(0), per_s: num(0), latency_us: json(2) }),
      writers: obj({ count: num(0), per_s: num(0), latency_us: json(2), wait_us: json(2) }),
      mmap_lock: json(3),
      vma_lock: obj({ success: num(0), retry: num(0), abort: num(0), miss: num(0) }),
    }),
    progress: obj({ fraction: num(0, 1), events: num(0), simulated_s: num(0) }),
    series: obj({ t_s: arr(num(), 100_000), faults_per_s: arr(num(), 100_000), writers_per_s: arr(num(), 100_000) }),
    done: bool,
  })(v, p);
  // Keep the whole result (charts read optional detail from it), now that its outline is checked.
  return { ...s, result: (v as Snapshot).result } as Snapshot;
};
const snapshots = obj({ A: opt(snapshot), B: opt(snapshot) });

export const checkWorkerToPage: Check<WorkerToPage> = tagged({
  scenarios: obj({ type: literal('scenarios'), scenarios: json(6) as Check<ScenarioInfo[]> }),
  progress: obj({ type: literal('progress'), runId: int(0), fraction: num(0, 1), snapshots }),
  done: obj({ type: literal('done'), runId: int(0), canceled: bool, wallMs: num(0), snapshots }),
  invalid: obj({ type: literal('invalid'), runId: int(0), side, errors: arr(obj({ key: str(200), message: str(2000) }), 200) }),
  error: obj({ type: literal('error'), runId: int(0), message: str(10_000) }),
}) as Check<WorkerToPage>;
