/**
 * The VS Code extension: starts the bundled language server, shows its status,
 * and offers the commands. A thin client: every answer about locks comes from
 * the server. It runs no code from the workspace, so untrusted workspaces are
 * supported.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { CodeLensRequest, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import {
  Commands, FunctionProfileParams, FunctionProfileRequest, FunctionProfileResult, InitializationOptions, StatusNotification, StatusParams, SERVER_NODE_ARGS,
} from '../../server/src/lsp/protocol';
import { LensWatch } from './lens-watch';
import { renderProfileMarkdown } from './profile-view';
import { registerSimulatePanel } from './simulate-panel';

/** What activate() returns: used by the extension-host tests and by the panel. */
export interface MmLockLensApi {
  /** The running client (undefined while restarting). */
  client(): LanguageClient | undefined;
  /** The last status the server sent. */
  status(): StatusParams | undefined;
  /** Resolves when the server reports that indexing finished. */
  whenReady(): Promise<StatusParams>;
  functionProfile(uri: vscode.Uri, position: vscode.Position): Promise<FunctionProfileResult>;
}

const SELECTOR = [
  { scheme: 'file', language: 'c' },
  { scheme: 'untitled', language: 'c' },
  { scheme: 'file', pattern: '**/*.h' },
] satisfies vscode.DocumentFilter[];

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<MmLockLensApi> {
  const output = vscode.window.createOutputChannel('mm-lock-lens', { log: true });
  const traceOutput = vscode.window.createOutputChannel('mm-lock-lens (LSP trace)', { log: true });
  context.subscriptions.push(output, traceOutput);

  const statusItem = vscode.languages.createLanguageStatusItem('mmLockLens.status', SELECTOR);
  statusItem.name = 'mm-lock-lens';
  statusItem.text = 'mm-lock-lens: starting';
  statusItem.busy = true;
  statusItem.command = { title: 'Restart', command: 'mmLockLens.restartServer', tooltip: 'Restart the mm-lock-lens language server' };
  context.subscriptions.push(statusItem);

  // VS Code drops a scheduled lens request when the editor loses focus; the watch asks again (see lens-watch.ts).
  const lensWatch = new LensWatch({
    now: () => Date.now(),
    visibleDocuments: () => {
      if (!vscode.workspace.getConfiguration('mmLockLens').get<boolean>('codeLens.enable', true)) return [];
      return vscode.window.visibleTextEditors.map((e) => e.document)
        .filter((d) => vscode.languages.match(SELECTOR, d) > 0 && vscode.workspace.getConfiguration('editor', d).get<boolean>('codeLens', true))
        .map((d) => d.uri.toString());
    },
    askAgain: (uris) => {
      const feature = client?.getFeature(CodeLensRequest.method);
      const providers = new Set(vscode.window.visibleTextEditors.filter((e) => uris.includes(e.document.uri.toString()))
        .map((e) => feature?.getProvider(e.document)).filter((p) => p !== undefined));
      for (const p of providers) p.onDidChangeCodeLensEmitter.fire();
    },
    setTimer: (fn, ms) => { const t = setTimeout(fn, ms); return { dispose: () => clearTimeout(t) }; },
    log: (m) => output.appendLine(m),
  });
  context.subscriptions.push(lensWatch, vscode.window.onDidChangeVisibleTextEditors(() => lensWatch.visibleChanged()));

  let lastStatus: StatusParams | undefined;
  let readyWaiters: ((s: StatusParams) => void)[] = [];
  const onStatus = (s: StatusParams) => {
    const becameReady = s.state === 'ready' && lastStatus?.state !== 'ready';
    lastStatus = s;
    const kv = `kernel ${s.kernelVersion} (${s.kernelVersionSource === 'makefile' ? 'from Makefile' : s.kernelVersionSource === 'setting' ? 'setting' : 'default'})`;
    if (s.state === 'indexing') {
      statusItem.text = `mm-lock-lens: indexing ${s.total ? Math.floor((100 * s.done) / s.total) : 0}%`;
      statusItem.busy = true;
    } else if (s.state === 'ready') {
      statusItem.text = `mm-lock-lens: ${kv}`;
      statusItem.busy = false;
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const w of waiters) w(s);
      if (becameReady) lensWatch.serverReady();
    }
    const notes = [s.kernelVersionNote, ...s.settingsProblems].filter(Boolean);
    statusItem.detail = `${s.files} files analysed${notes.length ? ' · ' + notes.join(' · ') : ''}`;
    statusItem.severity = s.settingsProblems.length ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
  };

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: SERVER_NODE_ARGS } },
    debug: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: [...SERVER_NODE_ARGS, '--nolazy', '--inspect=6019'] } },
  };

  const makeClient = async () => {
    // The Simulate lens appears only when the command that runs it exists (the simulator panel registers it).
    const simulateCommand = (await vscode.commands.getCommands(true)).includes(Commands.simulatePath);
    const initializationOptions: InitializationOptions = {
      docsBaseUri: vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules').toString() + '/',
      simulateCommand,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: SELECTOR,
      synchronize: {
        configurationSection: 'mmLockLens',
        fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.c,*.h,Makefile}'),
      },
      initializationOptions,
      middleware: {
        provideCodeLenses: async (document, token, next) => {
          const uri = document.uri.toString();
          const startedAt = lensWatch.started(uri);
          let cancelled = true;
          try {
            const lenses = await next(document, token);
            cancelled = token.isCancellationRequested;
            return lenses;
          } finally {
            lensWatch.finished(uri, startedAt, cancelled);
          }
        },
      },
      outputChannel: output,
      traceOutputChannel: traceOutput,
    };
    const c = new LanguageClient('mmLockLens', 'mm-lock-lens', serverOptions, clientOptions);
    c.onNotification(StatusNotification, onStatus);
    return c;
  };

  const start = async () => {
    lastStatus = undefined;
    lensWatch.serverStopped();
    statusItem.text = 'mm-lock-lens: starting';
    statusItem.busy = true;
    client = await makeClient();
    try {
      await client.start();
    } catch (e) {
      output.appendLine(`the language server did not start: ${e instanceof Error ? e.message : String(e)}`);
      statusItem.text = 'mm-lock-lens: not running';
      statusItem.busy = false;
      statusItem.severity = vscode.LanguageStatusSeverity.Error;
    }
  };

  const functionProfile = async (uri: vscode.Uri, position: vscode.Position): Promise<FunctionProfileResult> => {
    if (!client) return null;
    const params: FunctionProfileParams = { uri: uri.toString(), position: { line: position.line, character: position.character } };
    return client.sendRequest<FunctionProfileResult>(FunctionProfileRequest, params);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('mmLockLens.restartServer', async () => {
      const old = client;
      client = undefined;
      if (old) {
        try { await old.stop(); } catch (e) { output.appendLine(`stopping the server: ${String(e)}`); }
      }
      await start();
    }),

    vscode.commands.registerCommand(Commands.showLockContext, async (uriArg?: unknown, posArg?: unknown) => {
      let uri: vscode.Uri | undefined;
      let position: vscode.Position | undefined;
      if (uriArg !== undefined && posArg !== undefined) {
        // From a code lens: (uri string, {line, character}).
        uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : uriArg instanceof vscode.Uri ? uriArg : undefined;
        const p = posArg as { line?: unknown; character?: unknown };
        if (typeof p?.line === 'number' && typeof p?.character === 'number') position = new vscode.Position(p.line, p.character);
      } else {
        const editor = vscode.window.activeTextEditor;
        uri = editor?.document.uri;
        position = editor?.selection.active;
      }
      if (!uri || !position) {
        void vscode.window.showInformationMessage('mm-lock-lens: put the cursor inside a C function first.');
        return null;
      }
      const profile = await functionProfile(uri, position);
      if (!profile) {
        void vscode.window.showInformationMessage('mm-lock-lens: no function at the cursor.');
        return null;
      }
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderProfileMarkdown(profile) });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
      return profile;
    }),

    vscode.commands.registerCommand('mmLockLens.toggleInlayHints', async () => {
      const config = vscode.workspace.getConfiguration('mmLockLens');
      const next = !config.get<boolean>('inlayHints.enable', true);
      await config.update('inlayHints.enable', next, vscode.ConfigurationTarget.Global);
      void vscode.window.setStatusBarMessage(`mm-lock-lens: lock inlay hints ${next ? 'on' : 'off'}`, 3000);
      return next;
    }),

    vscode.commands.registerCommand(Commands.openRuleDocumentation, async (ruleArg?: unknown) => {
      const docsDir = vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules');
      let rule = typeof ruleArg === 'string' ? ruleArg : undefined;
      if (!rule) {
        let names: string[] = [];
        try {
          names = (await vscode.workspace.fs.readDirectory(docsDir)).map(([n]) => n).filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3)).sort();
        } catch { /* no docs folder */ }
        rule = await vscode.window.showQuickPick(names, { placeHolder: 'Rule whose documentation to open' });
        if (!rule) return undefined;
      }
      if (!/^[a-z0-9-]+$/.test(rule)) {
        void vscode.window.showErrorMessage(`mm-lock-lens: '${rule}' is not a rule id.`);
        return undefined;
      }
      const file = vscode.Uri.joinPath(docsDir, `${rule}.md`);
      try {
        await vscode.workspace.fs.stat(file);
      } catch {
        void vscode.window.showErrorMessage(`mm-lock-lens: no documentation for '${rule}'.`);
        return undefined;
      }
      await vscode.commands.executeCommand('markdown.showPreview', file);
      return file.toString();
    }),
  );

  // The simulator panel (issue 5): registered before the client starts, so the server shows the Simulate lens.
  registerSimulatePanel(context, {
    requestProfile: async (uri, position) => {
      if (!client) throw new Error('the language server is not running');
      return client.sendRequest<FunctionProfileResult>(FunctionProfileRequest, { uri, position } satisfies FunctionProfileParams);
    },
    log: (m) => output.appendLine(m),
  });

  await start();

  return {
    client: () => client,
    status: () => lastStatus,
    whenReady: () => (lastStatus?.state === 'ready' ? Promise.resolve(lastStatus) : new Promise((r) => readyWaiters.push(r))),
    functionProfile,
  };
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}
