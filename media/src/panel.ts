/**
 * The "Simulate this path" webview page. It receives a function's lock
 * profile from the extension host, maps it onto the simulator's `path`
 * scenario (the same mapping as `mm-lock-lens simulate --profile`), runs the
 * chosen comparison in a Web Worker and streams the results into tables and
 * charts. Every message it receives is schema-checked; malformed ones are
 * dropped and logged. Its state (profile, parameters, comparison) survives
 * hiding and reloads through getState/setState and the host's serializer.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import uplotCss from 'uplot/dist/uPlot.min.css';
import panelCss from './panel.css';
import type { KeySpec, ScenarioInfo, SimResult } from '../../server/src/simulator/api';
import { profileToScenario, variantConfig, type Comparison, type ProfileScenario } from '../../server/src/simulator/profile-scenario';
import { Chart, readTheme, type ChartSeries, type Theme } from './charts';
import {
  checkHostToPage, checkPanelState, checkProfile, checkWorkerToPage,
  type PageToHost, type PageToWorker, type PanelProfile, type PanelState, type ParamSet, type Side, type Snapshot,
} from './messages';
import { parse, type Check } from './schema';
import { cdf, distribution, fmtCount, fmtMetric, fmtRatio, fmtUs, METRICS, oneLineSummary, ratio, toCsv, toJson, verdict, type ReportContext } from './report';

interface VsCodeApi {
  postMessage(message: PageToHost): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

performance.mark('mm-lock-lens:script');
const vscode = acquireVsCodeApi();
const PROGRESS_EVERY_MS = 100;
/** Keys the profile decides; the form shows them read-only. */
const PROFILE_KEYS = new Set(['path_lock', 'path_fallback', 'anon_vma_present']);
/** The order the form shows the process keys in; other keys of the scenario follow. */
const FORM_ORDER = [
  'threads', 'cpus', 'sockets', 'smt', 'bg_threads', 'bg_think_us', 'path_think_us', 'path_service_us', 'path_fallback_prob',
  'writers_per_s', 'writer_hold_us', 'writer_vmas', 'mmap_per_s', 'mmap_hold_us', 'munmap_per_s', 'munmap_hold_us',
  'mprotect_per_s', 'mprotect_hold_us', 'brk_per_s', 'brk_hold_us', 'kernel_version', 'anon_vma_check', 'per_vma_locks', 'duration_s',
  'vma_count', 'path_vma_kind', 'path_writer_vmas', 'io_us',
];
const DEFAULT_SEED = 1;

// ---------------------------------------------------------------- styles
{
  const sheets: CSSStyleSheet[] = [];
  for (const css of [uplotCss, panelCss]) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    sheets.push(sheet);
  }
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...sheets];
}

// ---------------------------------------------------------------- helpers
function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

function log(level: 'info' | 'warn' | 'error', message: string): void {
  (level === 'error' ? console.error : level === 'warn' ? console.warn : console.info)(`[mm-lock-lens panel] ${message}`);
  vscode.postMessage({ type: 'log', level, message });
}

function setStatus(state: 'loading' | 'idle' | 'running' | 'partial' | 'done' | 'canceled' | 'invalid' | 'error', detail: string): void {
  document.body.dataset.state = state;
  if (state !== 'loading' && state !== 'idle') vscode.postMessage({ type: 'status', state, detail: detail.slice(0, 2000) });
}

// ---------------------------------------------------------------- model
let profile: PanelProfile | null = null;
let plan: ProfileScenario | null = null;
let scenario: ScenarioInfo | null = null;
let params: ParamSet = {};
let seed = DEFAULT_SEED;
let comparisonId = '';
let runId = 0;
let running = false;
let runStarted = 0;
let snaps: Partial<Record<Side, Snapshot>> = {};
let lastDropped: string[] = [];
const fieldErrors = new Map<string, string>();

function comparison(): Comparison | null {
  if (!plan) return null;
  return plan.comparisons.find((c) => c.id === comparisonId) ?? plan.comparisons[0];
}

function saveState(): void {
  if (!profile) return;
  vscode.setState({ version: 1, profile, params, seed, comparison: comparisonId });
}

// ---------------------------------------------------------------- layout
const app = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
const title = h('h1', { text: 'Simulate this path' });
const subtitle = h('p', { class: 'subtitle', text: 'Waiting for the function profile…' });
const reasons = h('ul', { class: 'reasons' });

const runButton = document.createElement('vscode-button');
runButton.textContent = 'Run';
runButton.id = 'run';
const cancelButton = document.createElement('vscode-button');
cancelButton.textContent = 'Cancel';
cancelButton.id = 'cancel';
cancelButton.setAttribute('secondary', '');
cancelButton.disabled = true;
const progressBar = document.createElement('vscode-progress-bar');
progressBar.id = 'progress';
progressBar.max = 100;
progressBar.value = 0;
progressBar.ariaLabel = 'simulation progress';
const progressText = h('span', { class: 'progress-text', id: 'progress-text', text: 'not started' });
const runNotes = h('p', { class: 'notes', id: 'run-notes' });

const compareSelect = document.createElement('vscode-single-select');
compareSelect.id = 'comparison';
const question = h('span', { class: 'question', id: 'question' });
const form = h('div', { class: 'form', id: 'params' });

const summaryTable = h('table', { id: 'summary' });
const vmstatTable = h('table', { id: 'vmstat' });
const fallbackTable = h('table', { id: 'fallbacks' });
const fallbackNone = h('p', { class: 'notes', id: 'fallbacks-none', text: 'This path has no fallback point.' });
const statusLine = h('p', { class: 'status-line', id: 'status-line', role: 'status' });

/** The bars of the wait breakdown, mean per operation that can incur it:
 * mmap_lock read wait (per read acquisition), write wait (per write
 * acquisition), a writer's wait for VMA readers to drain (vma_start_write,
 * per write acquisition), lock-word cache-line transfers (per operation),
 * __anon_vma_prepare and I/O waits (per fault). A
 * per-VMA read lock is a trylock: it never waits, it falls back (counted in
 * vmstat); what VMA locks cost is the writers' drain and the lock-word lines. */
