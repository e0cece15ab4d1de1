/**
 * The language server over stdio on the sample workspace examples/: indexing
 * with progress, diagnostics at the fixture's `expect:` lines, incremental
 * edits, hovers, inlay hints, code lenses, quick fixes, the custom request.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeAction, CodeLens, Diagnostic, Hover, InlayHint } from 'vscode-languageserver-protocol';
import {
  applyEdits, examplesDir, expectations, positionOf, repoRoot, ServerUnderTest, uriOf,
} from './harness';
import type { FunctionProfileResult } from '../../server/src/lsp/protocol';

const file = (rel: string) => path.join(examplesDir, rel);
const read = (rel: string) => fs.readFileSync(file(rel), 'utf8');
const codes = (ds: Diagnostic[]) => ds.map((d) => `${d.range.start.line}:${String(d.code)}`).sort();

describe('language server on examples/', () => {
  let s: ServerUnderTest;
  before(async () => {
    s = await ServerUnderTest.start({ workspace: examplesDir, settings: {}, initializationOptions: { docsBaseUri: uriOf(path.join(repoRoot, 'docs', 'rules')) + '/' } });
    await s.ready();
  });
  after(async () => { await s?.stop(); });

  test('indexes the workspace with work-done progress and finds the kernel version in the Makefile', async () => {
    const create = s.events.find((e) => e.kind === 'request' && e.method === 'window/workDoneProgress/create');
    assert.ok(create, 'the server asked for a progress token');
    const kinds = s.events.filter((e) => e.kind === 'progress').map((e) => (e as { value: { kind: string } }).value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
    const begin = s.events.find((e) => e.kind === 'progress' && e.value.kind === 'begin') as { value: { cancellable?: boolean } };
    assert.equal(begin.value.cancellable, true);
    const ready = [...s.events].reverse().find((e) => e.kind === 'status' && e.params.state === 'ready') as { params: { kernelVersion: string; kernelVersionSource: string; files: number } };
    assert.equal(ready.params.kernelVersion, '6.12');
    assert.equal(ready.params.kernelVersionSource, 'makefile');
    assert.equal(ready.params.files, 4);
  });

  test('publishes every expected finding of the workspace, with codes, doc links and related locations, without opening files', async () => {
    for (const rel of ['mm/sample_anon.c', 'mm/sample_locking.c', 'drivers/misc/sample_ringbuf.c', 'arch/x86/mm/sample_fault.c']) {
      const uri = uriOf(file(rel));
      const want = expectations(read(rel));
      if (!want.length) {
        assert.deepEqual(codes(s.lastDiagnostics(uri) ?? []), [], `${rel} has no finding`);
        continue;
      }
      const got = await s.diagnostics(uri, 0, (ds) => want.every((w) => ds.some((d) => d.code === w.rule && d.range.start.line === w.line)), 5000)
        .catch(() => assert.fail(`${rel}: expected ${JSON.stringify(want)}, got ${JSON.stringify(codes(s.lastDiagnostics(uri) ?? []))}`));
      // And nothing else: the sample workspace shows each rule once, without false alarms.
      const extra = got.filter((d) => !want.some((w) => w.rule === d.code && w.line === d.range.start.line));
      assert.deepEqual(codes(extra), [], `${rel}: findings without an expect: marker`);
      for (const d of got) {
        assert.equal(d.source, 'mm-lock-lens');
        assert.match(String(d.codeDescription?.href), new RegExp(`/docs/rules/${String(d.code)}\\.md$`));
      }
      const anon = got.find((d) => d.code === 'anon-vma-prepare-under-vma-lock');
      if (anon) {
        assert.equal(anon.severity, 1, 'an error');
        assert.ok(anon.relatedInformation?.length, 'the witness chain comes as related information');
      }
    }
  });

  test('re-publishes diagnostics after incremental edits (several changes in one message, UTF-16 positions)', async () => {
    const rel = 'mm/sample_anon.c';
    const opened = s.events.length;
    const { uri, text } = s.open(file(rel));
    const line = expectations(text).find((w) => w.rule === 'anon-vma-prepare-under-vma-lock')!.line;
    // The publish for the opened document (version 1) comes first.
    await s.waitFor((e) => e.kind === 'diagnostics' && e.params.uri === uri && e.params.version === 1, 'diagnostics of the opened document', 15000, opened);
    assert.ok(s.lastDiagnostics(uri)!.some((d) => d.range.start.line === line));
    // A non-BMP character before the call shifts UTF-16 columns by 2; then swap the call.
    const at = positionOf(text, 'anon_vma_prepare(vma)');
    let from = s.events.length;
    s.notify('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [
        { range: { start: { line: at.line, character: 0 }, end: { line: at.line, character: 0 } }, text: '/* 🐧 */' },
        { range: { start: { line: at.line, character: at.character + 8 }, end: { line: at.line, character: at.character + 8 + 'anon_vma_prepare(vma)'.length } }, text: 'vmf_anon_prepare(vmf)' },
      ],
    });
    const fixed = await s.diagnostics(uri, from);
    assert.ok(!fixed.some((d) => d.code === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === line), `fixed: ${JSON.stringify(codes(fixed))}`);
    from = s.events.length;
    // Undo by a whole-document change.
    s.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
    const back = await s.diagnostics(uri, from);
    assert.ok(back.some((d) => d.code === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === line));
    s.notify('textDocument/didClose', { textDocument: { uri } });
  });

  test('hover explains a lock primitive and a function', async () => {
    const rel = 'arch/x86/mm/sample_fault.c';
    const { uri, text } = s.open(file(rel));
    const pos = positionOf(text, 'lock_vma_under_rcu(mm', 3);
    const h = await s.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos });
    assert.ok(h, 'a hover');
    const md = (h.contents as { kind: string; value: string });
    assert.equal(md.kind, 'markdown');
    assert.match(md.value, /lock_vma_under_rcu/);
    assert.ok(h.range && h.range.start.line === pos.line);
    const blank = await s.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 0 } });
    assert.equal(blank, null, 'no hover inside a comment');
  });

  test('inlay hints show the held locks of the fault path, and the setting turns them off', async () => {
    const rel = 'arch/x86/mm/sample_fault.c';
    const uri = uriOf(file(rel));
    const text = read(rel);
    const range = { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } };
    const hints = await s.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range });
    const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
    assert.ok(labels.some((l) => l.includes('⟨vma_read⟩')), `labels: ${labels.join(' | ')}`);
    assert.ok(labels.some((l) => l.includes('⟨mmap_read⟩')), `labels: ${labels.join(' | ')}`);
    const from = s.events.length;
    s.settings = { inlayHints: { enable: false } };
    s.notify('workspace/didChangeConfiguration', { settings: null });
    await s.waitFor((e) => e.kind === 'request' && e.method === 'workspace/inlayHint/refresh', 'an inlay hint refresh', 5000, from);
    assert.deepEqual(await s.request('textDocument/inlayHint', { textDocument: { uri }, range }), []);
    s.settings = {};
    s.notify('workspace/didChangeConfiguration', { settings: null });
    await s.waitFor((e) => e.kind === 'request' && e.method === 'workspace/inlayHint/refresh', 'an inlay hint refresh', 5000, s.events.length);
    assert.ok((await s.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range })).length > 0);
    // After an edit the hints follow the new text (no stale cache): without the VMA lock, no vma_read.
    s.open(file(rel), text, 1);
    const at = positionOf(text, 'lock_vma_under_rcu(mm, address)');
    const from2 = s.events.length;
    s.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: at, end: { line: at.line, character: at.character + 'lock_vma_under_rcu(mm, address)'.length } }, text: 'NULL' }] });
    await s.waitFor((e) => e.kind === 'diagnostics' && e.params.uri === uri && e.params.version === 2, 'diagnostics v2', 15000, from2);
    const after = (await s.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range })).map((h) => (typeof h.label === 'string' ? h.label : ''));
    assert.ok(!after.some((l) => l.includes('vma_read')), `after the edit: ${after.join(' | ')}`);
    s.notify('textDocument/didClose', { textDocument: { uri } });
  });

  test('code lenses say what a function is entered under; no Simulate lens without the command', async () => {
    const rel = 'mm/sample_anon.c';
    const { uri, text } = s.open(file(rel));
    const lenses = await s.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    const fnLine = positionOf(text, 'sample_anonymous_page(struct vm_fault').line;
    const lens = lenses.find((l) => l.range.start.line === fnLine);
    assert.ok(lens?.command, `a lens on line ${fnLine}: ${JSON.stringify(lenses.map((l) => [l.range.start.line, l.command?.title]))}`);
    // the fault handler runs under the VMA lock, and under mmap_lock when the fault falls back
    assert.equal(lens.command.title, 'entered under: vma_read · mmap_read (fallback)');
    assert.equal(lens.command.command, 'mmLockLens.showLockContext');
    assert.ok(!lenses.some((l) => l.command?.title === 'Simulate'));
  });

  test('quick fix in mm/ (6.12): anon_vma_prepare(vma) becomes vmf_anon_prepare(vmf) with its return handled', async () => {
    const rel = 'mm/sample_anon.c';
    const uri = uriOf(file(rel));
    const text = read(rel);
    const line = expectations(text).find((w) => w.rule === 'anon-vma-prepare-under-vma-lock')!.line;
    const isIt = (d: Diagnostic) => d.code === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === line;
    const diags = await s.diagnostics(uri, 0, (ds) => ds.some(isIt));
    const diag = diags.find(isIt)!;
    const actions = await s.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
    const titles = actions.map((a) => a.title);
    const fix = actions.find((a) => a.isPreferred);
    assert.ok(fix?.edit?.changes?.[uri], `actions: ${titles.join(' | ')}`);
    const fixed = applyEdits(text, fix.edit.changes[uri]!);
    assert.match(fixed, /\n\t(?:vm_fault_t )?ret = vmf_anon_prepare\(vmf\);\n\tif \(unlikely\(ret\)\)\n\t\treturn ret;\n\tfolio = vma_alloc_zeroed_movable_folio/);
    assert.ok(!fixed.includes('anon_vma_prepare(vma)'));
    assert.ok(titles.includes('Ignore anon-vma-prepare-under-vma-lock on this line'));
    assert.ok(actions.some((a) => a.command?.command === 'mmLockLens.openRuleDocumentation' && a.command.arguments?.[0] === 'anon-vma-prepare-under-vma-lock'));
    // The fixed text has no such finding any more.
    const from = s.events.length;
    s.notify('textDocument/didChange', { textDocument: { uri, version: 10 }, contentChanges: [{ text: fixed }] });
    const after = await s.diagnostics(uri, from);
    assert.ok(!after.some((d) => d.code === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === diag.range.start.line), JSON.stringify(codes(after)));
    s.notify('textDocument/didChange', { textDocument: { uri, version: 11 }, contentChanges: [{ text }] });
  });

  test('quick fix outside mm/: the FAULT_FLAG_VMA_LOCK guard; "ignore" silences the finding', async () => {
    const rel = 'drivers/misc/sample_ringbuf.c';
    const { uri, text } = s.open(file(rel));
    const line = expectations(text).find((w) => w.rule === 'anon-vma-prepare-under-vma-lock')!.line;
    const isIt = (d: Diagnostic) => d.code === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === line;
    const diags = await s.diagnostics(uri, 0, (ds) => ds.some(isIt));
    const diag = diags.find(isIt)!;
    const actions = await s.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
    const guard = actions.find((a) => a.isPreferred)!;
    const guarded = applyEdits(text, guard.edit!.changes![uri]!);
    assert.match(guarded, /\tif \(\(vmf->flags & FAULT_FLAG_VMA_LOCK\) && !vma->anon_vma\) \{\n\t\tvma_end_read\(vma\);\n\t\treturn VM_FAULT_RETRY;\n\t\}\n\tif \(anon_vma_prepare\(vma\)\)/);
    assert.ok(!guarded.includes('vmf_anon_prepare(vmf)'), 'outside mm/ the helper is not visible');
    const ignore = actions.find((a) => a.title.startsWith('Ignore'))!;
    const ignored = applyEdits(text, ignore.edit!.changes![uri]!);
    assert.match(ignored, /\t\/\* mm-lock-lens: ignore anon-vma-prepare-under-vma-lock \*\/\n\tif \(anon_vma_prepare\(vma\)\)/);
    const from = s.events.length;
    s.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: ignored }] });
    const after = await s.diagnostics(uri, from);
    assert.ok(!after.some((d) => d.code === 'anon-vma-prepare-under-vma-lock' && d.range.start.line === line + 1), JSON.stringify(codes(after)));
    s.notify('textDocument/didClose', { textDocument: { uri } });
  });

  test('mmLockLens/functionProfile answers the CLI context object plus the uri, or null', async () => {
    const rel = 'mm/sample_anon.c';
    const uri = uriOf(file(rel));
    const text = read(rel);
    const inside = positionOf(text, 'folio = vma_alloc_zeroed_movable_folio');
    const p = await s.request<FunctionProfileResult>('mmLockLens/functionProfile', { uri, position: inside });
    assert.ok(p);
    assert.equal(p.function, 'sample_anonymous_page');
    assert.equal(p.uri, uri);
    assert.equal(p.line, positionOf(text, 'sample_anonymous_page(struct vm_fault').line + 1, '1-based line');
    assert.equal(path.resolve(p.file), file(rel));
    assert.equal(p.kernelVersion, '6.12');
    assert.ok(p.entry.some((e) => e.locks.includes('vma_read')), JSON.stringify(p.entry));
    assert.equal(await s.request('mmLockLens/functionProfile', { uri, position: { line: 0, character: 0 } }), null);
    assert.equal(await s.request('mmLockLens/functionProfile', { uri: uriOf(file('nope.c')), position: { line: 3, character: 0 } }), null);
    await assert.rejects(s.request('mmLockLens/functionProfile', { uri, position: { line: -1, character: 'x' } }), /expects \{uri/);
    await assert.rejects(s.request('mmLockLens/functionProfile', null), /expects \{uri/);
  });
});

test('with the simulate command available, each entered-under lens has a Simulate lens running mmLockLens.simulatePath', async () => {
  const s = await ServerUnderTest.start({ workspace: examplesDir, initializationOptions: { simulateCommand: true } });
  try {
    await s.ready();
    const { uri, text } = s.open(file('mm/sample_anon.c'));
    const lenses = await s.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    const fnLine = positionOf(text, 'sample_anonymous_page(struct vm_fault').line;
    const sim = lenses.find((l) => l.range.start.line === fnLine && l.command?.title === 'Simulate');
    assert.ok(sim, JSON.stringify(lenses.map((l) => [l.range.start.line, l.command?.title])));
    assert.equal(sim.command!.command, 'mmLockLens.simulatePath');
    assert.deepEqual(sim.command!.arguments, [uri, { line: fnLine, character: sim.range.start.character }]);
    assert.equal(lenses.filter((l) => l.command?.title === 'Simulate').length, lenses.filter((l) => l.command?.title.startsWith('entered under:')).length);
    // Without a codeDescription link base, diagnostics still come, just without links.
    const ds = await s.diagnostics(uri, 0, (d) => d.length > 0);
    assert.ok(ds.every((d) => d.codeDescription === undefined));
  } finally { await s.stop(); }
});
