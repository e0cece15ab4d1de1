/**
 * Runs inside the real extension host (code-server or desktop VS Code) on a
 * copy of examples/: asserts through the VS Code API what a user sees.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { MmLockLensApi } from '../../../client/src/extension';
import { RULES } from '../../../server/src/rules/index';

const EXTENSION_ID = 'mm-lock-lens.mm-lock-lens';

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder (the copy of examples/) is open');
  return f.uri;
}
const fileUri = (rel: string) => vscode.Uri.joinPath(folder(), ...rel.split('/'));

/** `expect: RULE` markers of a sample file, for the rules the analysis has. */
function expectations(text: string): { line: number; rule: string }[] {
  const known = new Set(RULES.map((r) => r.id));
  const out: { line: number; rule: string }[] = [];
  text.split('\n').forEach((l, i) => {
    for (const m of l.matchAll(/expect:\s*([a-z0-9-]+)/g)) if (known.has(m[1]!)) out.push({ line: i, rule: m[1]! });
  });
  return out;
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function positionOf(doc: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `'${needle}' in ${doc.uri.path}`);
  return doc.positionAt(i + delta);
}

const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

suite('mm-lock-lens in the real extension host', function () {
  this.timeout(90000);
  let api: MmLockLensApi;

  suiteSetup(async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('mm/sample_anon.c'));
    await vscode.window.showTextDocument(doc);
    const ext = vscode.extensions.getExtension<MmLockLensApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    const status = await api.whenReady();
    assert.equal(status.kernelVersion, '6.12', 'version from the sample Makefile');
  });

  test('commands are registered', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['mmLockLens.restartServer', 'mmLockLens.showLockContext', 'mmLockLens.toggleInlayHints', 'mmLockLens.openRuleDocumentation']) {
      assert.ok(all.includes(c), c);
    }
  });

  test('diagnostics carry rule codes at the expected lines, with doc links', async () => {
    for (const rel of ['mm/sample_anon.c', 'mm/sample_locking.c', 'drivers/misc/sample_ringbuf.c']) {
      const uri = fileUri(rel);
      const want = expectations((await vscode.workspace.openTextDocument(uri)).getText());
      const got = await until(`diagnostics of ${rel}`, () => {
        const ds = vscode.languages.getDiagnostics(uri);
        return want.every((w) => ds.some((d) => codeOf(d) === w.rule && d.range.start.line === w.line)) ? ds : undefined;
      }).catch((e: Error) => {
        const ds = vscode.languages.getDiagnostics(uri).map((d) => `${d.range.start.line}:${codeOf(d)}`);
        throw new Error(`${e.message}; want ${JSON.stringify(want)}; have ${JSON.stringify(ds)}`);
      });
      for (const d of got) {
        assert.equal(d.source, 'mm-lock-lens');
        if (typeof d.code === 'object') assert.match(d.code.target.toString(), /docs\/rules\/[a-z0-9-]+\.md$/);
      }
    }
  });

  test('hover on lock_vma_under_rcu explains it', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('arch/x86/mm/sample_fault.c'));
    await vscode.window.showTextDocument(doc);
    const pos = positionOf(doc, 'lock_vma_under_rcu(mm', 4);
    const hovers = await until('a hover', async () => {
      const hs = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
      return hs.length ? hs : undefined;
    });
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /lock_vma_under_rcu/);
  });

  test('inlay hints show the held locks, and the toggle command turns them off and on', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('arch/x86/mm/sample_fault.c'));
    const range = new vscode.Range(0, 0, doc.lineCount, 0);
    const labels = async () => (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range))
      .map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
    const first = await until('inlay hints', async () => { const l = await labels(); return l.length ? l : undefined; });
    assert.ok(first.some((l) => l.includes('vma_read')), first.join(' | '));
    assert.ok(first.some((l) => l.includes('mmap_read')), first.join(' | '));
    try {
      assert.equal(await vscode.commands.executeCommand('mmLockLens.toggleInlayHints'), false);
      await until('no inlay hints', async () => ((await labels()).length === 0 ? true : undefined));
    } finally {
      await vscode.workspace.getConfiguration('mmLockLens').update('inlayHints.enable', undefined, vscode.ConfigurationTarget.Global);
    }
    await until('inlay hints back', async () => ((await labels()).length > 0 ? true : undefined));
  });

  test('code lens says what the fault handler is entered under', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('mm/sample_anon.c'));
    const fnLine = positionOf(doc, 'sample_anonymous_page(struct vm_fault').line;
    const lenses = await until('code lenses', async () => {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return ls.some((l) => l.range.start.line === fnLine && l.command) ? ls : undefined;
    });
    const lens = lenses.find((l) => l.range.start.line === fnLine && l.command?.title.startsWith('entered under:'))!;
    assert.match(lens.command!.title, /^entered under: .*vma_read/);
    // The simulator panel registers mmLockLens.simulatePath, so its lens is there too.
    const sim = lenses.find((l) => l.range.start.line === fnLine && l.command?.title === 'Simulate');
    assert.equal(sim?.command?.command, 'mmLockLens.simulatePath');
  });

  test('the quick fix replaces anon_vma_prepare(vma) by vmf_anon_prepare(vmf) and the error goes away', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('mm/sample_anon.c'));
    const editor = await vscode.window.showTextDocument(doc);
    const line = expectations(doc.getText()).find((w) => w.rule === 'anon-vma-prepare-under-vma-lock')!.line;
    const diag = await until('the anon_vma diagnostic', () => vscode.languages.getDiagnostics(doc.uri).find((d) => codeOf(d) === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === line));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.isPreferred && a.edit);
    assert.ok(fix, `a preferred fix among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(actions.some((a) => a.title === 'Ignore anon-vma-prepare-under-vma-lock on this line'));
    assert.ok(actions.some((a) => a.command?.command === 'mmLockLens.openRuleDocumentation'));
    const original = doc.getText();
    try {
      assert.ok(await vscode.workspace.applyEdit(fix.edit!));
      assert.match(doc.getText(), /ret = vmf_anon_prepare\(vmf\);\n\tif \(unlikely\(ret\)\)\n\t\treturn ret;/);
      await until('the error to go', () => (vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === line) ? undefined : true));
    } finally {
      // Back to the text on disk without saving anything.
      await editor.edit((b) => b.replace(new vscode.Range(0, 0, doc.lineCount, 0), original));
    }
  });

  test('the custom request and the show-lock-context command give the function profile', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('mm/sample_anon.c'));
    const pos = positionOf(doc, 'folio = vma_alloc_zeroed_movable_folio');
    const profile = await api.functionProfile(doc.uri, pos);
    assert.ok(profile);
    assert.equal(profile.function, 'sample_anonymous_page');
    assert.equal(profile.uri, doc.uri.toString());
    assert.equal(profile.line, positionOf(doc, 'sample_anonymous_page(struct vm_fault').line + 1);
    const viaCommand = await vscode.commands.executeCommand<{ function: string } | null>('mmLockLens.showLockContext', doc.uri.toString(), { line: pos.line, character: pos.character });
    assert.equal(viaCommand?.function, 'sample_anonymous_page');
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'markdown' && e.document.getText().includes('sample_anonymous_page'));
    assert.ok(shown, 'the profile is shown beside the editor');
    assert.equal(await api.functionProfile(doc.uri, new vscode.Position(0, 0)), null);
  });

  test('restart brings the server back', async () => {
    await vscode.commands.executeCommand('mmLockLens.restartServer');
    const s = await api.whenReady();
    assert.equal(s.state, 'ready');
    const doc = await vscode.workspace.openTextDocument(fileUri('mm/sample_anon.c'));
    assert.ok(await api.functionProfile(doc.uri, positionOf(doc, 'folio = vma_alloc_zeroed_movable_folio')));
  });
});