const WAIT_PARTS: { label: string; get(r: SimResult): number | null }[] = [
  { label: 'mmap read', get: (r) => num(r.mmap_lock.read_wait_us.mean) },
  { label: 'mmap write', get: (r) => num(r.mmap_lock.write_wait_us.mean) },
  { label: 'VMA drain', get: (r) => perOp(r, 'vma_write_drain', r.mmap_lock.write_acquisitions) },
  { label: 'lock lines', get: (r) => perOp(r, 'line', r.faults.count + r.writers.count) },
  { label: 'anon_vma', get: (r) => perOp(r, 'anon_vma_prepare', r.faults.count) },
  { label: 'I/O', get: (r) => perOp(r, 'io_wait', r.faults.count) },
];

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function perOp(r: SimResult, part: string, ops: number): number | null {
  const total = num((r.wait_breakdown_us as Record<string, unknown> | undefined)?.[part]);
  if (total === null) return null;
  return ops > 0 ? total / ops : 0;
}

let theme: Theme = readTheme();
const charts = {
  cdf: new Chart({ title: 'Fault latency CDF', xLabel: 'latency', yLabel: 'fraction of faults', xLog: true, xFormat: fmtUs, yRange: [0, 1] }, theme),
  hist: new Chart({ title: 'Fault latency histogram', xLabel: 'latency', yLabel: 'faults', xLog: true, xFormat: fmtUs, yFormat: fmtCount }, theme),
  wcdf: new Chart({ title: 'mmap writer latency CDF', xLabel: 'latency', yLabel: 'fraction of writers', xLog: true, xFormat: fmtUs, yRange: [0, 1] }, theme),
  tput: new Chart({ title: 'Throughput over simulated time', xLabel: 'simulated time', yLabel: 'per second', xFormat: (v) => fmtUs(v * 1e6), yFormat: fmtCount }, theme),
  waits: new Chart({ title: 'Lock waits and costs (mean per operation)', xLabel: '', yLabel: 'mean', yFormat: fmtUs, categories: WAIT_PARTS.map((p) => p.label), height: 220 }, theme),
};
const timelineFigure = h('figure', { class: 'chart', id: 'timeline' }, h('figcaption', { text: 'Lock timeline of sampled threads' }));
const timelineCanvas = h('canvas', { class: 'timeline' });
const timelineNote = h('p', { class: 'chart-empty', text: 'no data yet' });
timelineFigure.append(timelineCanvas, timelineNote);

const exportJson = document.createElement('vscode-button');
exportJson.textContent = 'Export JSON';
exportJson.id = 'export-json';
const exportCsv = document.createElement('vscode-button');
exportCsv.textContent = 'Export CSV';
exportCsv.id = 'export-csv';
const exportPng = document.createElement('vscode-button');
exportPng.textContent = 'Export charts (PNG)';
exportPng.id = 'export-png';
const copySummary = document.createElement('vscode-button');
copySummary.textContent = 'Copy one-line summary';
copySummary.id = 'copy-summary';
for (const b of [exportJson, exportCsv, exportPng, copySummary]) b.setAttribute('secondary', '');

const chartsBox = h('div', { class: 'charts', id: 'charts' }, charts.cdf.figure, charts.hist.figure, charts.wcdf.figure, charts.tput.figure, charts.waits.figure, timelineFigure);

app.append(
  title, subtitle, reasons,
  h('div', { class: 'runbar' }, runButton, cancelButton, progressBar, progressText),
  runNotes,
  h('h2', { text: 'Comparison' }),
  h('div', { class: 'compare' }, h('label', { for: 'comparison', text: 'Compare' }), compareSelect, question),
  h('h2', { text: 'Results' }),
  summaryTable,
  h('h2', { text: 'Charts' }),
  chartsBox,
  h('h2', { text: 'vmstat counters' }),
  vmstatTable,
  h('h2', { text: 'Fallback points' }),
  fallbackTable, fallbackNone,
  h('h2', { text: 'Process and parameters' }),
  form,
  h('div', { class: 'actions' }, exportJson, exportCsv, exportPng, copySummary),
  statusLine,
);

// ---------------------------------------------------------------- worker
let worker: Worker | null = null;

/** The worker bundle's text, inlined by scripts/build.mjs ('' in a build without it). */
declare const MM_LOCK_LENS_SIM_WORKER: string;

