/**
 * The `check` and `context` command-line contract (issue 2): output formats,
 * exit codes, paths as given, skipped inputs, usage errors. Driven through
 * the real bundle, dist/cli.js, on fixtures and on files made here.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, repoRoot, type CheckJson } from '../support/fixtures';

const withErrors = 'test/fixtures/rules/anon-vma-prepare-under-vma-lock.c';
const infoOnly = 'test/fixtures/rules/sleep-under-mmap-write-lock.c';
const clean = 'test/fixtures/versions/anon-vma-prepare.c'; // clean when checked as 6.1
const unlockFixture = 'test/fixtures/rules/unlock-not-held.c';
/** 1-based line where `needle` (which may span lines) starts in a repo file. */
function lineOf(file: string, needle: string): number {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in ${file}`);
  return text.slice(0, at).split('\n').length;
}
/** Kernel-style C with nothing to report under any version. */
const cleanC = `// SPDX-License-Identifier: GPL-2.0
#include <linux/mm.h>

static int demo_count(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	int n = 0;
	VMA_ITERATOR(vmi, mm, 0);

	mmap_read_lock(mm);
	for_each_vma(vmi, vma)
		n++;
	mmap_read_unlock(mm);
	return n;
}
`;
const TEXT_LINE = /^(.+):(\d+):(\d+): (error|warning|info): (.+) \[([a-z0-9-]+)\]$/;
const RULE_IDS = [
  'anon-vma-prepare-under-vma-lock', 'vma-used-after-fault-lock-dropped', 'unlock-not-held',
  'lock-not-released', 'mmap-lock-under-vma-lock', 'vma-write-without-mmap-write-lock',
  'lock-vma-under-rcu-private-file', 'sleep-under-mmap-write-lock',
];

function json(args: string[], cwd?: string): { status: number | null; out: CheckJson; stderr: string } {
  const r = runCli(['check', '--format', 'json', ...args], { cwd });
  assert.ok(r.stdout.trim().startsWith('{'), `stdout is not JSON: ${r.stdout.slice(0, 200)} / ${r.stderr}`);
  return { status: r.status, out: JSON.parse(r.stdout) as CheckJson, stderr: r.stderr };
}

describe('check: formats', () => {
  test('text: one FILE:LINE:COL: SEVERITY: MESSAGE [RULE-ID] line per finding', () => {
    const r = runCli(['check', '--kernel-version', '6.12', withErrors]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.ok(lines.length >= 2, r.stdout);
    for (const l of lines) {
      const m = TEXT_LINE.exec(l);
      assert.ok(m, `not FILE:LINE:COL: SEVERITY: MESSAGE [RULE-ID]: ${l}`);
      assert.equal(m[1], withErrors);
      assert.ok(RULE_IDS.includes(m[6]!), `unknown rule in ${l}`);
    }
    assert.ok(lines.some((l) => l.endsWith('[anon-vma-prepare-under-vma-lock]') && l.includes(': error: ')));
  });

  test('json: the documented shape, 1-based positions, related locations', () => {
    const { status, out } = json(['--kernel-version', '6.12', withErrors]);
    assert.equal(status, 1);
    assert.deepEqual(Object.keys(out).sort(), ['diagnostics', 'stats']);
    assert.equal(typeof out.stats.files, 'number');
    assert.equal(out.stats.files, 1);
    assert.ok(out.stats.functions >= 9, `functions: ${out.stats.functions}`);
    assert.equal(typeof out.stats.ms, 'number');
    const text = readFileSync(join(repoRoot, withErrors), 'utf8').split('\n');
    for (const d of out.diagnostics) {
      for (const k of ['file', 'line', 'column', 'endLine', 'endColumn', 'severity', 'rule', 'message', 'related']) assert.ok(k in d, `missing ${k}`);
      assert.ok(['error', 'warning', 'info'].includes(d.severity));
      assert.ok(d.line >= 1 && d.column >= 1 && (d.endLine > d.line || d.endColumn > d.column), JSON.stringify(d));
      assert.ok(d.message.length > 10);
      assert.ok(Array.isArray(d.related));
      for (const r of d.related) assert.ok(typeof r.file === 'string' && r.line >= 1 && r.column >= 1 && typeof r.message === 'string');
    }
    // Columns count characters (a tab is one): the finding starts at the call it is about.
    const d = out.diagnostics.find((x) => x.rule === 'anon-vma-prepare-under-vma-lock')!;
    const src = text[d.line - 1]!;
    assert.match(src.slice(d.column - 1), /^_*anon_vma_prepare\(/, `column ${d.column} of: ${src}`);
  });

  test('every finding carries related locations (witness chain, lock or drop site)', () => {
    const { out } = json(['--kernel-version', '6.12', withErrors]);
    const bare = out.diagnostics.filter((d) => d.related.length === 0);
    assert.deepEqual(bare.map((d) => `${d.line} ${d.rule}`), []);
  });

  test('sarif: a valid SARIF 2.1.0 log with rule ids and locations', () => {
    const r = runCli(['check', '--format', 'sarif', '--kernel-version', '6.12', withErrors]);
    assert.equal(r.status, 1, r.stderr);
    const log = JSON.parse(r.stdout) as any;
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif.*2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'mm-lock-lens');
    const ruleIds = (run.tool.driver.rules as any[]).map((x) => x.id);
    for (const id of ruleIds) assert.ok(RULE_IDS.includes(id), id);
    assert.ok(run.results.length >= 2);
    for (const res of run.results) {
      assert.ok(RULE_IDS.includes(res.ruleId), res.ruleId);
      if (res.ruleIndex !== undefined) assert.equal(ruleIds[res.ruleIndex], res.ruleId);
      assert.ok(['error', 'warning', 'note', 'none'].includes(res.level), res.level);
      assert.equal(typeof res.message.text, 'string');
      const loc = res.locations[0].physicalLocation;
      assert.equal(typeof loc.artifactLocation.uri, 'string');
      assert.ok(loc.artifactLocation.uri.endsWith('anon-vma-prepare-under-vma-lock.c'));
      assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
    }
    const j = json(['--kernel-version', '6.12', withErrors]).out;
    assert.equal(run.results.length, j.diagnostics.length, 'sarif and json disagree on the number of findings');
  });

  test('an unknown format is a usage error', () => {
    const r = runCli(['check', '--format', 'xml', withErrors]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /format/i);
    assert.equal(r.stdout, '');
  });
});

describe('check: exit codes and paths', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mmll-cli-'));
    mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
    copyFileSync(join(repoRoot, withErrors), join(dir, 'tree', 'sub', 'bad.c'));
    writeFileSync(join(dir, 'tree', 'ok.c'), cleanC);
    writeFileSync(join(dir, 'tree', 'README'), 'not C\n');
    writeFileSync(join(dir, 'binary.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0, 0]));
    writeFileSync(join(dir, 'latin1.c'), Buffer.concat([Buffer.from('/* caf'), Buffer.from([0xe9, 0xff]), Buffer.from(' */\nint x;\n')]));
    writeFileSync(join(dir, 'huge.c'), 'int x;\n' + '/* padding */\n'.repeat(Math.ceil((4 * 1024 * 1024 + 10) / 14)));
    writeFileSync(join(dir, 'notes.txt'), 'mmap_read_lock(mm);\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('0 without error findings (info only, or nothing at all)', () => {
    assert.equal(runCli(['check', '--kernel-version', '6.12', infoOnly]).status, 0);
    const r = runCli(['check', '--kernel-version', '6.1', clean]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim(), '');
  });

  test('1 with error findings', () => {
    assert.equal(runCli(['check', withErrors]).status, 1);
  });

  test('2 for a path that does not exist, with a message naming it', () => {
    const r = runCli(['check', 'no/such/file.c']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no\/such\/file\.c/);
    assert.equal(r.stdout, '');
  });

  test('2 without any path, or with a bad kernel version', () => {
    assert.equal(runCli(['check']).status, 2);
    const r = runCli(['check', '--kernel-version', 'banana', withErrors]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /version/i);
  });

  test('paths as given: relative stays relative, absolute stays absolute, directories recurse', () => {
    const rel = json(['--kernel-version', '6.12', 'tree'], dir);
    assert.equal(rel.status, 1);
    const files = new Set(rel.out.diagnostics.map((d) => d.file));
    assert.deepEqual([...files], ['tree/sub/bad.c']);
    assert.equal(rel.out.stats.files, 2, 'ok.c and sub/bad.c; README is not C');
    const abs = json(['--kernel-version', '6.12', join(dir, 'tree')]);
    assert.deepEqual([...new Set(abs.out.diagnostics.map((d) => d.file))], [join(dir, 'tree', 'sub', 'bad.c')]);
    const dot = json(['--kernel-version', '6.12', './tree/sub/bad.c'], dir);
    assert.deepEqual([...new Set(dot.out.diagnostics.map((d) => d.file))], ['./tree/sub/bad.c']);
  });

  test('binary, non-UTF-8, over-4-MB and non-C files are skipped with a one-line reason each', () => {
    const r = runCli(['check', '--kernel-version', '6.12', 'binary.c', 'latin1.c', 'huge.c', 'notes.txt', 'tree/ok.c'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const err = r.stderr.split('\n').filter(Boolean);
    for (const f of ['binary.c', 'latin1.c', 'huge.c', 'notes.txt']) {
      const hits = err.filter((l) => l.includes(f));
      assert.equal(hits.length, 1, `expected one stderr line about ${f}, got:\n${r.stderr}`);
      assert.match(hits[0]!, /skip/i);
    }
  });

  test('2 when nothing could be analysed', () => {
    const r = runCli(['check', 'binary.c', 'notes.txt'], { cwd: dir });
    assert.equal(r.status, 2);
    assert.ok(r.stderr.length > 0);
  });
});

describe('context', () => {
  test('JSON: the documented shape, and entry contexts from the ops table', () => {
    const r = runCli(['context', withErrors, 'ringbuf_fault', '--format', 'json', '--kernel-version', '6.12']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(p).sort(), ['acquires', 'entry', 'fallbacks', 'file', 'function', 'kernelVersion', 'line', 'needsAnonVma', 'releases', 'writesVma'].sort());
    assert.equal(p.function, 'ringbuf_fault');
    assert.equal(p.file, withErrors);
    assert.equal(p.line, lineOf(withErrors, 'static vm_fault_t ringbuf_fault('));
    assert.equal(p.kernelVersion, '6.12');
    assert.equal(p.needsAnonVma, true);
    assert.equal(p.writesVma, false);
    const sets = (p.entry as { locks: string[]; via: { function: string; file: string; line: number }[] }[]).map((e) => e.locks.slice().sort().join('+'));
    assert.ok(sets.includes('vma_read'), `entry: ${JSON.stringify(p.entry)}`);
    assert.ok(sets.includes('mmap_read'), `entry: ${JSON.stringify(p.entry)}`);
    for (const e of p.entry) for (const v of e.via) assert.ok(typeof v.function === 'string' && typeof v.line === 'number');
    for (const k of ['acquires', 'releases', 'fallbacks']) assert.ok(Array.isArray(p[k]));
  });

  test('JSON: a function that takes and drops locks lists them, with lines', () => {
    const r = runCli(['context', unlockFixture, 'demo_set_range_fixed', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    // No caller: entered with no mm lock, or with an unknown context (an empty list).
    assert.ok(p.entry.every((e: { locks: string[] }) => e.locks.length === 0), JSON.stringify(p.entry));
    assert.ok(p.acquires.some((a: { lock: string; line: number; call: string }) => a.lock === 'mmap_write' && a.call.includes('mmap_write_lock_killable') && a.line === lineOf(unlockFixture, '\tif (mmap_write_lock_killable(mm))\n\t\treturn -EINTR;')), JSON.stringify(p.acquires));
    assert.ok(p.releases.some((a: { lock: string; line: number }) => a.lock === 'mmap_write' && a.line === lineOf(unlockFixture, 'out_unlock:\n\tmmap_write_unlock(mm);\n\treturn err;') + 1), JSON.stringify(p.releases));
  });

  test('a file-operations ->mmap handler is entered with mmap_lock held for write', () => {
    const r = runCli(['context', 'test/fixtures/parsing/ops-tables.c', 'demo_mmap', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    assert.ok(p.entry.some((e: { locks: string[] }) => e.locks.includes('mmap_write')), JSON.stringify(p.entry));
    assert.equal(p.writesVma, true);
  });

  test('text format prints something readable', () => {
    const t = runCli(['context', withErrors, 'ringbuf_fault']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /ringbuf_fault/);
    assert.match(t.stdout, /vma_read/);
    assert.match(t.stdout, /mmap_read/);
  });

  test('a helper called by a function that took the VMA lock itself is entered with vma_read', () => {
    const r = runCli(['context', withErrors, 'demo_anonymous_page', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout) as { entry: { locks: string[]; via: { function: string }[] }[] };
    const e = p.entry.find((x) => x.locks.includes('vma_read'));
    assert.ok(e, JSON.stringify(p.entry));
    assert.deepEqual(e.via.map((v) => v.function), ['demo_user_fault', 'demo_anonymous_page']);
  });

  test('an unknown function or file is exit 2 with a message', () => {
    const r = runCli(['context', withErrors, 'no_such_function']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no_such_function/);
    assert.equal(runCli(['context', resolve('no/such.c'), 'f']).status, 2);
  });
});
