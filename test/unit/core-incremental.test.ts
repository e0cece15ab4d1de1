import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { createAnalysisHost } from '../../server/src/core';
import { loadCLanguage } from '../../server/src/node/tree-sitter';

const root = path.join(__dirname, '..', '..', '..');
const fixture = (name: string) => fs.readFileSync(path.join(root, 'test', 'fixtures', 'core', name), 'utf8');

test('editFile applies LSP-ordered edits incrementally and gives the same answers as a fresh setFile', async () => {
  const lang = await loadCLanguage();
  const inc = createAnalysisHost(lang, { kernelVersion: '6.12' });
  const text = fixture('slice.c');
  inc.setFile('slice.c', text);
  assert.equal(inc.findings('slice.c').filter((f) => f.rule === 'anon-vma-prepare-under-vma-lock').length, 1);
  // fix the bug by hand: anon_vma_prepare(vma) -> vmf_anon_prepare(vmf), one edit at a time
  const at = text.indexOf('anon_vma_prepare(vma)');
  inc.editFile('slice.c', [{ startOffset: at, endOffset: at, newText: 'vmf_' }]);
  const t1 = text.slice(0, at) + 'vmf_' + text.slice(at);
  const at2 = t1.indexOf('(vma))', at);
  inc.editFile('slice.c', [{ startOffset: at2 + 1, endOffset: at2 + 4, newText: 'vmf' }]);
  const fixed = t1.slice(0, at2 + 1) + 'vmf' + t1.slice(at2 + 4);
  const fresh = createAnalysisHost(lang, { kernelVersion: '6.12' });
  fresh.setFile('slice.c', fixed);
  assert.deepEqual(inc.findings('slice.c'), fresh.findings('slice.c'));
  assert.equal(inc.findings('slice.c').filter((f) => f.rule === 'anon-vma-prepare-under-vma-lock').length, 0);
  // an edit far away that disables everything (#if 0 ... #endif), then its undo
  const before = inc.findings('slice.c').length;
  inc.editFile('slice.c', [{ startOffset: fixed.length, endOffset: fixed.length, newText: '#endif\n' }, { startOffset: 0, endOffset: 0, newText: '#if 0\n' }]);
  assert.equal(inc.findings('slice.c').length, 0);
  assert.equal(inc.functions('slice.c').length, 0);
  inc.editFile('slice.c', [{ startOffset: 0, endOffset: 6, newText: '' }, { startOffset: fixed.length, endOffset: fixed.length + 7, newText: '' }]);
  assert.equal(inc.findings('slice.c').length, before);
  assert.deepEqual(inc.findings('slice.c'), fresh.findings('slice.c'));
});

test('an edit shifts positions of findings below it, and the tree stays in step with the text', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  host.setFile('rules.c', fixture('rules.c'));
  const lines = host.findings('rules.c').map((f) => f.line);
  host.editFile('rules.c', [{ startOffset: 0, endOffset: 0, newText: '\n\n' }]);
  assert.deepEqual(host.findings('rules.c').map((f) => f.line), lines.map((l) => l + 2));
  assert.throws(() => host.editFile('rules.c', [{ startOffset: 5, endOffset: 1, newText: '' }]), /out of range/);
  assert.throws(() => host.editFile('nope.c', []), /unknown file/);
});

test('files that are not C, binary or not UTF-8 are kept out with a reason', async () => {
  const host = createAnalysisHost(await loadCLanguage());
  host.setFile('a.txt', 'int x;');
  host.setFile('b.c', 'int x;\u0000');
  host.setFile('c.c', 'int \uFFFD;');
  host.setFile('d.c', 'int f(void) { return 0; }');
  assert.match(host.skipReason('a.txt') ?? '', /not a C/);
  assert.match(host.skipReason('b.c') ?? '', /binary/);
  assert.match(host.skipReason('c.c') ?? '', /UTF-8/);
  assert.equal(host.skipReason('d.c'), null);
  assert.deepEqual(host.files().sort(), ['a.txt', 'b.c', 'c.c', 'd.c']);
  host.removeFile('d.c');
  assert.deepEqual(host.functions('d.c'), []);
});

test('hover: a primitive gets its catalogue text, a function its profile', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  const text = fixture('slice.c');
  host.setFile('slice.c', text);
  const lineOf = (s: string) => text.slice(0, text.indexOf(s)).split('\n').length;
  const l = lineOf('lock_vma_under_rcu(mm, addr)');
  const col = text.split('\n')[l - 1]!.indexOf('lock_vma_under_rcu') + 2;
  const h = host.hover('slice.c', l, col);
  assert.ok(h);
  assert.match(h.markdown, /lock_vma_under_rcu/);
  assert.match(h.markdown, /NULL/);
  assert.equal(h.column, col - 1);
  const fl = lineOf('bad_anon_fault(struct');
  const hf = host.hover('slice.c', fl, text.split('\n')[fl - 1]!.indexOf('bad_anon_fault') + 1);
  assert.match(hf?.markdown ?? '', /vma_read/);
  assert.equal(host.hover('slice.c', 1, 1)?.markdown ?? null, null);
});

test('lock hints and function list', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  host.setFile('slice.c', fixture('slice.c'));
  const fns = host.functions('slice.c');
  assert.deepEqual(fns.map((f) => f.name), ['bad_anon_fault', 'good_anon_fault', 'lookup', 'do_user_addr_fault']);
  assert.match(fns[0]!.entrySummary, /vma_read/);
  const hints = host.lockHints('slice.c');
  assert.ok(hints.some((h) => h.kind === 'entry' && h.states.some((s) => s.includes('vma_read'))));
  assert.ok(hints.some((h) => h.kind === 'change' && h.states.some((s) => s.includes('mmap_read') && s.includes('vma_read'))));
});

test('kernel version: setting, Makefile, newer than known', async () => {
  const host = createAnalysisHost(await loadCLanguage());
  assert.equal(host.kernelVersion().source, 'default');
  host.setMakefile('VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\n');
  assert.deepEqual(host.kernelVersion(), { version: '6.8', source: 'makefile' });
  host.setMakefile('VERSION = 7\nPATCHLEVEL = 3\n');
  assert.match(host.kernelVersion().note ?? '', /newer/);
  assert.equal(host.kernelVersion().version, '6.19');
  host.setKernelVersion('6.1');
  assert.equal(host.kernelVersion().version, '6.1');
});