async function startWorker(): Promise<void> {
  try {
    // A Worker must be same-origin, and a webview's resources are on another
    // origin than its document: start it from a blob of the worker's text,
    // inlined into this bundle, else fetched from the bundle folder.
    let source = typeof MM_LOCK_LENS_SIM_WORKER === 'string' ? MM_LOCK_LENS_SIM_WORKER : '';
    if (!source) {
      const url = document.body.dataset.worker;
      if (!url) throw new Error('the page has no worker address (data-worker)');
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      source = await res.text();
    }
    worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { name: 'mm-lock-lens-sim' });
    performance.mark('mm-lock-lens:worker-started');
  } catch (e) {
    fatal(`cannot start the simulation worker: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  worker.onmessage = (ev) => onWorkerMessage(ev.data);
  worker.onerror = (ev) => {
    ev.preventDefault();
    onWorkerFailure(`the simulation worker failed: ${ev.message || 'unknown error'}`);
  };
}

// The worker boots while the page renders the profile and the form.
const workerStarted = startWorker();

function fatal(message: string): void {
  runNotes.textContent = message;
  runNotes.classList.add('error');
  setStatus('error', message);
  log('error', message);
}

function onWorkerFailure(message: string): void {
  running = false;
  updateRunControls();
  fatal(message);
}

function postToWorker(message: PageToWorker): void {
  worker?.postMessage(message);
}

/** The message when it passes its check; a malformed one is logged and dropped, never acted on. */
function accepted<T>(check: Check<T>, data: unknown, from: string): T | undefined {
  const parsed = parse(check, data);
  if (parsed.ok) return parsed.value;
  log('warn', `dropped a malformed message from the ${from}: ${parsed.error}`);
  return undefined;
}

function onWorkerMessage(data: unknown): void {
  const msg = accepted(checkWorkerToPage, data, 'worker');
  if (!msg) return;
  if (msg.type === 'scenarios') {
    performance.mark('mm-lock-lens:worker-ready');
    scenario = msg.scenarios.find((s) => s.name === 'path') ?? null;
    if (!scenario) {
      fatal(`the simulator has no 'path' scenario (it has: ${msg.scenarios.map((s) => s.name).join(', ')})`);
      return;
    }
    renderForm();
    maybeRun();
    return;
  }
  if (msg.runId !== runId) return; // a superseded run
  switch (msg.type) {
    case 'progress': {
      const first = !snaps.A && !snaps.B;
      snaps = msg.snapshots;
      renderProgress(msg.fraction);
      renderResults();
      if (first) {
        performance.mark('mm-lock-lens:first-results');
        // When the frame with the first numbers has been painted.
        requestAnimationFrame(() => setTimeout(() => performance.mark('mm-lock-lens:first-painted'), 0));
        setStatus('partial', `first results after ${Math.round(performance.now() - runStarted)} ms`);
      }
      break;
    }
    case 'done': {
      snaps = msg.snapshots;
      running = false;
      renderProgress(msg.canceled ? fractionDone() : 1);
      renderResults();
      // The final figures: charts now, so that 'done' means everything is drawn.
      renderCharts();
      updateRunControls();
      const summary = msg.canceled ? 'canceled' : `done in ${Math.round(msg.wallMs)} ms`;
      progressText.textContent = `${summary} · ${progressDetail()}`;
      setStatus(msg.canceled ? 'canceled' : 'done', msg.canceled ? 'canceled; partial results shown' : summaryText() ?? summary);
      break;
    }
    case 'invalid': {
      running = false;
      updateRunControls();
      for (const e of msg.errors) fieldErrors.set(e.key, e.message);
      showFieldErrors();
      const text = msg.errors.map((e) => `${e.key}: ${e.message}`).join('; ');
      runNotes.textContent = `The simulator refused the parameters of ${msg.side}: ${text}`;
      runNotes.classList.add('error');
      progressText.textContent = 'not run';
      setStatus('invalid', text);
      break;
    }
    case 'error':
      onWorkerFailure(msg.message);
      break;
  }
}

// ---------------------------------------------------------------- host
window.addEventListener('message', (ev: MessageEvent) => {
  const msg = accepted(checkHostToPage, ev.data, 'extension');
  if (!msg) return;
  if (msg.type === 'init') {
    performance.mark('mm-lock-lens:init');
    const changed = setProfile(msg.profile, false);
    if (changed && runId > 0) scheduleRun(0);
    else maybeRun();
  } else if (msg.type === 'notice') {
    statusLine.textContent = msg.text;
    statusLine.classList.toggle('error', msg.level === 'error');
  }
});

/** Shows a profile; true when it is another function than the one shown. */
function setProfile(p: PanelProfile, restoring: boolean): boolean {
  const same = !!profile && profile.uri === p.uri && profile.function === p.function && JSON.stringify(profile) === JSON.stringify(p);
  profile = p;
  plan = profileToScenario(p);
  if (!same && !restoring) {
    comparisonId = plan.comparisons[0].id;
    snaps = {};
  }
  if (!plan.comparisons.some((c) => c.id === comparisonId)) comparisonId = plan.comparisons[0].id;
  document.title = `Simulate ${p.function}`;
  title.textContent = `Simulate ${p.function}()`;
  subtitle.replaceChildren(
    h('span', { class: 'mono', text: `${p.file}:${p.line}` }),
    ` · kernel ${p.kernelVersion}`,
    h('span', { class: 'badge', id: 'path-lock', text: pathLockLabel(plan.pathLock) }),
  );
  reasons.replaceChildren(...plan.reasons.map((r) => h('li', { text: r })));
  renderComparisonSelect();
  renderFallbacks();
  renderForm();
  saveState();
  return !same;
}

function pathLockLabel(lock: ProfileScenario['pathLock']): string {
  return { vma: 'per-VMA lock, mmap_lock fallback', mmap_read: 'mmap_lock read', mmap_write: 'mmap_lock write (a writer)', none: 'no mm lock' }[lock];
}

// ---------------------------------------------------------------- comparison
function renderComparisonSelect(): void {
  if (!plan) return;
  compareSelect.replaceChildren(
    ...plan.comparisons.map((c) => {
      const o = document.createElement('vscode-option');
      o.value = c.id;
      o.textContent = `${c.a.label} vs ${c.b.label}`;
      if (c.id === comparisonId) o.selected = true;
      return o;
    }),
  );
  compareSelect.value = comparisonId;
  question.textContent = comparison()?.question ?? '';
}

compareSelect.addEventListener('change', () => {
  const id = compareSelect.value;
  if (!plan?.comparisons.some((c) => c.id === id) || id === comparisonId) return;
  comparisonId = id;
  question.textContent = comparison()?.question ?? '';
  snaps = {};
  saveState();
  scheduleRun(0);
});

// ---------------------------------------------------------------- form
interface Field {
  spec: KeySpec;
  el: HTMLElement & { value?: string; checked?: boolean; invalid?: boolean; disabled?: boolean };
  message: HTMLElement;
}
const fields = new Map<string, Field>();

function defaultOf(spec: KeySpec): number | boolean | string {
  const fromProfile = plan?.set[spec.key];
  return fromProfile !== undefined ? fromProfile : spec.default;
}

function valueOf(spec: KeySpec): number | boolean | string {
  return params[spec.key] ?? defaultOf(spec);
}

function rangeText(spec: KeySpec): string {
  if (spec.type === 'enum') return `one of ${spec.values?.join(', ')}`;
  if (spec.type === 'bool') return 'true or false';
  const kind = spec.type === 'int' ? 'an integer' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} ≥ ${spec.min}`;
  if (spec.max !== undefined) return `${kind} ≤ ${spec.max}`;
  return kind;
}

/** The value of a text field, or why it is not valid for its key. */
export function parseField(spec: KeySpec, text: string): { ok: true; value: number | string } | { ok: false; message: string } {
  const t = text.trim();
  const unit = spec.unit ? ` ${spec.unit}` : '';
  if (spec.type === 'int' || spec.type === 'number') {
    if (t === '') return { ok: false, message: `${spec.key} is required: ${rangeText(spec)}${unit}` };
    const v = Number(t);
    if (!Number.isFinite(v)) return { ok: false, message: `${spec.key} must be ${rangeText(spec)}${unit} (got “${t.slice(0, 20)}”)` };
    if (spec.type === 'int' && !Number.isInteger(v)) return { ok: false, message: `${spec.key} must be ${rangeText(spec)}${unit} (got ${t})` };
    if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
      return { ok: false, message: `${spec.key} must be ${rangeText(spec)}${unit} (got ${t})` };
    }
    return { ok: true, value: v };
  }
  if (spec.type === 'string' && t === '') return { ok: false, message: `${spec.key} must not be empty` };
  return { ok: true, value: t };
}

