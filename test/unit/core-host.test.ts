import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { createAnalysisHost } from '../../server/src/core';
import { loadCLanguage } from '../../server/src/node/tree-sitter';

const root = path.join(__dirname, '..', '..', '..');
const fixture = (name: string) => fs.readFileSync(path.join(root, 'test', 'fixtures', 'core', name), 'utf8');

/** Lines carrying `expect: RULE` comments -> the rule ids expected there. */
function expectations(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  text.split('\n').forEach((l, i) => {
    const m = /\/\*\s*expect:\s*([\w\-, ]+?)\s*\*\//.exec(l);
    if (m) out.set(i + 1, m[1]!.split(',').map((s) => s.trim()).sort());
  });
  return out;
}

test('the vertical slice finds exactly the expected hazards in a kernel-style file', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  const text = fixture('slice.c');
  host.setFile('slice.c', text);
  const got = new Map<number, string[]>();
  for (const f of host.findings('slice.c')) got.set(f.line, [...(got.get(f.line) ?? []), f.rule].sort());
  assert.deepEqual([...got].sort((a, b) => a[0] - b[0]), [...expectations(text)].sort((a, b) => a[0] - b[0]));
});

test('findings carry positions, severities and related locations', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  host.setFile('slice.c', fixture('slice.c'));
  const f = host.findings('slice.c').find((x) => x.rule === 'mmap-lock-under-vma-lock');
  assert.ok(f);
  assert.equal(f.severity, 'error');
  assert.equal(f.column, 2);
  assert.equal(f.endColumn, f.column + 'mmap_read_lock(mm)'.length);
  assert.ok(f.related.some((r) => r.line === 26 && /per-VMA lock taken here/.test(r.message)), JSON.stringify(f.related));
});

test('an ignore comment on the line above silences one finding', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  const text = fixture('slice.c').replace('\tmmap_read_lock(mm); /* expect: mmap-lock-under-vma-lock */', '\t/* mm-lock-lens: ignore mmap-lock-under-vma-lock */\n\tmmap_read_lock(mm);');
  host.setFile('slice.c', text);
  assert.equal(host.findings('slice.c').filter((x) => x.rule === 'mmap-lock-under-vma-lock').length, 0);
  assert.equal(host.findings('slice.c').filter((x) => x.rule === 'anon-vma-prepare-under-vma-lock').length, 1);
});

test('before 6.4 there is no per-VMA lock: a ->fault runs under mmap_lock and anon_vma_prepare is fine', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.1' });
  host.setFile('slice.c', fixture('slice.c'));
  assert.equal(host.findings('slice.c').filter((x) => x.rule === 'anon-vma-prepare-under-vma-lock').length, 0);
  const p = host.profile('slice.c', 'bad_anon_fault');
  assert.deepEqual(p?.entry.map((e) => e.locks), [['mmap_read']]);
});

test('profile: entry contexts with witness chains, acquires and releases', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  host.setFile('slice.c', fixture('slice.c'));
  const p = host.profile('slice.c', 'bad_anon_fault');
  assert.ok(p);
  assert.equal(p.kernelVersion, '6.12');
  assert.deepEqual(p.entry.map((e) => e.locks).sort(), [['mmap_read'], ['vma_read']]);
  assert.equal(p.entry[0]!.via.at(-1)!.function, 'bad_anon_fault');
  assert.equal(p.needsAnonVma, true);
  const q = host.profile('slice.c', 'lookup');
  assert.ok(q);
  assert.deepEqual(q.acquires.map((a) => a.lock).sort(), ['mmap_read', 'vma_read']);
  assert.deepEqual(q.releases.map((a) => a.lock).sort(), ['mmap_read', 'vma_read']);
});

test('every rule: exactly the expected findings in a second kernel-style file', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  const text = fixture('rules.c');
  host.setFile('rules.c', text);
  const got = new Map<number, string[]>();
  for (const f of host.findings('rules.c')) got.set(f.line, [...(got.get(f.line) ?? []), f.rule].sort());
  assert.deepEqual([...got].sort((a, b) => a[0] - b[0]), [...expectations(text)].sort((a, b) => a[0] - b[0]));
});

test('functions() gives each definition from its return type to its closing brace', async () => {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  const text = fixture('slice.c');
  host.setFile('slice.c', text);
  const lines = text.split('\n');
  const fns = host.functions('slice.c');
  assert.ok(fns.length >= 2);
  for (const f of fns) {
    const r = f.definition;
    assert.ok(r.line <= f.line && (r.line < f.line || r.column < f.column), `${f.name} starts before its name`);
    assert.equal(lines[r.endLine - 1]![r.endColumn - 2], '}', `${f.name} ends after its closing brace`);
    assert.match(lines[r.line - 1]!.slice(r.column - 1), /^(static|void|int|vm_fault_t|struct|bool|unsigned|long)\b/, `${f.name} starts at its return type`);
  }
});
