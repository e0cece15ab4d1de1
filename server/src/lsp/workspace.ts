/**
 * The server's disk side: finding the workspace's C files, reading them with
 * the size and binary checks, and finding the kernel tree's top Makefile.
 * The analysis core never reads the disk; this module does it for the server.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { MAX_FILE_SIZE } from '../core/workspace';

const C_FILE = /\.[ch]$/;

/** Lists the .c and .h files below `root`, skipping excluded paths (relative, `/`-separated) and symlinks. */
export async function listCFiles(root: string, excluded: (rel: string) => boolean, isCancelled: () => boolean): Promise<string[]> {
  const out: string[] = [];
  const stack = [''];
  while (stack.length) {
    if (isCancelled()) break;
    const rel = stack.pop()!;
    let entries: import('fs').Dirent[];
    try {
      entries = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      continue; // unreadable folder: nothing to index there
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (excluded(r)) continue;
      if (e.isDirectory()) stack.push(r);
      else if (e.isFile() && C_FILE.test(e.name)) out.push(path.join(root, r));
    }
  }
  return out.sort();
}

export type ReadResult = { text: string } | { skipped: string };

/** Reads a source file for the analysis, or says why it is skipped (too large, binary, unreadable); the server's watcher uses it. */
export async function readSource(file: string): Promise<ReadResult> {
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return { skipped: 'not a regular file' };
    if (st.size > MAX_FILE_SIZE) return { skipped: `larger than 4 MB (${(st.size / 1048576).toFixed(1)} MB)` };
    const buf = await fsp.readFile(file);
    if (buf.subarray(0, 8192).includes(0)) return { skipped: 'binary (contains NUL bytes)' };
    const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
    return { text };
  } catch (e) {
    return { skipped: `unreadable (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
}

/** A kernel tree's top Makefile starts with `VERSION =` and `PATCHLEVEL =` lines. */
export function looksLikeKernelMakefile(text: string): boolean {
  return /^VERSION\s*=\s*\d+/m.test(text) && /^PATCHLEVEL\s*=\s*\d+/m.test(text);
}

/**
 * The top Makefile of the kernel tree containing `dir` (dir itself or an
 * ancestor), so a workspace opened on `mm/` still finds the version.
 */
export async function findKernelMakefile(dir: string): Promise<{ file: string; text: string } | undefined> {
  let cur = path.resolve(dir);
  for (let i = 0; i < 64; i++) {
    const file = path.join(cur, 'Makefile');
    try {
      const st = await fsp.stat(file);
      if (st.isFile() && st.size < 1024 * 1024) {
        const text = await fsp.readFile(file, 'utf8');
        if (looksLikeKernelMakefile(text)) return { file, text };
      }
    } catch { /* no Makefile here */ }
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  return undefined;
}