function renderForm(): void {
  if (!scenario || !plan) return;
  const keys = [...scenario.keys].sort((a, b) => rank(a.key) - rank(b.key));
  form.replaceChildren();
  fields.clear();
  for (const spec of keys) {
    const id = `param-${spec.key}`;
    const label = h('label', { for: id }, spec.key, spec.unit ? h('span', { class: 'unit', text: ` (${spec.unit})` }) : '');
    const message = h('span', { class: 'message', id: `${id}-message`, role: 'alert' });
    const help = h('span', { class: 'help', text: `${spec.description}${spec.type !== 'bool' && spec.type !== 'string' ? ` · ${rangeText(spec)}` : ''} · default ${String(defaultOf(spec))}` });
    let el: Field['el'];
    const value = valueOf(spec);
    if (spec.type === 'enum') {
      const sel = document.createElement('vscode-single-select');
      for (const v of spec.values ?? []) {
        const o = document.createElement('vscode-option');
        o.value = v;
        o.textContent = v;
        if (v === value) o.selected = true;
        sel.append(o);
      }
      sel.value = String(value);
      el = sel;
    } else if (spec.type === 'bool') {
      const cb = document.createElement('vscode-checkbox');
      cb.checked = value === true;
      cb.label = spec.key;
      el = cb;
    } else {
      const tf = document.createElement('vscode-textfield');
      tf.value = String(value);
      if (spec.type !== 'string') tf.setAttribute('inputmode', 'decimal');
      el = tf;
    }
    el.id = id;
    el.setAttribute('aria-describedby', `${id}-message`);
    el.dataset.key = spec.key;
    if (PROFILE_KEYS.has(spec.key)) {
      el.disabled = true;
      help.textContent = `${spec.description} · set from the profile and by the comparison`;
    }
    form.append(h('div', { class: 'field' }, label, el, message, help));
    fields.set(spec.key, { spec, el, message });
    el.addEventListener('input', () => onFieldInput(spec.key));
    el.addEventListener('change', () => onFieldInput(spec.key));
  }
  const seedField = document.createElement('vscode-textfield');
  seedField.id = 'param-seed';
  seedField.value = String(seed);
  seedField.dataset.key = 'seed';
  const seedMessage = h('span', { class: 'message', id: 'param-seed-message', role: 'alert' });
  form.append(h('div', { class: 'field' }, h('label', { for: 'param-seed', text: 'seed' }), seedField, seedMessage, h('span', { class: 'help', text: 'PRNG seed: the same seed gives the same result · an integer from 0 to 4294967295' })));
  fields.set('seed', { spec: { key: 'seed', type: 'int', default: DEFAULT_SEED, min: 0, max: 2 ** 32 - 1, description: 'seed' }, el: seedField, message: seedMessage });
  seedField.addEventListener('input', () => onFieldInput('seed'));
  showFieldErrors();
}

function rank(key: string): number {
  const i = FORM_ORDER.indexOf(key);
  return i < 0 ? FORM_ORDER.length + (PROFILE_KEYS.has(key) ? 100 : 0) : i;
}

function onFieldInput(key: string): void {
  const f = fields.get(key);
  if (!f) return;
  fieldErrors.delete(key);
  if (f.spec.type === 'bool') {
    params[key] = f.el.checked === true;
  } else if (f.spec.type === 'enum') {
    params[key] = String(f.el.value);
  } else {
    const r = parseField(f.spec, String(f.el.value ?? ''));
    if (!r.ok) {
      fieldErrors.set(key, r.message);
    } else if (key === 'seed') {
      seed = Number(r.value);
    } else {
      params[key] = r.value;
    }
  }
  // Parameters equal to their default are not stored (a newer default then applies).
  if (key !== 'seed' && params[key] === defaultOf(f.spec)) delete params[key];
  showFieldErrors();
  if (fieldErrors.size === 0) {
    saveState();
    scheduleRun(400);
  } else {
    runNotes.textContent = `Fix the parameters to run: ${[...fieldErrors.keys()].join(', ')}`;
    runNotes.classList.add('error');
  }
}

function showFieldErrors(): void {
  for (const [key, f] of fields) {
    const m = fieldErrors.get(key) ?? '';
    f.message.textContent = m;
    f.el.invalid = m !== '';
  }
  // Errors for keys without a field (e.g. from the simulator) go to the notes.
  const orphans = [...fieldErrors].filter(([k]) => !fields.has(k));
  if (orphans.length) {
    runNotes.textContent = orphans.map(([k, m]) => `${k}: ${m}`).join('; ');
    runNotes.classList.add('error');
  }
  runButton.disabled = running || fieldErrors.size > 0;
}

