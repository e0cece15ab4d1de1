/**
 * The host of the "Simulate this path" webview: the `mmLockLens.simulatePath`
 * command (function at the cursor or the `Simulate` code lens's position ->
 * the server's `mmLockLens/functionProfile` -> a panel beside the editor,
 * titled with the function name), the serializer that brings the panel back
 * after a reload, and the page's requests (reveal a line, export, copy).
 *
 * The page runs with a strict CSP (nonce'd script only), may load only the
 * bundle in dist/media, and every message in either direction is checked
 * against its schema; malformed ones are dropped and logged.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { makeNonce, panelHtml } from '../../media/src/html';
import { checkPageToHost, checkPanelState, checkProfile, type HostToPage, type PageToHost, type PanelProfile } from '../../media/src/messages';
import { parse } from '../../media/src/schema';

export const SIMULATE_COMMAND = 'mmLockLens.simulatePath';
export const SIMULATE_VIEW_TYPE = 'mmLockLens.simulatePath';
/** Internal (not in the palette): the panel's last reported status, for tests. */
export const SIMULATE_STATUS_COMMAND = '_mmLockLens.simulatePanelStatus';

export interface LspPosition {
  line: number;
  character: number;
}

export interface SimulatePanelOptions {
  /** Asks the language server for the profile at a position (`mmLockLens/functionProfile`). */
  requestProfile(uri: string, position: LspPosition): Promise<unknown>;
  log?(message: string): void;
}

type Status = Extract<PageToHost, { type: 'status' }>;

