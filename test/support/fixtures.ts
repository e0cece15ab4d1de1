/**
 * Fixture expectations and the way tests drive the real CLI.
 *
 * A fixture is a C file under test/fixtures/ written in kernel style. A line
 * ending with a comment `expect: RULE-ID[, RULE-ID...]` expects exactly those
 * findings on that line; every other line expects none. An optional
 * first-line comment `mm-lock-lens: kernel-version X.Y [X.Y...]` sets the
 * version; with several, the fixture is checked once per version, and
 * `expect(X.Y X.Y): RULE-ID` binds an expectation to the versions named (the
 * same code under kernels whose rules differ, in one file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const cliPath = join(repoRoot, 'dist', 'cli.js');

const EXPECT_RE = /\/\*\s*expect(?:\(([\d.\s]+)\))?:\s*([A-Za-z0-9_,\s-]+?)\s*\*\/\s*$/;
const VERSION_RE = /^\s*\/\*\s*mm-lock-lens:\s*kernel-version\s+(\d+\.\d+(?:\s+\d+\.\d+)*)\s*\*\/\s*$/;

export interface LineRule {
  line: number;
  rule: string;
}

export interface VersionedLineRule extends LineRule {
  /** The kernel versions this expectation holds for; undefined: every version the fixture is checked under. */
  versions?: string[];
}

export interface FixtureExpectation {
  /** The versions to check the fixture under; [undefined] when the header names none (the CLI's default). */
  kernelVersions: (string | undefined)[];
  expected: VersionedLineRule[];
}

/** The expectations that hold when the fixture is checked under `version`. */
export function expectedFor(fx: FixtureExpectation, version: string | undefined): LineRule[] {
  return fx.expected
    .filter((e) => !e.versions || (version !== undefined && e.versions.includes(version)))
    .map(({ line, rule }) => ({ line, rule }));
}

export function parseFixture(text: string): FixtureExpectation {
  const lines = text.split(/\r?\n/);
  const header = VERSION_RE.exec(lines[0] ?? '');
  const kernelVersions = header ? header[1]!.split(/\s+/) : [undefined];
  const expected: VersionedLineRule[] = [];
  lines.forEach((l, i) => {
    const m = EXPECT_RE.exec(l);
    if (!m) return;
    const versions = m[1] ? m[1].trim().split(/\s+/) : undefined;
    for (const rule of m[2]!.split(',').map((s) => s.trim()).filter(Boolean)) expected.push({ line: i + 1, rule, ...(versions ? { versions } : {}) });
  });
  return { kernelVersions, expected };
}

/** The fixture folders written in the expectation format (others, e.g. simulate/, serve other tests). */
export const EXPECTATION_DIRS = ['rules', 'versions', 'parsing', 'core'];

/** Every .c file below the expectation folders of test/fixtures/, sorted, as paths relative to the repo root. */
export function listFixtures(): string[] {
  return EXPECTATION_DIRS.flatMap((d) => listCFiles(join(fixturesDir, d)));
}

function listCFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.c')) out.push(relative(repoRoot, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const key = (f: LineRule): string => `${f.line}\u0000${f.rule}`;

/** Multiset difference, as readable lines `FILE:LINE: expected [..] got [..]`. */
export function diffFindings(file: string, expected: LineRule[], actual: LineRule[], messages = new Map<string, string>()): string[] {
  const count = (xs: LineRule[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
    return m;
  };
  const e = count(expected);
  const a = count(actual);
  const lines = new Set<number>([...expected, ...actual].map((x) => x.line));
  const out: string[] = [];
  for (const line of [...lines].sort((x, y) => x - y)) {
    const exp = expected.filter((x) => x.line === line).map((x) => x.rule).sort();
    const got = actual.filter((x) => x.line === line).map((x) => x.rule).sort();
    const same = exp.length === got.length && exp.every((r) => (e.get(`${line}\u0000${r}`) ?? 0) === (a.get(`${line}\u0000${r}`) ?? 0));
    if (same) continue;
    const why = got.map((r) => messages.get(`${line}\u0000${r}`)).filter(Boolean);
    out.push(`${file}:${line}: expected [${exp.join(', ') || 'none'}] got [${got.join(', ') || 'none'}]${why.length ? ` (${why.join('; ')})` : ''}`);
  }
  return out;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  rule: string;
  message: string;
  related: { file: string; line: number; column: number; message: string }[];
}

export interface CheckJson {
  diagnostics: JsonDiagnostic[];
  stats: { files: number; functions: number; ms: number };
}
