/**
 * Files handed in with `indexFile` (no tree; IR bodies built when first
 * interpreted) must be analysed exactly like files handed in with `setFile`
 * (whole-file parse), and the call graph comes from the text for both.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAnalysisHost } from '../../server/src/core';
import { parseLight, scanCalls } from '../../server/src/core/parse';
import { codeView } from '../../server/src/core/normalize';
import { loadCLanguage } from '../../server/src/node/tree-sitter';
import { listFixtures, repoRoot } from '../support/fixtures';

async function hostWith(files: [string, string][], lazy: boolean, version: string) {
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: version });
  for (const [p, t] of files) if (lazy) host.indexFile(p, t); else host.setFile(p, t);
  return host;
}

function assertSameAnalysis(eager: Awaited<ReturnType<typeof hostWith>>, lazy: Awaited<ReturnType<typeof hostWith>>, paths: string[], what: string): void {
  for (const p of paths) {
    assert.deepEqual(lazy.findings(p), eager.findings(p), `findings of ${p} (${what})`);
    const fe = eager.functions(p), fl = lazy.functions(p);
    assert.deepEqual(fl.map((f) => [f.name, f.line, f.entrySummary]), fe.map((f) => [f.name, f.line, f.entrySummary]), `functions of ${p} (${what})`);
    for (const f of fe) assert.deepEqual(lazy.profile(p, f.name), eager.profile(p, f.name), `profile of ${f.name} in ${p} (${what})`);
  }
}

test('indexFile and setFile give the same findings, functions and profiles on every fixture', async () => {
  const files: [string, string][] = listFixtures().map((f) => [f, readFileSync(f, 'utf8')]);
  assert.ok(files.length >= 10, `fixtures found: ${files.length}`);
  for (const version of ['6.1', '6.12']) {
    // one file at a time, as the fixture tests check them
    for (const [p, t] of files) assertSameAnalysis(await hostWith([[p, t]], false, version), await hostWith([[p, t]], true, version), [p], version);
  }
});

test('indexFile and setFile give the same analysis of the sample workspace as a whole', async () => {
  const dir = join(repoRoot, 'examples');
  const paths = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.[ch]$/.test(f)).map((f) => join(dir, f)).sort();
  assert.ok(paths.length >= 3, `sample files: ${paths.length}`);
  const files: [string, string][] = paths.map((p) => [p, readFileSync(p, 'utf8')]);
  assertSameAnalysis(await hostWith(files, false, '6.12'), await hostWith(files, true, '6.12'), paths, 'examples/');
  assert.ok((await hostWith(files, true, '6.12')).allFindings().length > 0, 'the sample shows findings');
});

test('a lazily indexed file opened later keeps its analysis and gets its parse errors', async () => {
  const text = [
    'vm_fault_t broken_fault(struct vm_fault *vmf)',
    '{',
    '\tstruct vm_area_struct *vma = vmf->vma;',
    '\tint x = ;',
    '\tif (anon_vma_prepare(vma))',
    '\t\treturn VM_FAULT_OOM;',
    '\treturn 0;',
    '}',
    '',
  ].join('\n');
  const host = createAnalysisHost(await loadCLanguage(), { kernelVersion: '6.12' });
  host.indexFile('b.c', text);
  const before = host.findings('b.c');
  assert.equal(before.length, 1, JSON.stringify(before));
  host.setFile('b.c', text);
  assert.deepEqual(host.findings('b.c'), before);
  assert.equal(host.hasParseErrors('b.c'), true);
  assert.equal(host.functions('b.c').find((f) => f.name === 'broken_fault')?.parseErrors, true);
});

test('scanCalls finds direct calls, not members, keywords, declarators or directive lines', () => {
  const src = [
    'void f(struct vm_fault *vmf)',
    '{',
    '\tvoid (*free_folio)(struct folio *);',
    '\tif (vma_is_anonymous(vmf->vma) && !vmf->vma->vm_ops->fault(vmf))',
    '\t\tkfree(container_of(kobj, struct x, kobj)); /* not_a_call(x) */',
    '#if defined(CONFIG_X) && IS_ENABLED(CONFIG_Y)',
    '\tsizeof(int) + offsetof(struct x, y);',
    '#endif',
    '\treturn ERR_PTR(-ENOMEM) ? "str(ing)" : lock_vma_under_rcu (mm, addr);',
    '}',
  ].join('\n');
  const code = codeView(src);
  const open = src.indexOf('{');
  const calls = scanCalls(code, open, src.length, 0);
  assert.deepEqual(calls.names, ['vma_is_anonymous', 'kfree', 'container_of', 'lock_vma_under_rcu']);
  assert.equal(calls.offsets[3], src.indexOf('lock_vma_under_rcu'));
  const light = parseLight(src);
  assert.equal(light.fns.length, 1);
  assert.equal(light.fns[0]!.ir.body, undefined, 'no body before the analysis asks for it');
  assert.deepEqual(light.fns[0]!.ir.callees, ['vma_is_anonymous', 'kfree', 'container_of', 'lock_vma_under_rcu']);
});