// ---------------------------------------------------------------- running
let runTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleRun(delayMs: number): void {
  clearTimeout(runTimer);
  runTimer = setTimeout(run, delayMs);
}

function maybeRun(): void {
  if (plan && scenario && worker && runId === 0) run();
}

function run(): void {
  clearTimeout(runTimer);
  const c = comparison();
  if (!plan || !scenario || !worker || !c) return;
  if (fieldErrors.size > 0) return;
  const jobs = (['A', 'B'] as const).map((side) => {
    const { config, dropped } = variantConfig(plan!, side === 'A' ? c.a : c.b, params, seed, scenario!.keys);
    return { side, config, dropped };
  });
  lastDropped = [...new Set(jobs.flatMap((j) => j.dropped))];
  runId++;
  running = true;
  runStarted = performance.now();
  performance.mark('mm-lock-lens:run');
  snaps = {};
  runNotes.classList.remove('error');
  runNotes.textContent = lastDropped.length
    ? `This simulator has no key ${lastDropped.join(', ')}: the comparison runs without it.`
    : '';
  postToWorker({ type: 'run', runId, jobs: jobs.map(({ side, config }) => ({ side, config })), progressEveryMs: PROGRESS_EVERY_MS });
  renderProgress(0);
  progressText.textContent = 'starting…';
  updateRunControls();
  renderResults();
  setStatus('running', `${c.a.label} vs ${c.b.label}`);
}

function cancel(): void {
  if (!running) return;
  postToWorker({ type: 'cancel', runId });
  progressText.textContent = 'canceling…';
}

function updateRunControls(): void {
  runButton.disabled = running || fieldErrors.size > 0;
  cancelButton.disabled = !running;
}

runButton.addEventListener('click', () => run());
cancelButton.addEventListener('click', () => cancel());

function fractionDone(): number {
  const fs = (['A', 'B'] as const).map((s) => snaps[s]?.progress.fraction ?? 0);
  return (fs[0] + fs[1]) / 2;
}

function progressDetail(): string {
  const ev = (snaps.A?.progress.events ?? 0) + (snaps.B?.progress.events ?? 0);
  const sim = Math.max(snaps.A?.progress.simulated_s ?? 0, snaps.B?.progress.simulated_s ?? 0);
  return `${fmtCount(ev)} events · ${fmtUs(sim * 1e6)} simulated`;
}

function renderProgress(fraction: number): void {
  progressBar.value = Math.round(fraction * 1000) / 10;
  progressText.textContent = `${running ? 'running' : 'stopped'} ${(fraction * 100).toFixed(0)} % · ${progressDetail()}`;
}

// ---------------------------------------------------------------- results
function reportContext(): ReportContext | null {
  const c = comparison();
  if (!profile || !c) return null;
  const shown: ParamSet = {};
  for (const [k, f] of fields) if (k !== 'seed') shown[k] = valueOf(f.spec);
  return {
    function: profile.function, file: profile.file, line: profile.line, kernelVersion: profile.kernelVersion,
    comparison: c.title, labelA: c.a.label, labelB: c.b.label, seed, params: shown,
  };
}

function summaryText(): string | null {
  const ctx = reportContext();
  if (!ctx || !snaps.A || !snaps.B) return null;
  return oneLineSummary(ctx, snaps.A.result, snaps.B.result);
}

interface Cell { text: string; cls?: string }
interface Row { attr: 'data-metric' | 'data-cause'; key: string; cls?: string; label: () => HTMLElement; cells: Cell[] }

/** Rebuilds a table when its rows or headers change; otherwise updates the
 * cells' text in place (10 times a second during a run: little DOM churn,
 * little style and layout work). */
function syncTable(table: HTMLTableElement, head: Cell[], rows: Row[]): void {
  const sig = JSON.stringify([head.map((c) => c.text), rows.map((r) => r.key)]);
  if (table.dataset.sig !== sig) {
    table.dataset.sig = sig;
    table.replaceChildren(
      h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { class: c.cls, text: c.text })))),
      h('tbody', {}, ...rows.map((r) => h('tr', { class: r.cls, [r.attr]: r.key }, r.label(), ...r.cells.map((c) => h('td', { class: c.cls, text: c.text }))))),
    );
    return;
  }
  const trs = table.tBodies[0]?.rows;
  if (!trs) return;
  rows.forEach((r, i) => r.cells.forEach((c, j) => {
    const td = trs[i]?.cells[j + 1];
    if (!td) return;
    if (td.textContent !== c.text) td.textContent = c.text;
    const cls = c.cls ?? '';
    if (td.className !== cls) td.className = cls;
  }));
}

