/**
 * The language server: an adapter between LSP and the analysis host. It does
 * the I/O (reading the workspace, tracking open documents), converts
 * positions and shapes, and asks the host every question about locks: no
 * lock knowledge lives here.
 *
 * Robustness: every handler is wrapped so that an exception in the analysis
 * is logged and answered with an empty result; bad parameters get an
 * InvalidParams error or null, never a crash.
 */
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import {
  CodeAction, CodeActionKind, CodeLens, Connection, Diagnostic, DiagnosticSeverity, FileChangeType,
  InitializeParams, InitializeResult, InlayHint, Location, MarkupKind, Position, Range, ResponseError, ErrorCodes,
  TextDocumentSyncKind, DidChangeConfigurationNotification, CodeLensRefreshRequest, TextEdit as LspTextEdit,
  WorkDoneProgressServerReporter, DidChangeConfigurationParams, DidOpenTextDocumentParams, DidChangeTextDocumentParams,
  DidCloseTextDocumentParams, DidChangeWatchedFilesParams, HoverParams, InlayHintParams, CodeLensParams, CodeActionParams,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalysisHost, TextEdit as HostEdit } from '../core/host';
import type { Finding } from '../core/types';
import { anonVmaPrepareFixes, ignoreFix, Fix } from './fixes';
import {
  Commands, DiagnosticSource, FunctionProfileParams, FunctionProfileRequest, FunctionProfileResult, InitializationOptions,
  StatusNotification, StatusParams,
} from './protocol';
import { compileExcludes, DiagnosticLevel, parseSettings, Settings, defaultSettings } from './settings';
import { readSource as readSourceNow } from '../node/files';
import { findKernelMakefile, listCFiles, readSource } from './workspace';

