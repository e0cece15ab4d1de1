/**
 * Loads files from disk into an analysis host: reads them (skipping what is not
 * analysable, with a reason on stderr), indexes them on worker threads when there
 * are enough of them (no whole-file tree-sitter parse: see core/parse.ts
 * `parseLight`), and reports progress for long runs.
 */
import * as os from 'os';
import { createAnalysisHost, type Workspace } from '../core';
import type { SourceFile } from './files';
import { readSource } from './files';
import { parseInWorkers } from './parse-pool';
import { Progress } from './progress';
import { loadCLanguage } from './tree-sitter';

export interface LoadOptions {
  kernelVersion?: string;
  makefile?: string;
  /** Worker threads: default 2 when there are many files, 0 = all on this thread. */
  workers?: number;
  progress?: Progress;
  warn?: (line: string) => void;
}

export interface Loaded {
  host: Workspace;
  analysed: number;
  skipped: number;
}

export async function loadFiles(files: SourceFile[], opts: LoadOptions = {}): Promise<Loaded> {
  const language = await loadCLanguage();
  const host = createAnalysisHost(language, { kernelVersion: opts.kernelVersion });
  if (opts.makefile !== undefined) host.setMakefile(opts.makefile);
  const warn = opts.warn ?? ((l: string) => process.stderr.write(`${l}\n`));
  const progress = opts.progress;
  const texts: { f: SourceFile; text: string }[] = [];
  let skipped = 0;
  for (const f of files) {
    const r = readSource(f.disk);
    if ('skip' in r) { warn(`mm-lock-lens: skipping ${f.display}: ${r.skip}`); skipped++; host.setSkippedFile(f.display, r.skip); continue; }
    texts.push({ f, text: r.text });
  }
  const total = texts.length;
  let indexed = 0;
  const bytes = texts.reduce((n, t) => n + t.text.length, 0);
  const workers = opts.workers ?? (total >= 8 && bytes > 400_000 ? Math.max(1, Math.min(2, os.cpus().length)) : 0);
  const done = new Set<number>();
  if (workers > 0) {
    try {
      await parseInWorkers(texts.map((t, id) => ({ id, text: t.text })), workers, (id, p) => {
        if (!p) return; // indexed here below
        const t = texts[id]!;
        done.add(id);
        host.setParsedFile(t.f.display, t.text, p);
        progress?.update(`mm-lock-lens: read ${++indexed}/${total} files`);
      });
    } catch (e) {
      warn(`mm-lock-lens: ${e instanceof Error ? e.message : String(e)}; reading the rest on the main thread`);
    }
  }
  for (const [id, t] of texts.entries()) {
    if (done.has(id)) continue;
    host.indexFile(t.f.display, t.text);
    progress?.update(`mm-lock-lens: read ${++indexed}/${total} files`);
  }
  return { host, analysed: total, skipped };
}