function renderResults(): void {
  const c = comparison();
  const a = snaps.A?.result;
  const b = snaps.B?.result;
  const head: Cell[] = [
    { text: 'metric' },
    { text: `A: ${c?.a.label ?? ''}`, cls: 'num swatch-a' },
    { text: `B: ${c?.b.label ?? ''}`, cls: 'num swatch-b' },
    { text: 'B/A', cls: 'num' },
  ];
  const rows: Row[] = [...METRICS].sort((x, y) => Number(y.key) - Number(x.key)).filter((m) => !m.id.startsWith('vma.')).map((m) => {
    const va = a ? m.get(a) : NaN;
    const vb = b ? m.get(b) : NaN;
    const r = ratio(va, vb);
    return {
      attr: 'data-metric', key: m.id, cls: m.key ? 'key' : '',
      label: () => h('td', { text: m.label }),
      cells: [
        { text: a ? fmtMetric(m, va) : '…', cls: 'num' },
        { text: b ? fmtMetric(m, vb) : '…', cls: 'num' },
        { text: a && b ? fmtRatio(r) : '', cls: `num ${verdict(m, r)}` },
      ],
    };
  });
  syncTable(summaryTable, head, rows);

  const vmHead: Cell[] = [{ text: 'counter' }, { text: 'A', cls: 'num swatch-a' }, { text: 'B', cls: 'num swatch-b' }];
  const vmRows: Row[] = METRICS.filter((m) => m.id.startsWith('vma.')).map((m) => ({
    attr: 'data-metric', key: m.id,
    label: () => h('td', { class: 'mono', text: m.label }),
    cells: [{ text: a ? fmtMetric(m, m.get(a)) : '…', cls: 'num' }, { text: b ? fmtMetric(m, m.get(b)) : '…', cls: 'num' }],
  }));
  // The simulator's count of each fallback cause (why faults left the per-VMA lock).
  const causesOf = (r?: SimResult) => (r?.fallbacks && typeof r.fallbacks === 'object' ? (r.fallbacks as Record<string, unknown>) : {});
  const ca = causesOf(a);
  const cb = causesOf(b);
  const causeRows: Row[] = [...new Set([...Object.keys(ca), ...Object.keys(cb)])]
    .filter((k) => (num(ca[k]) ?? 0) > 0 || (num(cb[k]) ?? 0) > 0)
    .map((k) => ({
      attr: 'data-cause', key: k,
      label: () => h('td', {}, 'fallback cause ', h('code', { text: k })),
      cells: [{ text: a ? fmtCount(num(ca[k]) ?? 0) : '…', cls: 'num' }, { text: b ? fmtCount(num(cb[k]) ?? 0) : '…', cls: 'num' }],
    }));
  syncTable(vmstatTable, vmHead, [...vmRows, ...causeRows]);
  scheduleCharts();
}

/** Charts are drawn in a task after the frame that shows the tables (the
 * numbers are painted first) and, while a run goes on, at most every
 * CHART_EVERY_MS: they cost more than the tables, and input comes first. */
const CHART_EVERY_MS = 300;
let chartsPending = false;
let chartsDrawnAt = -Infinity;
function scheduleCharts(): void {
  if (chartsPending) return;
  chartsPending = true;
  const wait = running ? Math.max(0, chartsDrawnAt + CHART_EVERY_MS - performance.now()) : 0;
  const draw = () => requestAnimationFrame(() => setTimeout(() => {
    chartsPending = false;
    chartsDrawnAt = performance.now();
    renderCharts();
  }, 0));
  if (wait > 0) setTimeout(draw, wait);
  else draw();
}

function latencySeries(which: 'faults' | 'writers'): { data: [number[], ...(number | null)[][]]; note?: string } | null {
  const sides = (['A', 'B'] as const).map((s) => snaps[s]?.result).map((r) => (r ? distribution(r, which) : null));
  if (!sides[0] && !sides[1]) return null;
  const curves = sides.map((d) => (d ? cdf(d) : { x: [], y: [] }));
  const xs = [...new Set([...curves[0].x, ...curves[1].x])].sort((p, q) => p - q);
  const at = (c: { x: number[]; y: number[] }) => xs.map((x) => {
    const i = c.x.indexOf(x);
    return i < 0 ? null : c.y[i];
  });
  const note = sides.some((d) => d?.fromPercentiles) ? 'drawn through p50/p90/p99/p99.9/max (the simulator reported no histogram)' : undefined;
  return { data: [xs, at(curves[0]), at(curves[1])], note };
}

function renderCharts(): void {
  const c = comparison();
  const la = `A: ${c?.a.label ?? ''}`;
  const lb = `B: ${c?.b.label ?? ''}`;
  const two: ChartSeries[] = [{ label: la, color: 'a' }, { label: lb, color: 'b' }];
  const a = snaps.A?.result;
  const b = snaps.B?.result;

  const fc = latencySeries('faults');
  if (fc) charts.cdf.update(two, fc.data as never, fc.note);
  else charts.cdf.showEmpty(running ? 'waiting for the first faults…' : 'no faults');
  const wc = latencySeries('writers');
  if (wc) charts.wcdf.update(two, wc.data as never, wc.note);
  else charts.wcdf.showEmpty(running ? 'waiting for the first writers…' : 'no mmap writers in this process');

  const da = a ? distribution(a, 'faults') : null;
  const db = b ? distribution(b, 'faults') : null;
  if (da || db) {
    const xs = [...new Set([...(da?.edges_us ?? []), ...(db?.edges_us ?? [])])].filter((x) => x > 0).sort((p, q) => p - q);
    const col = (d: typeof da) => xs.map((x) => {
      if (!d) return null;
      const i = d.edges_us.indexOf(x);
      return i < 0 ? 0 : d.counts[i];
    });
    charts.hist.update([{ label: la, color: 'a', kind: 'step' }, { label: lb, color: 'b', kind: 'step' }], [xs, col(da), col(db)] as never,
      da?.fromPercentiles || db?.fromPercentiles ? 'coarse: faults between successive percentiles' : undefined);
  } else {
    charts.hist.showEmpty(running ? 'waiting for the first faults…' : 'no faults');
  }

  const sa = throughputOf(snaps.A);
  const sb = throughputOf(snaps.B);
  if ((sa && sa.t_s.length) || (sb && sb.t_s.length)) {
    const xs = [...new Set([...(sa?.t_s ?? []), ...(sb?.t_s ?? [])])].sort((p, q) => p - q);
    const pick = (s: typeof sa, key: 'faults_per_s' | 'writers_per_s') => xs.map((x) => {
      const i = s ? s.t_s.indexOf(x) : -1;
      return i < 0 ? null : s![key][i];
    });
    charts.tput.update(
      [{ label: `faults ${la}`, color: 'a' }, { label: `faults ${lb}`, color: 'b' }, { label: `writers ${la}`, color: 'a2', dash: true }, { label: `writers ${lb}`, color: 'b2', dash: true }],
      [xs, pick(sa, 'faults_per_s'), pick(sb, 'faults_per_s'), pick(sa, 'writers_per_s'), pick(sb, 'writers_per_s')] as never,
    );
  } else {
    charts.tput.showEmpty(running ? 'waiting for the first interval…' : 'no data');
  }

  if (a || b) {
    const wa = WAIT_PARTS.map((part) => (a ? part.get(a) : null));
    const wb = WAIT_PARTS.map((part) => (b ? part.get(b) : null));
    // Grouped bars: A at i - 0.2, B at i + 0.2 (uPlot has one x per row).
    const xs: number[] = [];
    const ya: (number | null)[] = [];
    const yb: (number | null)[] = [];
    WAIT_PARTS.forEach((_, i) => {
      xs.push(i - 0.2, i + 0.2);
      ya.push(wa[i], null);
      yb.push(null, wb[i]);
    });
    const missing = WAIT_PARTS.filter((_, i) => wa[i] === null && wb[i] === null).map((p) => p.label);
    charts.waits.update([{ label: la, color: 'a', kind: 'bars' }, { label: lb, color: 'b', kind: 'bars' }], [xs, ya, yb] as never,
      missing.length ? `not reported by the simulator: ${missing.join(', ')}` : undefined);
  } else {
    charts.waits.showEmpty(running ? 'waiting…' : 'no data');
  }
  renderTimeline();
}

