/**
 * Makes sure VS Code asks for the code lenses of every visible C editor once
 * the server is ready, and of every C editor that becomes visible after that.
 *
 * Why: VS Code's code lens contribution asks a provider through a debounced
 * scheduler (at least 250 ms, then the moving average of the provider's
 * answer times) and cancels that scheduler when the editor's text loses
 * focus; it asks again only when the text gets focus back. So when focus
 * leaves the editor within that delay after the provider was registered, the
 * editor was opened, or the server's `workspace/codeLens/refresh` (sent once
 * indexing is done) arrived, VS Code does not ask: the file shows no lenses
 * until the user clicks into it. Opening the Problems panel when the first
 * diagnostics of the file open at activation appear does exactly that
 * (microsoft/vscode#233221 is this report). Inlay hints have no such cancel.
 *
 * The watch sees every lens request (client middleware). After the server
 * reports ready, and when an editor becomes visible after that, it checks
 * with growing delays that each visible C document was asked since then and
 * fires the provider's change event if one was not: that editor's text is then
 * unfocused, so nothing cancels the request VS Code schedules.
 *
 * No `vscode` import: the extension hands the editor state in, and the unit
 * tests drive it with a fake clock.
 */

export interface LensWatchHost {
  now(): number;
  /** URIs of the documents in visible editors that VS Code would ask this provider's lenses for. */
  visibleDocuments(): string[];
  /** Fires the lens provider's change event for these documents (VS Code then asks their editors again). */
  askAgain(uris: string[]): void;
  setTimer(fn: () => void, ms: number): { dispose(): void };
  log?(message: string): void;
}

/** Delays of the checks after the server is ready or an editor appeared: VS Code's own first request comes 250-400 ms after a change event. */
export const LENS_CHECK_DELAYS_MS = [1000, 2000, 4000, 8000, 16000] as const;

export class LensWatch {
  /** URI → start time of the latest lens request that was answered (not cancelled). */
  private readonly answered = new Map<string, number>();
  /** URI → start time of the latest lens request still running. */
  private readonly running = new Map<string, number>();
  /** URI → the time since when it should have been asked. */
  private readonly due = new Map<string, number>();
  private visible = new Set<string>();
  private ready = false;
  private attempt = 0;
  private timer: { dispose(): void } | undefined;

  constructor(private readonly host: LensWatchHost, private readonly delays: readonly number[] = LENS_CHECK_DELAYS_MS) {}

  /** Call when VS Code asks for a document's lenses; pass what it returns to `finished`. */
  started(uri: string): number {
    const t = this.host.now();
    this.running.set(uri, t);
    return t;
  }

  finished(uri: string, startedAt: number, cancelled: boolean): void {
    if (this.running.get(uri) === startedAt) this.running.delete(uri);
    if (!cancelled && startedAt >= (this.answered.get(uri) ?? -Infinity)) this.answered.set(uri, startedAt);
  }

  /** The server finished indexing (its lens answers may have changed): every visible document is due. */
  serverReady(): void {
    this.ready = true;
    const now = this.host.now();
    this.visible = new Set(this.host.visibleDocuments());
    for (const uri of this.visible) this.due.set(uri, now);
    this.arm();
  }

  /** The server stopped (restart): nothing is due until it is ready again. */
  serverStopped(): void {
    this.ready = false;
    this.due.clear();
    this.running.clear();
    this.answered.clear();
    this.disarm();
  }

  /** The visible editors changed: documents that just became visible are due. */
  visibleChanged(): void {
    const now = this.host.now();
    const before = this.visible;
    this.visible = new Set(this.host.visibleDocuments());
    if (!this.ready) return;
    let added = false;
    for (const uri of this.visible) if (!before.has(uri)) { this.due.set(uri, now); added = true; }
    if (added) this.arm();
  }

  dispose(): void {
    this.disarm();
  }

  private askedSince(uri: string, since: number): boolean {
    return (this.answered.get(uri) ?? -Infinity) >= since || (this.running.get(uri) ?? -Infinity) >= since;
  }

  private arm(): void {
    this.disarm();
    this.attempt = 0;
    this.schedule();
  }

  private disarm(): void {
    this.timer?.dispose();
    this.timer = undefined;
  }

  private schedule(): void {
    const delay = this.delays[this.attempt];
    if (delay === undefined) {
      if (this.due.size) this.host.log?.(`code lenses: VS Code did not ask for ${[...this.due.keys()].join(', ')} after ${this.delays.length} tries; they appear when the editor gets focus`);
      this.due.clear();
      return;
    }
    this.timer = this.host.setTimer(() => { this.timer = undefined; this.check(); }, delay);
  }

  private check(): void {
    this.visible = new Set(this.host.visibleDocuments());
    const missing: string[] = [];
    for (const [uri, since] of this.due) {
      if (!this.visible.has(uri) || this.askedSince(uri, since)) this.due.delete(uri);
      else missing.push(uri);
    }
    if (!missing.length) return;
    this.host.log?.(`code lenses: VS Code has not asked for ${missing.join(', ')} yet (its request is dropped when the editor loses focus): asking again`);
    this.host.askAgain(missing);
    this.attempt++;
    this.schedule();
  }
}
