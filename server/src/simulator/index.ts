/**
 * The simulator's entry points (contract in api.ts): scenarios, validation,
 * a stepwise simulation for workers and a run-to-completion for the CLI.
 */
import type {
  ConfigError, KeySpec, LatencySummary, Progress, RunOptions, ScenarioInfo, SimConfig, SimResult, Simulation, WaitSummary,
} from './api';
import { CAUSES, Engine, TL_STATES } from './engine';
import { LatencyHistogram } from './histogram';
import { version } from './model';
import { configNotes, SCENARIOS, ScenarioDef } from './scenarios';

export type * from './api';
export { NEWEST_KERNEL, PFT_FAULT_US } from './scenarios';

export function listScenarios(): ScenarioInfo[] {
  return SCENARIOS.map((s) => ({ ...s.info, keys: s.info.keys.map((k) => ({ ...k })) }));
}

function findScenario(name: string): ScenarioDef | undefined {
  return SCENARIOS.find((s) => s.info.name === name);
}

function rangeText(k: KeySpec): string {
  if (k.type === 'enum') return `one of ${k.values!.join(', ')}`;
  if (k.type === 'bool') return 'true or false';
  if (k.type === 'string') return k.key === 'kernel_version' ? 'a version X.Y from 3.0' : 'a string';
  const unit = k.unit ? ` ${k.unit}` : '';
  return `${k.type === 'int' ? 'an integer' : 'a number'} from ${k.min} to ${k.max}${unit}`;
}

function coerce(k: KeySpec, raw: unknown): { value?: number | boolean | string; error?: string } {
  const bad = (): { error: string } => ({ error: `${k.key}: ${JSON.stringify(raw)} is not valid; allowed: ${rangeText(k)}` });
  switch (k.type) {
    case 'bool':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === '1') return { value: true };
      if (raw === 'false' || raw === '0') return { value: false };
      return bad();
    case 'enum':
      if (typeof raw === 'string' && k.values!.includes(raw)) return { value: raw };
      return bad();
    case 'string': {
      const s = typeof raw === 'number' ? String(raw) : raw;
      if (typeof s !== 'string') return bad();
      if (k.key === 'kernel_version') {
        const v = version(s);
        if (!/^\d+\.\d+(\.\d+)?$/.test(s) || !(v >= 300) || v > 9999) return bad();
      }
      return { value: s };
    }
    case 'int':
    case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && raw.trim() !== '' && /^[-+0-9.eE_]+$/.test(raw.trim())) n = Number(raw.trim().replace(/_/g, ''));
      else return bad();
      if (!Number.isFinite(n)) return bad();
      if (k.type === 'int' && !Number.isInteger(n)) return { error: `${k.key}: ${n} is not an integer; allowed: ${rangeText(k)}` };
      if ((k.min !== undefined && n < k.min) || (k.max !== undefined && n > k.max))
        return { error: `${k.key}: ${n} is out of range; allowed: ${rangeText(k)}` };
      return { value: n };
    }
  }
}

/** Checks a `{scenario, seed, set}` input against the scenario's keys; fills defaults. */
export function validateConfig(input: unknown): { ok: true; config: SimConfig } | { ok: false; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const names = SCENARIOS.map((s) => s.info.name);
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, errors: [{ key: 'scenario', message: `a configuration is an object {"scenario": NAME, "seed": N, "set": {KEY: VALUE}}; scenarios: ${names.join(', ')}` }] };
  const obj = input as Record<string, unknown>;
  for (const key of Object.keys(obj))
    if (!['scenario', 'seed', 'set'].includes(key)) errors.push({ key, message: `unknown configuration field '${key}'; allowed: scenario, seed, set` });
  const def = typeof obj.scenario === 'string' ? findScenario(obj.scenario) : undefined;
  if (!def) {
    errors.push({ key: 'scenario', message: `unknown scenario ${JSON.stringify(obj.scenario)}; scenarios: ${names.join(', ')}` });
    return { ok: false, errors };
  }
  let seed = 1;
  if (obj.seed !== undefined) {
    const s = typeof obj.seed === 'string' && /^\d+$/.test(obj.seed) ? Number(obj.seed) : obj.seed;
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)
      errors.push({ key: 'seed', message: `seed: ${JSON.stringify(obj.seed)} is not valid; allowed: an integer from 0 to ${Number.MAX_SAFE_INTEGER}` });
    else seed = s;
  }
  const params: Record<string, number | boolean | string> = {};
  for (const k of def.info.keys) params[k.key] = k.default;
  const set = obj.set;
  if (set !== undefined) {
    if (typeof set !== 'object' || set === null || Array.isArray(set)) {
      errors.push({ key: 'set', message: 'set: must be an object {KEY: VALUE}' });
    } else {
      const allowed = def.info.keys.map((k) => k.key);
      for (const [key, raw] of Object.entries(set as Record<string, unknown>)) {
        const k = def.info.keys.find((x) => x.key === key);
        if (!k) { errors.push({ key, message: `unknown key '${key}' for scenario ${def.info.name}; allowed: ${allowed.join(', ')}` }); continue; }
        const r = coerce(k, raw);
        if (r.error) errors.push({ key, message: r.error });
        else params[key] = r.value!;
      }
    }
  }
  if (!errors.length && def.check) for (const [key, message] of def.check(params)) errors.push({ key, message });
  if (errors.length) return { ok: false, errors };
  return { ok: true, config: { scenario: def.info.name, seed, params } };
}