/** Throughput over simulated time: the simulator's buckets when it reports
 * them, else the worker's samples between chunks. */
function throughputOf(snap?: Snapshot): Snapshot['series'] | undefined {
  if (!snap) return undefined;
  const t = snap.result.throughput as { bucket_us?: unknown; faults_per_s?: unknown; writers_per_s?: unknown } | undefined;
  const nums = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number');
  if (t && typeof t.bucket_us === 'number' && t.bucket_us > 0 && nums(t.faults_per_s) && nums(t.writers_per_s) && t.faults_per_s.length === t.writers_per_s.length) {
    const w = t.bucket_us / 1e6;
    // The last bucket is still filling while the run goes on: leave it out until the end.
    const len = snap.done ? t.faults_per_s.length : Math.max(0, Math.min(t.faults_per_s.length, Math.floor(snap.result.simulated_s / w)));
    return {
      t_s: Array.from({ length: len }, (_, i) => (i + 0.5) * w),
      faults_per_s: t.faults_per_s.slice(0, len),
      writers_per_s: t.writers_per_s.slice(0, len),
    };
  }
  return snap.series;
}

/** The simulator's timeline: for each sampled thread, the times (us) at which
 * it entered a state (an index into `states`); a state lasts until the next. */
interface Timeline {
  states: string[];
  threads: { label: string; segments: [number, number][] }[];
  endUs: number;
}

function timelineOf(r?: SimResult): Timeline | null {
  const t = r?.timeline as { states?: unknown; threads?: unknown } | undefined;
  if (!t || !Array.isArray(t.states) || !Array.isArray(t.threads)) return null;
  const states = t.states.map(String);
  const threads: Timeline['threads'] = [];
  for (const x of t.threads.slice(0, 16)) {
    const th = x as { thread?: unknown; group?: unknown; segments?: unknown };
    if (!Array.isArray(th.segments)) continue;
    const segments = th.segments.filter((g): g is [number, number] => Array.isArray(g) && typeof g[0] === 'number' && typeof g[1] === 'number');
    if (segments.length) threads.push({ label: `${String(th.group ?? 'thread')} ${String(th.thread ?? threads.length)}`, segments });
  }
  if (!threads.length) return null;
  // Show the window every thread has complete records for (recording stops after a few hundred changes).
  let endUs = r!.simulated_s * 1e6;
  const longest = Math.max(...threads.map((th) => th.segments.length));
  for (const th of threads) if (th.segments.length === longest && longest >= 100) endUs = Math.min(endUs, th.segments[th.segments.length - 1][0]);
  return { states, threads, endUs };
}

/** Colours of the timeline's states (theme keys); states not listed are not drawn. */
const STATE_COLORS: Record<string, keyof Theme> = {
  vma_read: 'a2', mmap_read: 'a', mmap_read_wait: 'b', mmap_write: 'b2', mmap_write_wait: 'purple',
  io_wait: 'yellow', cpu_wait: 'grid', spin: 'purple', nolock: 'fg',
};