class SimulatePanel {
  static current: SimulatePanel | undefined;
  private profile: PanelProfile | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The column of the editor the profile came from (where reveals go). */
  private sourceColumn: vscode.ViewColumn | undefined;
  readonly statuses: Status[] = [];
  private readonly profileInHtml: boolean;

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: (m: string) => void,
    initial?: PanelProfile,
  ) {
    this.profile = initial;
    this.profileInHtml = initial !== undefined;
    const media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.iconPath = undefined;
    const nonce = makeNonce((n) => randomBytes(n));
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js')).toString(),
      workerUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'sim-worker.js')).toString(),
      title: panel.title,
      profile: initial,
    });
    panel.webview.onDidReceiveMessage((m) => this.onMessage(m), undefined, this.disposables);
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
  }

  /** Shows a profile: a new page has it in its HTML; a page already loaded gets it as a message. */
  show(profile: PanelProfile, sourceColumn: vscode.ViewColumn | undefined, post: boolean): void {
    this.profile = profile;
    this.sourceColumn = sourceColumn ?? this.sourceColumn;
    this.panel.title = `Simulate ${profile.function}`;
    if (post) this.post({ type: 'init', profile });
  }

  private post(message: HostToPage): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(data: unknown): void {
    const parsed = parse(checkPageToHost, data);
    if (!parsed.ok) {
      this.log(`simulate panel: dropped a malformed message from the page: ${parsed.error}`);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'ready':
        // A new page has the profile in its HTML; a revived one gets it here.
        if (this.profile && !this.profileInHtml) this.post({ type: 'init', profile: this.profile });
        break;
      case 'reveal':
        void this.reveal(msg.line);
        break;
      case 'export':
        void this.export(msg);
        break;
      case 'copy':
        void vscode.env.clipboard.writeText(msg.text).then(() => this.post({ type: 'notice', level: 'info', text: 'Summary copied to the clipboard.' }));
        break;
      case 'status':
        this.statuses.push(msg);
        if (this.statuses.length > 50) this.statuses.shift();
        this.log(`simulate panel: ${msg.state}${msg.detail ? `: ${msg.detail}` : ''}`);
        break;
      case 'log':
        this.log(`simulate panel (${msg.level}): ${msg.message}`);
        break;
    }
  }

  private async reveal(line: number): Promise<void> {
    if (!this.profile) return;
    try {
      const uri = vscode.Uri.parse(this.profile.uri, true);
      const doc = await vscode.workspace.openTextDocument(uri);
      const l = Math.min(Math.max(0, line - 1), doc.lineCount - 1);
      const pos = new vscode.Position(l, doc.lineAt(l).firstNonWhitespaceCharacterIndex);
      const column = this.sourceColumn ?? (this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
      const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false, selection: new vscode.Range(pos, pos) });
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } catch (e) {
      const text = `Cannot open ${this.profile.file}: ${e instanceof Error ? e.message : String(e)}`;
      this.log(`simulate panel: ${text}`);
      this.post({ type: 'notice', level: 'error', text });
    }
  }

  private async export(msg: Extract<PageToHost, { type: 'export' }>): Promise<void> {
    const filters: Record<string, string[]> = { json: { JSON: ['json'] }, csv: { CSV: ['csv'] }, png: { 'PNG image': ['png'] } }[msg.format] as never;
    const safeName = msg.name.replace(/[^\w.+-]/g, '_');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, safeName) : undefined, filters, saveLabel: `Export ${msg.format.toUpperCase()}` });
    if (!target) return;
    const bytes = msg.format === 'png' ? Buffer.from(msg.data, 'base64') : Buffer.from(msg.data, 'utf8');
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
      this.post({ type: 'notice', level: 'info', text: `Exported ${target.fsPath || target.toString()}` });
    } catch (e) {
      this.post({ type: 'notice', level: 'error', text: `Export failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  dispose(): void {
    if (SimulatePanel.current === this) SimulatePanel.current = undefined;
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }

  /** Restores a panel VS Code brings back after a reload. */
  static revive(panel: vscode.WebviewPanel, state: unknown, extensionUri: vscode.Uri, log: (m: string) => void): SimulatePanel {
    const p = new SimulatePanel(panel, extensionUri, log);
    const parsed = parse(checkPanelState, state);
    if (parsed.ok) {
      p.profile = parsed.value.profile;
      panel.title = `Simulate ${parsed.value.profile.function}`;
    } else {
      log(`simulate panel: nothing to restore (${parsed.error})`);
      p.post({ type: 'notice', level: 'error', text: 'This panel could not be restored: run "Simulate This Path" again.' });
    }
    SimulatePanel.current?.panel.dispose();
    SimulatePanel.current = p;
    return p;
  }
}

function isPosition(x: unknown): x is LspPosition {
  const p = x as LspPosition;
  return !!p && Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0;
}

/** Registers the command and the serializer. */
export function registerSimulatePanel(context: vscode.ExtensionContext, options: SimulatePanelOptions): void {
  const log = options.log ?? (() => undefined);
  const run = async (uriArg?: unknown, posArg?: unknown): Promise<boolean> => {
    // From the code lens: (uri string, LSP position); from the palette: the active editor's cursor.
    let uri: string;
    let position: LspPosition;
    let column: vscode.ViewColumn | undefined;
    const editor = vscode.window.activeTextEditor;
    if ((typeof uriArg === 'string' || uriArg instanceof vscode.Uri) && (isPosition(posArg) || posArg instanceof vscode.Position)) {
      uri = uriArg.toString();
      position = { line: posArg.line, character: posArg.character };
      column = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri)?.viewColumn;
    } else if (editor) {
      uri = editor.document.uri.toString();
      position = { line: editor.selection.active.line, character: editor.selection.active.character };
      column = editor.viewColumn;
    } else {
      void vscode.window.showErrorMessage('Simulate This Path: put the cursor in a C function first.');
      return false;
    }
    let answer: unknown;
    try {
      answer = await options.requestProfile(uri, position);
    } catch (e) {
      void vscode.window.showErrorMessage(`Simulate This Path: the language server could not profile this function (${e instanceof Error ? e.message : String(e)}).`);
      return false;
    }
    if (answer === null || answer === undefined) {
      void vscode.window.showInformationMessage('Simulate This Path: no function at the cursor.');
      return false;
    }
    const parsed = parse(checkProfile, answer);
    if (!parsed.ok) {
      log(`simulate panel: dropped a malformed profile from the server: ${parsed.error}`);
      void vscode.window.showErrorMessage('Simulate This Path: the server answered with a malformed profile (see the output channel).');
      return false;
    }
    const profile = parsed.value;
    let p = SimulatePanel.current;
    if (p) {
      p.panel.reveal(vscode.ViewColumn.Beside, true);
      p.show(profile, column, true);
    } else {
      const panel = vscode.window.createWebviewPanel(SIMULATE_VIEW_TYPE, `Simulate ${profile.function}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'media')],
      });
      p = new SimulatePanel(panel, context.extensionUri, log, profile);
      SimulatePanel.current = p;
      p.show(profile, column, false);
    }
    return true;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(SIMULATE_COMMAND, run),
    vscode.commands.registerCommand(SIMULATE_STATUS_COMMAND, () => {
      const p = SimulatePanel.current;
      return p ? { title: p.panel.title, visible: p.panel.visible, statuses: [...p.statuses] } : null;
    }),
    vscode.window.registerWebviewPanelSerializer(SIMULATE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        SimulatePanel.revive(panel, state, context.extensionUri, log);
      },
    }),
    { dispose: () => SimulatePanel.current?.panel.dispose() },
  );
}