const r4 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0);

function latency(h: LatencyHistogram): LatencySummary {
  return { mean: r4(h.mean()), p50: r4(h.quantile(0.5)), p90: r4(h.quantile(0.9)), p99: r4(h.quantile(0.99)), p999: r4(h.quantile(0.999)), max: r4(h.max) };
}

function wait(h: LatencyHistogram): WaitSummary {
  return { mean: r4(h.mean()), p50: r4(h.quantile(0.5)), p99: r4(h.quantile(0.99)), max: r4(h.max) };
}

class SimulationImpl implements Simulation {
  readonly engine: Engine;
  private wallStart = NaN;
  private wallEnd = NaN;
  canceled = false;

  constructor(readonly config: SimConfig, private readonly now?: () => number) {
    const def = findScenario(config.scenario);
    if (!def) throw new Error(`simulator: unknown scenario ${config.scenario} (validate the configuration first)`);
    const { spec, horizonUs } = def.build(config.params);
    this.engine = new Engine(spec, config.seed, horizonUs);
  }

  /** Stops the run: the next step() returns true and result() says canceled. */
  cancel(): void { this.canceled = true; }

  step(maxEvents: number): boolean {
    if (this.now && Number.isNaN(this.wallStart)) this.wallStart = this.now();
    const done = this.canceled || this.engine.step(Math.max(1, Math.floor(maxEvents)));
    if (this.now) this.wallEnd = this.now();
    return done;
  }

  progress(): Progress {
    return { fraction: this.engine.fraction(), events: this.engine.events, simulated_s: this.engine.endTime() / 1e6 };
  }

  result(): SimResult {
    const e = this.engine;
    const simUs = e.endTime();
    const simS = simUs / 1e6;
    const perS = (n: number): number => (simS > 0 ? r4(n / simS) : 0);
    const causes: Record<string, number> = {};
    CAUSES.forEach((c, i) => { causes[c] = e.causeCounts[i]; });
    const bd: Record<string, number> = {};
    for (const [key, v] of Object.entries(e.breakdown)) bd[key] = r4(v);
    const nb = Math.max(1, Math.min(100, Math.ceil(simUs / e.bucketUs)));
    const scale = 1e6 / e.bucketUs;
    const res: SimResult = {
      scenario: this.config.scenario,
      seed: this.config.seed,
      params: { ...this.config.params },
      simulated_s: simS,
      events: e.events,
      wall_ms: Number.isNaN(this.wallStart) ? 0 : r4(this.wallEnd - this.wallStart),
      canceled: this.canceled,
      truncated: e.truncated,
      faults: { count: e.faultLat.count, per_s: perS(e.faultLat.count), latency_us: latency(e.faultLat) },
      writers: { count: e.writerLat.count, per_s: perS(e.writerLat.count), latency_us: latency(e.writerLat), wait_us: wait(e.writerWait) },
      mmap_lock: {
        read_acquisitions: e.readAcq,
        write_acquisitions: e.writeAcq,
        read_wait_us: { mean: r4(e.readWait.mean()), p99: r4(e.readWait.quantile(0.99)) },
        write_wait_us: { mean: r4(e.writeWait.mean()), p99: r4(e.writeWait.quantile(0.99)) },
      },
      vma_lock: { ...e.vmaCounters },
      fallbacks: causes,
      wait_breakdown_us: bd,
      groups: e.groupStats().map((g) => ({ name: g.name, ops: g.ops, completed: g.lat.count, latency_us: latency(g.lat) })),
      latency_histogram: { faults: e.faultLat.export(4), writers: e.writerLat.export(4) },
      throughput: {
        bucket_us: r4(e.bucketUs),
        faults_per_s: Array.from(e.faultsPerBucket.subarray(0, nb), (x) => r4(x * scale)),
        writers_per_s: Array.from(e.writersPerBucket.subarray(0, nb), (x) => r4(x * scale)),
      },
      notes: configNotes(this.config.params),
      timeline: { states: [...TL_STATES], threads: e.timeline.map((t) => ({ thread: t.thread, group: t.group, segments: t.segments.map(([at, s]) => [r4(at), s]) })) },
    };
    return res;
  }
}

/** A simulation to run step by step (the webview worker). `now` is the wall clock for wall_ms. */
export function createSimulation(config: SimConfig, now?: () => number): Simulation & { cancel(): void } {
  return new SimulationImpl(config, now);
}

/** Runs to completion, or until canceled (partial results, canceled=true). */
export function runSimulation(config: SimConfig, opts: RunOptions = {}): SimResult {
  const sim = new SimulationImpl(config, opts.now);
  const chunk = 250_000;
  for (;;) {
    if (opts.shouldCancel?.()) { sim.canceled = true; break; }
    const done = sim.step(chunk);
    opts.onProgress?.(sim.progress());
    if (done) break;
  }
  return sim.result();
}
