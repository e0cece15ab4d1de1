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

/** Resident set size in bytes of a process and all its descendants (Linux /proc), or 0. */
export function treeRss(pid: number): number {
  const kids = new Map<number, number[]>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return 0;
  }
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid)!.push(Number(p));
    } catch { /* gone */ }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch { /* gone */ }
    stack.push(...(kids.get(p) ?? []));
  }
  return total;
}
