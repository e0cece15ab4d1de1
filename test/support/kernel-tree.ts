/**
 * Real kernel trees for tests and benchmarks. Nothing here is committed:
 * trees come from Debian's linux-source-X.Y packages (tarballs under
 * /usr/src) or from a directory named by MMLL_TREE_X_Y (e.g.
 * MMLL_TREE_6_12=/work/trees/linux-6.12). Extraction goes to a temporary
 * directory, only the parts asked for.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tarballPath(version: string): string {
  return `/usr/src/linux-source-${version}.tar.xz`;
}

/** A directory holding the tree's top Makefile and the given parts, or null with the reason. */
export function findTree(version: string, parts: string[]): { dir: string } | { missing: string } {
  const envName = `MMLL_TREE_${version.replace('.', '_')}`;
  const candidates = [process.env[envName], `/work/trees/linux-${version}`].filter((d): d is string => !!d);
  for (const d of candidates) {
    if (parts.every((p) => existsSync(join(d, p))) && existsSync(join(d, 'Makefile'))) return { dir: d };
  }
  const tar = tarballPath(version);
  if (!existsSync(tar)) return { missing: `no linux ${version} tree: apt-get install linux-source-${version} (gives ${tar}), or set ${envName}=DIR` };
  return { dir: extractParts(version, parts) };
}

/** Extracts `parts` (directories or files below the tree's top) and the top Makefile into a temp dir. */
export function extractParts(version: string, parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), `mmll-linux-${version}-`));
  const top = `linux-source-${version}`;
  const members = [`${top}/Makefile`, ...parts.map((p) => `${top}/${p}`)];
  const r = spawnSync('tar', ['-xJf', tarballPath(version), '-C', dir, '--strip-components=1', ...members], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed on ${tarballPath(version)}: ${r.stderr}`);
  return dir;
}

/** Every .c and .h file below dir, sorted. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.[ch]$/.test(n)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function totalBytes(files: string[]): number {
  return files.reduce((s, f) => s + statSync(f).size, 0);
}

/**
 * Peak resident memory of a process and its descendants (Linux /proc), sampled while it runs.
 * Finding the descendants means reading every process's stat file (~0.4 ms here): that is
 * done every `DISCOVER_EVERY` ticks, and at the other ticks only the known members' status
 * files are read, so the sampler takes a few percent of a core, not a quarter of one, from
 * the run it measures on a 2-core machine. The peak is the largest sum of the members'
 * current RSS seen at a tick, or the largest single member's own high-water mark (VmHWM,
 * kept by the kernel), whichever is larger: exact for a single process, whenever it peaked.
 */
export class RssSampler {
  private static readonly DISCOVER_EVERY = 10;
  private members: number[];
  private tick = 0;
  peakBytes = 0;

  constructor(private readonly pid: number) {
    this.members = [pid];
  }

  sample(): void {
    if (this.tick++ % RssSampler.DISCOVER_EVERY === 0) this.members = descendants(this.pid);
    let sum = 0;
    for (const p of this.members) {
      try {
        const status = readFileSync(`/proc/${p}/status`, 'utf8');
        const rss = /VmRSS:\s+(\d+) kB/.exec(status), hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (rss) sum += Number(rss[1]) * 1024;
        if (hwm) this.peakBytes = Math.max(this.peakBytes, Number(hwm[1]) * 1024);
      } catch { /* gone */ }
    }
    this.peakBytes = Math.max(this.peakBytes, sum);
  }
}

/** A process and all its descendants (Linux /proc). */
function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [pid];
  }
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid)!.push(Number(p));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}