/** The host's methods that change what it answers. */
const MUTATORS = new Set(['setFile', 'indexFile', 'editFile', 'removeFile', 'setMakefile', 'setKernelVersion', 'setSkippedFile']);
/** The same host, calling `changed` before each mutation (so the server's caches know they are stale). */
function countingChanges<H extends object>(h: H, changed: () => void): H {
  return new Proxy(h, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (typeof prop === 'string' && MUTATORS.has(prop)) return (...args: unknown[]) => { changed(); return (v as (...a: unknown[]) => unknown).apply(target, args); };
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** The rule whose quick fix rewrites the call (its id is part of the analysis' interface). */
const ANON_VMA_RULE = 'anon-vma-prepare-under-vma-lock';
/** Idle time after an edit before other files' diagnostics are re-checked. */
const DEPENDENTS_DELAY_MS = 250;

const SEVERITY: Record<Exclude<DiagnosticLevel, 'off'>, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));
/** `filesRead` is called once each indexing run has read the workspace's files (before the analysis of them). */
export function startServer(connection: Connection, createHost: () => Promise<AnalysisHost>, filesRead?: () => void): void {
  let host: AnalysisHost | undefined;
  let hostError: string | undefined;
  let options: InitializationOptions = {};
  let settings: Settings = defaultSettings();
  let settingsProblems: string[] = [];
  let shownProblems = '';
  let folders: string[] = [];
  let kernelTreeRoot: string | undefined;
  const caps = { configuration: false, progress: false, related: false, codeDescription: false, inlayRefresh: false, lensRefresh: false, dynamicConfig: false };

  const docs = new Map<string, TextDocument>();
  const pathByUri = new Map<string, string>();
  const uriByPath = new Map<string, string>();
  /** Last published diagnostics per URI, as JSON, to skip re-sending what did not change. */
  const published = new Map<string, string>();
  /** Files found on disk by the indexer (absolute paths). */
  const indexed = new Set<string>();

  /** Bumped on every change handed to the host: cached answers of an older generation are stale. */
  let hostGen = 0;
  const hintCache = new Map<string, { gen: number; hints: ReturnType<AnalysisHost['lockHints']> }>();
  function lockHintsOf(p: string) {
    const c = hintCache.get(p);
    if (c && c.gen === hostGen) return c.hints;
    const hints = host!.lockHints(p);
    hintCache.set(p, { gen: hostGen, hints });
    return hints;
  }

  const status: StatusParams = {
    state: 'starting', done: 0, total: 0, files: 0, kernelVersion: '', kernelVersionSource: 'default', settingsProblems: [],
  };

  const log = (msg: string) => connection.console.log(msg);
  const logError = (what: string, e: unknown) => connection.console.error(`${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);

  /** Runs a handler; an exception is logged and answered with `fallback`. */
  function guard<P extends unknown[], R>(what: string, fallback: R, fn: (...args: P) => R | Promise<R>) {
    return async (...args: P): Promise<R> => {
      try {
        return await fn(...args);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        logError(what, e);
        return fallback;
      }
    };
  }

  // ---- paths and URIs -------------------------------------------------------

  function pathOf(uri: string, languageId?: string): string | undefined {
    const known = pathByUri.get(uri);
    if (known) return known;
    let p: string;
    if (uri.startsWith('file:')) {
      try { p = path.normalize(fileURLToPath(uri)); } catch { return undefined; }
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
      // untitled:, vscode-notebook-cell: ... get a stable pseudo path the analysis sees as C.
      p = `/${uri.replace(/[:?#]/g, '_')}`;
      if (languageId && !/\.[ch]$/.test(p)) p += '.c';
    } else return undefined;
    pathByUri.set(uri, p);
    uriByPath.set(p, uri);
    return p;
  }

  function uriOf(p: string): string {
    const known = uriByPath.get(p);
    if (known) return known;
    const uri = pathToFileURL(p).href;
    uriByPath.set(p, uri);
    pathByUri.set(uri, p);
    return uri;
  }

  // ---- status ---------------------------------------------------------------

  let statusTimer: NodeJS.Timeout | undefined;
  let lastStatusSent = 0;
  function sendStatus(now = false) {
    if (host) {
      try {
        const kv = host.kernelVersion();
        status.kernelVersion = kv.version;
        status.kernelVersionSource = kv.source;
        status.kernelVersionNote = kv.note;
        status.files = host.files().length;
      } catch (e) { logError('kernelVersion', e); }
    }
    status.settingsProblems = settingsProblems;
    const send = () => { statusTimer = undefined; lastStatusSent = Date.now(); void connection.sendNotification(StatusNotification, { ...status }); };
    if (now || Date.now() - lastStatusSent > 250) { if (statusTimer) clearTimeout(statusTimer); send(); }
    else statusTimer ??= setTimeout(send, 250);
  }

  // ---- diagnostics ----------------------------------------------------------

  function toRange(line: number, column: number, endLine: number, endColumn: number): Range {
    const start = Position.create(Math.max(0, line - 1), Math.max(0, column - 1));
    let end = Position.create(Math.max(0, endLine - 1), Math.max(0, endColumn - 1));
    if (end.line < start.line || (end.line === start.line && end.character < start.character)) end = start;
    return { start, end };
  }

  function docLink(rule: string): string | undefined {
    if (!options.docsBaseUri || !/^[a-z0-9-]+$/.test(rule)) return undefined;
    return `${options.docsBaseUri.replace(/\/?$/, '/')}${rule}.md`;
  }

  function toDiagnostic(f: Finding): Diagnostic | undefined {
    if (settings.disabledRules.has(f.rule)) return undefined;
    const level = settings.severityOverrides.get(f.rule) ?? (f.severity === 'info' ? 'info' : f.severity);
    if (level === 'off') return undefined;
    const d: Diagnostic = {
      range: toRange(f.line, f.column, f.endLine, f.endColumn),
      severity: SEVERITY[level],
      code: f.rule,
      source: DiagnosticSource,
      message: f.message,
      data: { rule: f.rule },
    };
    const href = docLink(f.rule);
    if (href && caps.codeDescription) d.codeDescription = { href };
    if (f.related.length) {
      if (caps.related) {
        d.relatedInformation = f.related.map((r) => ({
          location: Location.create(uriOf(r.file), toRange(r.line, r.column, r.line, r.column)),
          message: r.message,
        }));
      } else {
        d.message += '\n' + f.related.map((r) => `  ${r.file}:${r.line}:${r.column}: ${r.message}`).join('\n');
      }
    }
    return d;
  }

  function diagnosticsFor(p: string, open: boolean): Diagnostic[] {
    if (!host) return [];
    const reason = host.skipReason(p);
    if (reason !== null) {
      return open ? [{
        range: toRange(1, 1, 1, 1), severity: DiagnosticSeverity.Information, source: DiagnosticSource, code: 'not-analysed',
        message: `mm-lock-lens does not analyse this file: ${reason}`,
      }] : [];
    }
    const out: Diagnostic[] = [];
    for (const f of host.findings(p)) {
      const d = toDiagnostic(f);
      if (d) out.push(d);
    }
    if (open && host.hasParseErrors(p)) {
      // Errors between functions (macros at file scope) cost the analysis nothing: say something only
      // when a function body is affected, or when no function could be found at all, and point at it.
      const { functions, broken } = host.parseErrors(p);
      if (broken.length || !functions) {
        const names = broken.slice(0, 3).map((f) => `${f.name}()`).join(', ') + (broken.length > 3 ? `, and ${broken.length - 3} more` : '');
        const first = broken[0];
        out.push({
          range: first ? toRange(first.line, first.column, first.endLine, first.endColumn) : toRange(1, 1, 1, 1),
          severity: DiagnosticSeverity.Information, source: DiagnosticSource, code: 'parse-errors',
          message: broken.length
            ? `mm-lock-lens: ${names} could not be parsed as C in full (unbalanced braces or macros it cannot see through); their lock context may be incomplete`
            : 'mm-lock-lens: this file could not be parsed as C (no function definition found); it has no lock context',
        });
      }
    }
    return out;
  }

  /** Publishes a file's diagnostics; `force` sends even when unchanged (the edited document). */
  function publish(p: string, force: boolean): void {
    const uri = uriOf(p);
    const doc = docs.get(uri);
    let diagnostics: Diagnostic[];
    try {
      diagnostics = diagnosticsFor(p, doc !== undefined);
    } catch (e) {
      logError(`diagnostics of ${p}`, e);
      diagnostics = [];
    }
    const key = JSON.stringify(diagnostics);
    const before = published.get(uri);
    if (!force && (before ?? '[]') === key) return;
    if (key === '[]' && !doc) published.delete(uri); else published.set(uri, key);
    void connection.sendDiagnostics({ uri, version: doc?.version, diagnostics });
  }

  function clearDiagnostics(uri: string) {
    if (published.delete(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Re-checks every file the analysis holds (an edit may change what its callers or callees are entered with). */
  let sweepGeneration = 0;
  async function publishAll(firstOpen = true): Promise<void> {
    const gen = ++sweepGeneration;
    if (!host) return;
    const openPaths = [...docs.keys()].map((u) => pathByUri.get(u)).filter((p): p is string => !!p);
    const files = firstOpen ? [...openPaths, ...host.files().filter((f) => !openPaths.includes(f))] : host.files();
    let last = Date.now();
    for (const p of files) {
      if (gen !== sweepGeneration) return; // superseded by a newer edit or setting
      publish(p, false);
      if (Date.now() - last > 15) { await yieldToEventLoop(); last = Date.now(); }
    }
    // Files that left the analysis keep no stale diagnostics.
    const known = new Set(host.files().map(uriOf));
    for (const uri of [...published.keys()]) if (!known.has(uri) && !docs.has(uri)) clearDiagnostics(uri);
  }

  let dependentsTimer: NodeJS.Timeout | undefined;
  function scheduleDependents() {
    if (dependentsTimer) clearTimeout(dependentsTimer);
    sweepGeneration++; // a running sweep restarts after the quiet period
    dependentsTimer = setTimeout(() => {
      dependentsTimer = undefined;
      const gen = sweepGeneration + 1;
      void publishAll(false).then(() => {
        if (gen !== sweepGeneration) return;
        // An edit may change what other open documents' functions are entered under.
        if (docs.size > 1) { refreshCodeLenses(); refreshInlayHints(); }
        collectGarbageWhenIdle();
      }).catch((e) => logError('re-publishing', e));
    }, DEPENDENTS_DELAY_MS);
  }

  /**
   * Each re-analysis leaves the previous one as garbage, and V8 lets the heap
   * grow far past the live data before collecting. When the server runs with
   * --expose-gc (the client starts it so), a quiet moment after edits is used
   * to collect once the heap has grown half again over the last live size.
   */
  let liveHeap = 0;
  function collectGarbageWhenIdle() {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) return;
    const used = process.memoryUsage().heapUsed;
    if (liveHeap && used < liveHeap * 1.5) return;
    gc();
    liveHeap = process.memoryUsage().heapUsed;
  }

  const pendingPublish = new Set<string>();
  function schedulePublish(p: string) {
    if (pendingPublish.has(p)) return;
    pendingPublish.add(p);
    // Coalesces the changes of one burst of messages into one analysis.
    setImmediate(() => {
      pendingPublish.delete(p);
      publish(p, true);
      sendStatus();
    });
  }

  // ---- settings -------------------------------------------------------------

  function applySettings(raw: unknown, reason: string): void {
    const before = settings;
    const parsed = parseSettings(raw);
    settings = parsed.settings;
    settingsProblems = parsed.problems;
    for (const p of settingsProblems) connection.console.warn(p);
    const problemsKey = settingsProblems.join('\n');
    if (problemsKey && problemsKey !== shownProblems) {
      void connection.window.showWarningMessage(`mm-lock-lens settings: ${settingsProblems.join('; ')}`);
    }
    shownProblems = problemsKey;
    if (!host) return;
    if (before.kernelVersion !== settings.kernelVersion || reason === 'initial') host.setKernelVersion(settings.kernelVersion);
    sendStatus(true);
    if (reason === 'initial') return;
    if (before.inlayHints !== settings.inlayHints || before.kernelVersion !== settings.kernelVersion) refreshInlayHints();
    if (before.codeLens !== settings.codeLens || before.kernelVersion !== settings.kernelVersion) refreshCodeLenses();
    if (JSON.stringify(before.exclude) !== JSON.stringify(settings.exclude)) void indexWorkspace();
    else void publishAll().catch((e) => logError('re-publishing', e));
  }

  async function pullSettings(reason: string, pushed?: unknown): Promise<void> {
    let raw: unknown = pushed ?? options.settings;
    if (caps.configuration) {
      try { raw = await connection.workspace.getConfiguration({ section: 'mmLockLens' }); } catch (e) { logError('workspace/configuration', e); }
    }
    applySettings(raw, reason);
  }

  function refreshInlayHints() { if (caps.inlayRefresh) connection.languages.inlayHint.refresh().catch(() => undefined); }
  function refreshCodeLenses() { if (caps.lensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined); }

  // ---- indexing -------------------------------------------------------------

  let indexGeneration = 0;
  let indexing: Promise<void> = Promise.resolve();

  async function detectMakefile(): Promise<void> {
    if (!host) return;
    const starts = folders.length ? folders : [...docs.keys()].map((u) => pathByUri.get(u)).filter((p): p is string => !!p && path.isAbsolute(p)).map((p) => path.dirname(p));
    for (const dir of starts) {
      const found = await findKernelMakefile(dir);
      if (found) {
        kernelTreeRoot = path.dirname(found.file);
        host.setMakefile(found.text);
        log(`kernel tree: ${kernelTreeRoot} (${host.kernelVersion().version} from its Makefile)`);
        return;
      }
    }
    kernelTreeRoot = undefined;
    host.setMakefile(undefined);
  }

  function indexWorkspace(): Promise<void> {
    const gen = ++indexGeneration;
    const run = async () => {
      if (!host) { status.state = 'ready'; sendStatus(true); return; }
      let progress: WorkDoneProgressServerReporter | undefined;
      if (caps.progress) {
        try { progress = await connection.window.createWorkDoneProgress(); } catch { progress = undefined; }
      }
      const cancelled = () => gen !== indexGeneration || (progress?.token.isCancellationRequested ?? false);
      const started = Date.now();
      progress?.begin('mm-lock-lens: indexing', 0, 'looking for C files', true);
      status.state = 'indexing'; status.done = 0; status.total = 0;
      sendStatus(true);
      try {
        await detectMakefile();
        const excluded = compileExcludes(settings.exclude);
        const files: string[] = [];
        for (const folder of folders) files.push(...await listCFiles(folder, excluded, cancelled));
        status.total = files.length;
        const wanted = new Set(files);
        // Files now excluded or gone leave the analysis (open documents stay: the editor owns them).
        for (const p of [...indexed]) {
          if (!wanted.has(p)) { indexed.delete(p); if (!docs.has(uriOf(p))) { host.removeFile(p); clearDiagnostics(uriOf(p)); } }
        }
        let skipped = 0;
        let last = Date.now();
        const step = () => {
          status.done++;
          if (Date.now() - last > 100) {
            progress?.report(Math.floor((100 * status.done) / files.length), `${status.done}/${files.length} files`);
            sendStatus();
            last = Date.now();
          }
        };
        let lastYield = Date.now();
        // Open documents come from the editor, not the disk. Indexing runs no tree-sitter
        // (bodies are parsed when the analysis first needs them): all of mm/ takes about
        // 0.35 s, yielding to the event loop every 50 ms so requests and cancellation get through.
        // Files are read on this thread, as the CLI reads them (sooner than the thread pool's
        // trips: about 50 ms over mm/).
        for (let i = 0; i < files.length; i++) {
          const file = files[i]!;
          if (cancelled()) break;
          if (docs.has(uriOf(file))) { indexed.add(file); step(); continue; }
          const r = readSourceNow(file);
          if ('text' in r) { host.indexFile(file, r.text); indexed.add(file); }
          else { skipped++; log(`skipped ${file}: ${r.skip}`); }
          step();
          if (Date.now() - lastYield > 50) { await yieldToEventLoop(); lastYield = Date.now(); }
        }
        const wasCancelled = cancelled();
        filesRead?.();
        log(`indexing ${wasCancelled ? 'cancelled' : 'done'}: ${status.done}/${files.length} files read and parsed, ${skipped} skipped, ${Date.now() - started} ms`);
        if (!wasCancelled || gen === indexGeneration) {
          progress?.report(100, 'checking');
          await publishAll();
          // Lenses and hints asked for while indexing saw only part of the callers: ask the editor to ask again.
          refreshCodeLenses();
          refreshInlayHints();
        }
        log(`diagnostics published: ${Date.now() - started} ms after indexing started`);
      } finally {
        progress?.done();
        if (gen === indexGeneration) { status.state = 'ready'; sendStatus(true); }
      }
      // Once the editor has heard that we are ready, not before: the full collection (0.1-0.2 s
      // over mm/), then the contexts findings did not need (the first lens or hover would wait
      // for them; about 0.1 s over mm/; after the collection, so the peak stays where it was).
      setImmediate(() => {
        collectGarbageWhenIdle();
        try { host?.complete(); } catch (e) { logError('completing the analysis', e); }
      });
    };
    indexing = indexing.then(run, run).catch((e) => logError('indexing', e));
    return indexing;
  }

  // ---- lifecycle ------------------------------------------------------------

  connection.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
    const c = params.capabilities;
    caps.configuration = !!c.workspace?.configuration;
    caps.dynamicConfig = !!c.workspace?.didChangeConfiguration?.dynamicRegistration;
    caps.progress = !!c.window?.workDoneProgress;
    caps.related = !!c.textDocument?.publishDiagnostics?.relatedInformation;
    caps.codeDescription = !!c.textDocument?.publishDiagnostics?.codeDescriptionSupport;
    caps.inlayRefresh = !!c.workspace?.inlayHint?.refreshSupport;
    caps.lensRefresh = !!c.workspace?.codeLens?.refreshSupport;
    const io = params.initializationOptions;
    if (io && typeof io === 'object' && !Array.isArray(io)) {
      const o = io as Record<string, unknown>;
      options = {
        docsBaseUri: typeof o.docsBaseUri === 'string' ? o.docsBaseUri : undefined,
        simulateCommand: o.simulateCommand === true,
        settings: o.settings,
      };
    }
    const wf = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : []);
    folders = wf.map((f) => { try { return fileURLToPath(f.uri); } catch { return ''; } }).filter((p) => p !== '');
    try {
      host = countingChanges(await createHost(), () => { hostGen++; });
    } catch (e) {
      hostError = e instanceof Error ? e.message : String(e);
      logError('starting the analysis', e);
      void connection.window.showErrorMessage(`mm-lock-lens: the analysis could not start: ${hostError}`);
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        inlayHintProvider: { resolveProvider: false },
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'mm-lock-lens', version: '0.1.0' },
    };
  });

  connection.onInitialized(guard('initialized', undefined, async () => {
    if (caps.dynamicConfig) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'mmLockLens' }).catch(() => undefined);
    if (folders.length) {
      try {
        connection.workspace.onDidChangeWorkspaceFolders((e) => {
          for (const r of e.removed) { try { folders = folders.filter((f) => f !== fileURLToPath(r.uri)); } catch { /* not a file URI */ } }
          for (const a of e.added) { try { folders.push(fileURLToPath(a.uri)); } catch { /* not a file URI */ } }
          void indexWorkspace();
        });
      } catch { /* client without workspace folder notifications */ }
    }
    await pullSettings('initial');
    await indexWorkspace();
  }));

  connection.onDidChangeConfiguration(guard('didChangeConfiguration', undefined, async (params: DidChangeConfigurationParams) => {
    const pushed = params?.settings && typeof params.settings === 'object' ? (params.settings as Record<string, unknown>).mmLockLens : undefined;
    await pullSettings('changed', pushed);
  }));

  // ---- documents ------------------------------------------------------------

  connection.onDidOpenTextDocument(guard('didOpen', undefined, async (params: DidOpenTextDocumentParams) => {
    const td = params?.textDocument;
    if (!td || typeof td.uri !== 'string' || typeof td.text !== 'string') { log('didOpen without a text document: ignored'); return; }
    const p = pathOf(td.uri, td.languageId);
    if (!p) { log(`didOpen: cannot map ${td.uri} to a path: ignored`); return; }
    const version = typeof td.version === 'number' ? td.version : 0;
    docs.set(td.uri, TextDocument.create(td.uri, td.languageId ?? 'c', version, td.text));
    if (!host) return;
    if (!folders.length && !kernelTreeRoot) await detectMakefile();
    host.setFile(p, td.text);
    schedulePublish(p);
    scheduleDependents();
  }));

  connection.onDidChangeTextDocument(guard('didChange', undefined, (params: DidChangeTextDocumentParams) => {
    const uri = params?.textDocument?.uri;
    const doc = typeof uri === 'string' ? docs.get(uri) : undefined;
    if (!doc || !uri) { log(`didChange for a document that is not open (${String(uri)}): ignored`); return; }
    const version = params.textDocument.version;
    if (typeof version === 'number' && version <= doc.version) {
      log(`didChange for ${uri}: version ${version} is not newer than ${doc.version}: ignored`);
      return;
    }
    const p = pathByUri.get(uri)!;
    let cur = doc;
    const edits: HostEdit[] = [];
    let full = false;
    for (const change of Array.isArray(params.contentChanges) ? params.contentChanges : []) {
      if (!change || typeof change.text !== 'string') continue;
      if ('range' in change && change.range) {
        const startOffset = cur.offsetAt(change.range.start);
        const endOffset = cur.offsetAt(change.range.end);
        edits.push({ startOffset, endOffset, newText: change.text });
      } else full = true;
      cur = TextDocument.update(cur, [change], typeof version === 'number' ? version : cur.version + 1);
    }
    docs.set(uri, cur);
    if (!host) return;
    if (full) host.setFile(p, cur.getText());
    else if (edits.length) {
      try {
        host.editFile(p, edits);
      } catch (e) {
        logError(`incremental update of ${p} (re-reading the whole text instead)`, e);
        host.setFile(p, cur.getText());
      }
    }
    schedulePublish(p);
    scheduleDependents();
  }));

  connection.onDidCloseTextDocument(guard('didClose', undefined, async (params: DidCloseTextDocumentParams) => {
    const uri = params?.textDocument?.uri;
    if (typeof uri !== 'string' || !docs.delete(uri)) return;
    const p = pathByUri.get(uri);
    if (!p || !host) return;
    if (indexed.has(p)) {
      // Back to the text on disk (the editor may have had unsaved changes).
      const r = await readSource(p);
      if ('text' in r) host.indexFile(p, r.text); else { host.removeFile(p); indexed.delete(p); }
      publish(p, true);
    } else {
      host.removeFile(p);
      clearDiagnostics(uri);
    }
    scheduleDependents();
  }));

  connection.onDidChangeWatchedFiles(guard('didChangeWatchedFiles', undefined, async (params: DidChangeWatchedFilesParams) => {
    if (!host) return;
    const excluded = compileExcludes(settings.exclude);
    let any = false;
    for (const ch of params?.changes ?? []) {
      const p = pathOf(ch.uri);
      if (!p) continue;
      if (path.basename(p) === 'Makefile') { await detectMakefile(); refreshInlayHints(); refreshCodeLenses(); any = true; continue; }
      if (!/\.[ch]$/.test(p) || docs.has(ch.uri)) continue;
      const folder = folders.find((f) => p.startsWith(f + path.sep));
      if (!folder || excluded(path.relative(folder, p).split(path.sep).join('/'))) continue;
      if (ch.type === FileChangeType.Deleted) {
        host.removeFile(p); indexed.delete(p); clearDiagnostics(ch.uri);
      } else {
        const r = await readSource(p);
        if ('text' in r) { host.indexFile(p, r.text); indexed.add(p); } else { host.removeFile(p); indexed.delete(p); }
      }
      any = true;
    }
    if (any) { scheduleDependents(); sendStatus(); }
  }));

  // ---- queries --------------------------------------------------------------

  function openDoc(uri: unknown): { doc: TextDocument; p: string } | undefined {
    if (typeof uri !== 'string') return undefined;
    const doc = docs.get(uri);
    const p = pathByUri.get(uri);
    return doc && p && host ? { doc, p } : undefined;
  }

  function validPosition(pos: unknown): pos is Position {
    const q = pos as Position | undefined;
    return !!q && Number.isInteger(q.line) && Number.isInteger(q.character) && q.line >= 0 && q.character >= 0;
  }

  connection.onHover(guard('hover', null, (params: HoverParams) => {
    const d = openDoc(params?.textDocument?.uri);
    if (!d || !validPosition(params.position)) return null;
    const h = host!.hover(d.p, params.position.line + 1, params.position.character + 1);
    if (!h) return null;
    return { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: toRange(h.line, h.column, h.endLine, h.endColumn) };
  }));

  connection.languages.inlayHint.on(guard('inlayHint', [] as InlayHint[], (params: InlayHintParams) => {
    const d = openDoc(params?.textDocument?.uri);
    if (!d || !settings.inlayHints) return [];
    const r = params.range;
    const from = r?.start?.line ?? 0;
    const to = r?.end?.line ?? Number.MAX_SAFE_INTEGER;
    const hints: InlayHint[] = [];
    for (const h of lockHintsOf(d.p)) {
      const line = h.line - 1;
      if (line < from || line > to) continue;
      hints.push({
        position: Position.create(line, Math.max(0, h.column - 1)),
        label: h.label,
        paddingLeft: true,
        tooltip: h.kind === 'entry'
          ? `Entered with: ${h.states.map((s) => (s.length ? s.join(' + ') : 'no mm lock')).join(' | ')}`
          : `May hold here: ${h.states.map((s) => (s.length ? s.join(' + ') : 'no mm lock')).join(' | ')}`,
      });
    }
    return hints;
  }));

  connection.onCodeLens(guard('codeLens', [] as CodeLens[], (params: CodeLensParams) => {
    const d = openDoc(params?.textDocument?.uri);
    if (!d || !settings.codeLens) return [];
    const lenses: CodeLens[] = [];
    for (const f of host!.functions(d.p)) {
      if (!f.entrySummary) continue;
      const pos = Position.create(f.line - 1, Math.max(0, f.column - 1));
      const range = { start: pos, end: pos };
      const args = [d.doc.uri, pos];
      lenses.push({ range, command: { title: `entered under: ${f.entrySummary}`, command: Commands.showLockContext, arguments: args } });
      if (options.simulateCommand) lenses.push({ range, command: { title: 'Simulate', command: Commands.simulatePath, arguments: args } });
    }
    return lenses;
  }));

  connection.onCodeAction(guard('codeAction', [] as CodeAction[], (params: CodeActionParams) => {
    const d = openDoc(params?.textDocument?.uri);
    if (!d) return [];
    const actions: CodeAction[] = [];
    const text = d.doc.getText();
    const toLsp = (fix: Fix): LspTextEdit[] => fix.edits.map((e) => ({ range: { start: d.doc.positionAt(e.start), end: d.doc.positionAt(e.end) }, newText: e.newText }));
    const only = params.context?.only;
    if (only && !only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
    for (const diag of params.context?.diagnostics ?? []) {
      if (diag?.source !== DiagnosticSource || typeof diag.code !== 'string' || !diag.range) continue;
      const rule = diag.code;
      if (rule === 'not-analysed' || rule === 'parse-errors') continue;
      const offset = d.doc.offsetAt(diag.range.start);
      if (rule === ANON_VMA_RULE) {
        // the definition that contains the finding
        const spans = host!.functions(d.p).map((f) => [
          d.doc.offsetAt(Position.create(f.definition.line - 1, f.definition.column - 1)),
          d.doc.offsetAt(Position.create(f.definition.endLine - 1, f.definition.endColumn - 1)),
        ] as const);
        const span = spans.find(([s, e]) => s <= offset && offset < e);
        if (span) {
          const [fnStart, fnEnd] = span;
          const fixes = anonVmaPrepareFixes({
            text, offset, fnStart, fnEnd,
            kernelVersion: host!.kernelVersion().version, inMm: isInTopMm(d.p),
          });
          for (const fix of fixes) {
            actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diag], isPreferred: fix.preferred, edit: { changes: { [d.doc.uri]: toLsp(fix) } } });
          }
        }
      }
      const ignore = ignoreFix(text, offset, rule);
      actions.push({ title: ignore.title, kind: CodeActionKind.QuickFix, diagnostics: [diag], edit: { changes: { [d.doc.uri]: toLsp(ignore) } } });
      actions.push({ title: `Show documentation for ${rule}`, kind: CodeActionKind.QuickFix, diagnostics: [diag], command: { title: `Show documentation for ${rule}`, command: Commands.openRuleDocumentation, arguments: [rule] } });
    }
    return actions;
  }));

  /** In the tree's own mm/ (where mm/internal.h declares vmf_anon_prepare), not arch/x86/mm/. */
  function isInTopMm(p: string): boolean {
    if (kernelTreeRoot) return path.relative(kernelTreeRoot, p).split(path.sep)[0] === 'mm';
    const parts = p.split(/[\\/]/);
    const i = parts.lastIndexOf('mm');
    return i > 0 && i < parts.length - 1 && parts[i - 2] !== 'arch';
  }

  connection.onRequest(FunctionProfileRequest, guard('functionProfile', null as FunctionProfileResult, (params: FunctionProfileParams) => {
    if (!params || typeof params !== 'object' || typeof params.uri !== 'string' || !validPosition(params.position)) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'mmLockLens/functionProfile expects {uri: string, position: {line, character}} (0-based integers)');
    }
    if (!host) return null;
    let p = pathByUri.get(params.uri);
    if (!p) {
      // Not open: a workspace file the indexer read.
      const q = pathOf(params.uri);
      if (!q || !host.files().includes(q)) return null;
      p = q;
    }
    const profile = host.profileAt(p, params.position.line + 1, params.position.character + 1);
    return profile ? { ...profile, uri: params.uri } : null;
  }));

  connection.onShutdown(() => {
    indexGeneration++;
    sweepGeneration++;
    if (dependentsTimer) clearTimeout(dependentsTimer);
    if (statusTimer) clearTimeout(statusTimer);
  });

  connection.listen();
}
