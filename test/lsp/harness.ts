/**
 * Drives the real language server (dist/server.js, as the extension ships
 * it) over stdio with a real JSON-RPC client, the way an editor would: it
 * answers the server's requests (configuration, progress tokens, refreshes)
 * and records what the server sends.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { StatusParams } from '../../server/src/lsp/protocol';
import { RULES } from '../../server/src/rules/index';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const serverPath = path.join(repoRoot, 'dist', 'server.js');
export const examplesDir = path.join(repoRoot, 'examples');

export const uriOf = (p: string) => pathToFileURL(p).href;

export interface StartOptions {
  /** The server bundle to run (default: dist/server.js). */
  serverPath?: string;
  /** Node options for the server process (e.g. a heap limit). */
  nodeArgs?: string[];
  workspace?: string;
  settings?: Record<string, unknown>;
  initializationOptions?: Record<string, unknown>;
  /** Declare `workspace/configuration` support (default true). */
  configuration?: boolean;
  /** Called when the server asks `window/workDoneProgress/create`. */
  onProgressCreate?: (token: string | number) => void;
}

export type Event =
  | { kind: 'diagnostics'; params: PublishDiagnosticsParams }
  | { kind: 'status'; params: StatusParams }
  | { kind: 'log'; type: number; message: string }
  | { kind: 'showMessage'; type: number; message: string }
  | { kind: 'progress'; token: string | number; value: { kind: string; title?: string; message?: string; percentage?: number; cancellable?: boolean } }
  | { kind: 'request'; method: string; params: unknown };

