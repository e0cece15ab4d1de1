/**
 * Reading kernel trees from disk for the CLI: which files to analyse under the
 * paths given, how to read them (binary, non-UTF-8 and over-size files are
 * skipped with a reason), and where the tree's top Makefile is.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MAX_FILE_SIZE } from '../core/workspace';
import { versionFromMakefile } from '../core/version';

export interface SourceFile {
  /** The path as the user should see it: the given path joined with the path below it. */
  display: string;
  /** The path on disk. */
  disk: string;
}

export class UsageError extends Error {}

function joinDisplay(given: string, rel: string): string {
  if (!rel) return given;
  return given.endsWith('/') ? given + rel : `${given}/${rel}`;
}

/** The .c and .h files under the given paths (files named directly are taken whatever their name). */
export function collectFiles(paths: string[]): SourceFile[] {
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  for (const given of paths) {
    let st: fs.Stats;
    try { st = fs.statSync(given); } catch { throw new UsageError(`${given}: no such file or directory`); }
    if (st.isFile()) {
      const real = fs.realpathSync(given);
      if (!seen.has(real)) { seen.add(real); out.push({ display: given, disk: given }); }
      continue;
    }
    if (!st.isDirectory()) throw new UsageError(`${given}: not a file or directory`);
    const walk = (dir: string, rel: string): void => {
      let entries: fs.Dirent[];
      try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const disk = path.join(dir, e.name);
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(disk, r);
        else if (e.isFile() && /\.[ch]$/.test(e.name)) {
          let real: string;
          try { real = fs.realpathSync(disk); } catch { continue; }
          if (seen.has(real)) continue;
          seen.add(real);
          out.push({ display: joinDisplay(given, r), disk });
        }
      }
    };
    walk(given, '');
  }
  return out;
}

export type ReadResult = { text: string } | { skip: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

export function readSource(disk: string): ReadResult {
  let buf: Buffer;
  try {
    const st = fs.statSync(disk);
    if (st.size > MAX_FILE_SIZE) return { skip: `larger than ${MAX_FILE_SIZE / 1024 / 1024} MB` };
    buf = fs.readFileSync(disk);
  } catch (e) {
    return { skip: `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!/\.[ch]$/i.test(disk)) return { skip: 'not a C source or header (.c, .h)' };
  if (buf.includes(0)) return { skip: 'binary (contains NUL bytes)' };
  try {
    return { text: decoder.decode(buf) };
  } catch {
    return { skip: 'not UTF-8' };
  }
}

/** The top directory of the kernel tree containing `p` (a directory with a Makefile giving VERSION/PATCHLEVEL), or undefined. */
export function findKernelTop(p: string): { dir: string; makefile: string } | undefined {
  let dir: string;
  try { dir = fs.statSync(p).isDirectory() ? path.resolve(p) : path.dirname(path.resolve(p)); } catch { return undefined; }
  for (;;) {
    const mk = path.join(dir, 'Makefile');
    try {
      const text = fs.readFileSync(mk, 'utf8');
      if (versionFromMakefile(text)) return { dir, makefile: text };
    } catch { /* none here */ }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