function renderTimeline(): void {
  const tl = timelineOf(snaps.A?.result);
  const ctx = timelineCanvas.getContext('2d');
  if (!tl || !ctx || tl.endUs <= 0) {
    timelineCanvas.hidden = true;
    timelineNote.hidden = false;
    timelineNote.textContent = snaps.A ? 'the simulator reported no per-thread timeline' : 'no data yet';
    return;
  }
  timelineCanvas.hidden = false;
  timelineNote.hidden = true;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(240, timelineFigure.clientWidth);
  const rowH = 12;
  const left = 90;
  const legendH = 34;
  const hgt = tl.threads.length * rowH + legendH;
  timelineCanvas.width = Math.round(w * dpr);
  timelineCanvas.height = Math.round(hgt * dpr);
  timelineCanvas.style.height = `${hgt}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  const scale = (w - left - 4) / tl.endUs;
  ctx.font = theme.font;
  const seen = new Set<string>();
  tl.threads.forEach((th, i) => {
    ctx.fillStyle = theme.fg;
    ctx.fillText(th.label, 2, i * rowH + 10);
    th.segments.forEach(([at, si], j) => {
      const state = tl.states[si] ?? '';
      const key = STATE_COLORS[state];
      if (!key || at >= tl.endUs) return;
      const end = Math.min(tl.endUs, j + 1 < th.segments.length ? th.segments[j + 1][0] : tl.endUs);
      seen.add(state);
      ctx.fillStyle = String(theme[key]);
      ctx.fillRect(left + at * scale, i * rowH + 2, Math.max(1, (end - at) * scale), rowH - 3);
    });
  });
  // Legend and time axis.
  let x = left;
  const y = tl.threads.length * rowH + 8;
  ctx.fillStyle = theme.fg;
  ctx.fillText(`0 … ${fmtUs(tl.endUs)} (A: ${comparison()?.a.label ?? ''}; blank = user space or idle)`, left, y + 4);
  for (const state of Object.keys(STATE_COLORS)) {
    if (!seen.has(state)) continue;
    ctx.fillStyle = String(theme[STATE_COLORS[state]]);
    ctx.fillRect(x, y + 12, 10, 10);
    ctx.fillStyle = theme.fg;
    ctx.fillText(state, x + 13, y + 21);
    x += 13 + ctx.measureText(state).width + 12;
  }
}

// ---------------------------------------------------------------- fallbacks
function renderFallbacks(): void {
  const rows = plan?.fallbacks ?? [];
  fallbackNone.hidden = rows.length > 0;
  fallbackTable.hidden = rows.length === 0;
  fallbackTable.replaceChildren(
    h('thead', {}, h('tr', {}, h('th', { text: 'line' }), h('th', { text: 'falls back when' }), h('th', { text: 'why' }))),
    h('tbody', {}, ...rows.map((f) => {
      const tr = h('tr', { class: 'fallback', tabindex: '0', 'data-line': String(f.line), title: `Reveal line ${f.line} in the editor` },
        h('td', { class: 'num', text: String(f.line) }),
        h('td', {}, h('code', { text: f.condition }), h('span', { class: 'badge', text: f.kind })),
        h('td', { class: 'why' }, ...inlineCode(f.why)));
      const reveal = () => vscode.postMessage({ type: 'reveal', line: f.line });
      tr.addEventListener('click', reveal);
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); reveal(); } });
      return tr;
    })),
  );
}

/** The catalogue's texts mark code with backticks (Markdown): show it as code, as text nodes only. */
function inlineCode(text: string): (Node | string)[] {
  return text.split('`').map((part, i) => (i % 2 ? h('code', { text: part }) : part));
}

// ---------------------------------------------------------------- export
function fileStem(): string {
  return `${profile?.function ?? 'path'}-${comparisonId || 'comparison'}-seed${seed}`;
}

exportJson.addEventListener('click', () => {
  const ctx = reportContext();
  if (!ctx) return;
  vscode.postMessage({ type: 'export', format: 'json', name: `${fileStem()}.json`, data: toJson(ctx, snaps.A?.result, snaps.B?.result) });
});
exportCsv.addEventListener('click', () => {
  const ctx = reportContext();
  if (!ctx) return;
  vscode.postMessage({ type: 'export', format: 'csv', name: `${fileStem()}.csv`, data: toCsv(ctx, snaps.A?.result, snaps.B?.result) });
});
exportPng.addEventListener('click', () => {
  const data = chartsPng();
  if (!data) {
    statusLine.textContent = 'No chart to export yet.';
    return;
  }
  vscode.postMessage({ type: 'export', format: 'png', name: `${fileStem()}.png`, data });
});
copySummary.addEventListener('click', () => {
  const text = summaryText();
  if (!text) {
    statusLine.textContent = 'No results to summarise yet.';
    return;
  }
  vscode.postMessage({ type: 'copy', text });
  statusLine.textContent = text;
});

/** All charts stacked into one PNG with their titles (base64, no data: prefix). */
function chartsPng(): string | null {
  const parts = Object.values(charts).map((c) => ({ title: c.spec.title, canvas: c.canvas() })).filter((p): p is { title: string; canvas: HTMLCanvasElement } => !!p.canvas);
  if (!timelineCanvas.hidden) parts.push({ title: 'Lock timeline', canvas: timelineCanvas });
  if (!parts.length) return null;
  const pad = 8;
  const titleH = 18;
  const width = Math.max(...parts.map((p) => p.canvas.width)) + 2 * pad;
  const height = parts.reduce((s, p) => s + p.canvas.height + titleH + pad, pad + titleH);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = getComputedStyle(document.body).backgroundColor || '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = theme.fg;
  ctx.font = `bold 13px ${getComputedStyle(document.body).fontFamily}`;
  const c = comparison();
  ctx.fillText(`${profile?.function ?? ''}: A = ${c?.a.label ?? ''}, B = ${c?.b.label ?? ''} (seed ${seed})`, pad, pad + 12);
  let y = pad + titleH;
  for (const p of parts) {
    ctx.fillText(p.title, pad, y + 13);
    y += titleH;
    ctx.drawImage(p.canvas, pad, y);
    y += p.canvas.height + pad;
  }
  return out.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

// ---------------------------------------------------------------- theme and size
new MutationObserver(() => {
  theme = readTheme();
  for (const c of Object.values(charts)) c.setTheme(theme);
  renderCharts();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { for (const c of Object.values(charts)) c.resize(); renderTimeline(); }, 100);
});

// ---------------------------------------------------------------- start
{
  const saved = vscode.getState();
  if (saved !== undefined && saved !== null) {
    const parsed = parse(checkPanelState, saved);
    if (parsed.ok) {
      params = parsed.value.params;
      seed = parsed.value.seed;
      comparisonId = parsed.value.comparison;
      setProfile(parsed.value.profile, true);
    } else {
      log('warn', `ignored a saved state that does not match its schema: ${parsed.error}`);
    }
  }
  // A new panel carries its profile in the page (no round trip); a restored one has its state.
  const embedded = document.body.dataset.profile;
  if (embedded && !profile) {
    let data: unknown;
    try {
      data = JSON.parse(embedded);
    } catch {
      data = undefined;
    }
    const parsed = parse(checkProfile, data);
    if (parsed.ok) setProfile(parsed.value, false);
    else log('warn', `ignored a malformed profile in the page: ${parsed.error}`);
  }
  setStatus('idle', '');
  void workerStarted.then(maybeRun);
  vscode.postMessage({ type: 'ready' });
}