export class ServerUnderTest {
  readonly events: Event[] = [];
  readonly stderr: string[] = [];
  private waiters: { pred: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  settings: Record<string, unknown>;
  exited: number | string | null = null;

  private constructor(readonly child: ChildProcess, readonly conn: MessageConnection, readonly opts: StartOptions) {
    this.settings = opts.settings ?? {};
  }

  static async start(opts: StartOptions = {}): Promise<ServerUnderTest> {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.serverPath ?? serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const s = new ServerUnderTest(child, conn, opts);
    child.stderr!.on('data', (d: Buffer) => s.stderr.push(d.toString()));
    child.on('exit', (code, signal) => { s.exited = code ?? signal; });
    conn.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => s.push({ kind: 'diagnostics', params }));
    conn.onNotification('mmLockLens/status', (params: StatusParams) => s.push({ kind: 'status', params }));
    conn.onNotification('window/logMessage', (p: { type: number; message: string }) => s.push({ kind: 'log', ...p }));
    conn.onNotification('window/showMessage', (p: { type: number; message: string }) => s.push({ kind: 'showMessage', ...p }));
    conn.onNotification('$/progress', (p: { token: string | number; value: never }) => s.push({ kind: 'progress', token: p.token, value: p.value }));
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => {
      s.push({ kind: 'request', method: 'workspace/configuration', params: p });
      return p.items.map((i) => (i.section === 'mmLockLens' ? s.settings : null));
    });
    conn.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
      s.push({ kind: 'request', method: 'window/workDoneProgress/create', params: p });
      opts.onProgressCreate?.(p.token);
      return null;
    });
    for (const m of ['client/registerCapability', 'workspace/inlayHint/refresh', 'workspace/codeLens/refresh', 'window/showMessageRequest']) {
      conn.onRequest(m, (p: unknown) => { s.push({ kind: 'request', method: m, params: p }); return null; });
    }
    conn.listen();
    const root = opts.workspace;
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: root ? uriOf(root) : null,
      workspaceFolders: root ? [{ uri: uriOf(root), name: path.basename(root) }] : null,
      initializationOptions: opts.initializationOptions ?? { docsBaseUri: uriOf(path.join(repoRoot, 'docs', 'rules')) + '/' },
      capabilities: {
        workspace: {
          configuration: opts.configuration ?? true,
          didChangeConfiguration: { dynamicRegistration: true },
          inlayHint: { refreshSupport: true },
          codeLens: { refreshSupport: true },
          workspaceFolders: true,
        },
        window: { workDoneProgress: true, showMessage: {} },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, versionSupport: true },
          synchronization: { didSave: false },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          inlayHint: {},
          codeLens: {},
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
        },
      },
    });
    void conn.sendNotification('initialized', {});
    return s;
  }

  private push(e: Event) {
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }

  /** Resolves with the first event (already seen since `from`, or coming) that matches. */
  waitFor<E extends Event>(pred: (e: Event) => e is E, what: string, timeoutMs?: number, from?: number): Promise<E>;
  waitFor(pred: (e: Event) => boolean, what: string, timeoutMs?: number, from?: number): Promise<Event>;
  waitFor(pred: (e: Event) => boolean, what: string, timeoutMs = 15000, from = 0): Promise<Event> {
    const seen = this.events.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (e: Event) => { clearTimeout(t); resolve(e); } };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; server log:\n${this.logText().slice(-3000)}\nstderr: ${this.stderr.join('').slice(-2000)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Waits until indexing has finished (status `ready`). */
  ready(timeoutMs = 30000) {
    return this.waitFor((e) => e.kind === 'status' && e.params.state === 'ready', 'status ready', timeoutMs);
  }

  /** The next diagnostics published for `uri` after event index `from`, optionally matching. */
  async diagnostics(uri: string, from = 0, pred: (d: Diagnostic[]) => boolean = () => true, timeoutMs = 15000): Promise<Diagnostic[]> {
    const e = await this.waitFor((ev) => ev.kind === 'diagnostics' && ev.params.uri === uri && pred(ev.params.diagnostics), `diagnostics for ${uri}`, timeoutMs, from);
    return (e as Extract<Event, { kind: 'diagnostics' }>).params.diagnostics;
  }

  /** The diagnostics last published for `uri` (undefined when none were). */
  lastDiagnostics(uri: string): Diagnostic[] | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.kind === 'diagnostics' && e.params.uri === uri) return e.params.diagnostics;
    }
    return undefined;
  }

  logText(): string {
    return this.events.filter((e) => e.kind === 'log' || e.kind === 'showMessage').map((e) => (e as { message: string }).message).join('\n');
  }

  open(file: string, text = fs.readFileSync(file, 'utf8'), version = 1): { uri: string; text: string } {
    const uri = uriOf(file);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
    return { uri, text };
  }

  /** A request; rejects after `timeoutMs` so a server that stops answering fails the test instead of hanging it. */
  request<R = unknown>(method: string, params: unknown, timeoutMs = 15000): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      (this.conn.sendRequest(method, params) as Promise<R>).finally(() => clearTimeout(timer)),
      new Promise<R>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer to ${method} within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  }

  notify(method: string, params: unknown): void {
    void this.conn.sendNotification(method, params);
  }

  async stop(): Promise<void> {
    if (this.exited === null) {
      try {
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
        void this.conn.sendNotification('exit');
      } catch { /* already gone */ }
      await new Promise<void>((r) => {
        if (this.exited !== null) return r();
        const t = setTimeout(() => { this.child.kill('SIGKILL'); r(); }, 3000);
        this.child.once('exit', () => { clearTimeout(t); r(); });
      });
    }
    this.conn.dispose();
  }
}

/**
 * `/* expect: RULE *\/` markers of a fixture: 0-based line and rule id, for the
 * rules the analysis has (a marker for a rule not written yet waits for it).
 */
export function expectations(text: string): { line: number; rule: string }[] {
  const known = new Set(RULES.map((r) => r.id));
  const out: { line: number; rule: string }[] = [];
  text.split('\n').forEach((l, i) => {
    for (const m of l.matchAll(/expect:\s*([a-z0-9-]+)/g)) if (known.has(m[1]!)) out.push({ line: i, rule: m[1]! });
  });
  return out;
}

/** Position (0-based) of the first occurrence of `needle` in `text`, plus `delta` characters. */
export function positionOf(text: string, needle: string, delta = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not in text`);
  const before = text.slice(0, i + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

/** Applies LSP text edits (non-overlapping, ranges in the original text) to a text. */
export function applyEdits(text: string, edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const off = (p: { line: number; character: number }) => (lineStarts[p.line] ?? text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}
