/**
 * Benchmark: cold `mm-lock-lens check` of a whole Linux 6.12 mm/ tree (about
 * 160 files, 5.7 MB) - wall time, peak RSS of the process tree, files/s -
 * against the issue's target (1.5 s, 250 MB on the 2-core machine), and
 * beside it Coccinelle running one comparable anon_vma rule
 * (anon-vma-prepare-under-vma-lock.cocci) on the same tree.
 * Prints figures and ratios; never fails on a timing. Installs nothing: a
 * missing tree or spatch is reported with the package to install.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../support/fixtures';
import { findTree, RssSampler, sourceFiles, totalBytes } from '../support/kernel-tree';
import { MUTATIONS_6_12, applyMutation, expectedLines } from '../support/mutations';

/** The command as installed (`bin` in package.json), with the node options its first line gives. */
const binPath = join(repoRoot, 'bin', 'mm-lock-lens.js');

const RUNS = 3;
const TARGET_MS = 1500;
const TARGET_MB = 250;

interface Run { ms: number; peakBytes: number; code: number | null; stdout: string; stderr: string }

/** Runs a command, sampling the RSS of its process tree every 10 ms. */
function measure(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const rss = child.pid ? new RssSampler(child.pid) : null;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setInterval(() => rss?.sample(), 10);
    child.on('error', (e) => { clearInterval(timer); reject(e); });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, peakBytes: rss?.peakBytes ?? 0, code, stdout, stderr });
    });
  });
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (b: number): string => (b / 1048576).toFixed(0);

async function main(): Promise<void> {
  if (!existsSync(cliPath)) { console.log('dist/cli.js missing: run npm run build'); process.exitCode = 1; return; }
  const tree = findTree('6.12', ['mm']);
  if ('missing' in tree) { console.log(`SKIP check of mm/: ${tree.missing}`); return; }
  const mmDir = join(tree.dir, 'mm');
  const files = sourceFiles(mmDir);
  const bytes = totalBytes(files);
  console.log(`tree: ${mmDir}: ${files.length} .c/.h files, ${(bytes / 1048576).toFixed(1)} MB`);

  // ours: RUNS cold processes
  const ours: Run[] = [];
  for (let i = 0; i < RUNS; i++) ours.push(await measure(binPath, ['check', '--format', 'json', mmDir], repoRoot)); // as users run it (its node options)
  const bad = ours.find((r) => r.code !== 0 && r.code !== 1);
  if (bad) { console.log(`check failed (exit ${bad.code}): ${bad.stderr.slice(0, 500)}`); process.exitCode = 1; return; }
  const json = JSON.parse(ours[0]!.stdout) as { diagnostics: { rule: string; severity: string }[]; stats: { files: number; functions: number; ms: number } };
  const wall = median(ours.map((r) => r.ms));
  const peak = Math.max(...ours.map((r) => r.peakBytes));
  const byRule = new Map<string, number>();
  for (const d of json.diagnostics) byRule.set(d.rule, (byRule.get(d.rule) ?? 0) + 1);
  console.log(`mm-lock-lens check (cold, ${RUNS} runs): wall median ${wall.toFixed(0)} ms [${ours.map((r) => r.ms.toFixed(0)).join(', ')}], ` +
    `peak RSS ${mb(peak)} MB, ${json.stats.files} files, ${json.stats.functions} functions, ${(json.stats.files / (wall / 1000)).toFixed(0)} files/s, ` +
    `${(bytes / 1048576 / (wall / 1000)).toFixed(1)} MB/s`);
  console.log(`  target ${TARGET_MS} ms / ${TARGET_MB} MB: time ${(wall / TARGET_MS).toFixed(2)}x target, memory ${(peak / 1048576 / TARGET_MB).toFixed(2)}x target`);
  console.log(`  findings: ${[...byRule].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);

  // Coccinelle, the same tree, one comparable rule
  const spatch = spawnSync('spatch', ['--version'], { encoding: 'utf8' });
  if (spatch.error || spatch.status !== 0) { console.log('SKIP coccinelle: spatch not found (apt-get install coccinelle)'); return; }
  const cocci = join(repoRoot, 'test', 'bench', 'anon-vma-prepare-under-vma-lock.cocci');
  const variants: [string, string[]][] = [
    ['spatch -j 2 (token pre-filter: parses only files naming both identifiers)', []],
    ['spatch -j 2 --disable-worth-trying-opt (parses every file)', ['--disable-worth-trying-opt']],
  ];
  for (const [label, extra] of variants) {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure('spatch', ['--sp-file', cocci, '--dir', mmDir, '--very-quiet', '-j', '2', ...extra], tmpdir()));
    const w = median(runs.map((r) => r.ms));
    const hits = runs[0]!.stdout.split('\n').filter(Boolean);
    console.log(`${label}: wall median ${w.toFixed(0)} ms, peak RSS ${mb(Math.max(...runs.map((r) => r.peakBytes)))} MB, ${hits.length} hit(s)`);
    for (const h of hits) console.log(`    ${h.replace(mmDir + '/', 'mm/')}`);
    console.log(`  ratio mm-lock-lens (all 8 rules, interprocedural) / coccinelle (1 local rule): ${(wall / w).toFixed(2)}`);
  }

  // Reach: the same mutation (do_anonymous_page back on anon_vma_prepare) seen by each tool.
  const mutation = MUTATIONS_6_12[0]!;
  const memory = join(tree.dir, mutation.file);
  const tmp = mkdtempSync(join(tmpdir(), 'mmll-bench-mut-'));
  try {
    cpSync(mmDir, join(tmp, 'mm'), { recursive: true });
    cpSync(join(tree.dir, 'Makefile'), join(tmp, 'Makefile'));
    const mutated = applyMutation(readFileSync(memory, 'utf8'), mutation);
    writeFileSync(join(tmp, mutation.file), mutated);
    const want = expectedLines(mutated, mutation);
    const o = await measure(binPath, ['check', '--format', 'json', 'mm'], tmp);
    const caught = (JSON.parse(o.stdout) as { diagnostics: { file: string; line: number; rule: string }[] }).diagnostics
      .some((d) => d.file === mutation.file && d.line === want.first && d.rule === mutation.rule);
    const c = await measure('spatch', ['--sp-file', cocci, '--dir', join(tmp, 'mm'), '--very-quiet', '-j', '2'], tmpdir());
    const ccaught = c.stdout.split('\n').some((l) => l.includes(`memory.c:${want.first}:`));
    console.log(`reach: ${mutation.name} (${mutation.file}:${want.first}): mm-lock-lens ${caught ? 'catches it' : 'MISSES it'}, ` +
      `coccinelle ${ccaught ? 'catches it' : 'misses it (do_anonymous_page() does not test FAULT_FLAG_VMA_LOCK itself; the VMA lock comes from its callers)'}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
