/**
 * Loads files from disk into an analysis host: reads them (skipping what is not
 * analysable, with a reason on stderr), parses them on worker threads when there
 * are enough of them, and reports progress for long runs.
 */
import * as os from 'os';
import { Parser } from 'web-tree-sitter';
import { createAnalysisHost, type Workspace } from '../core';
import { parseText } from '../core/parse';
import type { SourceFile } from './files';
import { readSource } from './files';
import { parseInWorkers } from './parse-pool';
import { Progress } from './progress';
import { loadCLanguage } from './tree-sitter';

export interface LoadOptions {
  kernelVersion?: string;
  makefile?: string;
  /** Worker threads for parsing: default 2 when there are many files, 0 = parse here. */
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
  let parsed = 0;
  const bytes = texts.reduce((n, t) => n + t.text.length, 0);
  const workers = opts.workers ?? (total >= 8 && bytes > 400_000 ? Math.max(1, Math.min(2, os.cpus().length)) : 0);
  const done = new Set<number>();
  let viaWorkers = false;
  try {
    viaWorkers = workers > 0 && await parseInWorkers(texts.map((t, id) => ({ id, text: t.text })), workers, (id, p, err) => {
    const t = texts[id]!;
    done.add(id);
    if (p) host.setParsedFile(t.f.display, t.text, p);
    else { warn(`mm-lock-lens: skipping ${t.f.display}: parse failed (${err ?? 'unknown error'})`); host.setSkippedFile(t.f.display, 'parse failed'); }
    parsed++;
    progress?.update(`mm-lock-lens: parsed ${parsed}/${total} files`);
  });
  } catch (e) {
    // Parse what the workers did not finish here.
    warn(`mm-lock-lens: ${e instanceof Error ? e.message : String(e)}; parsing the rest on the main thread`);
    viaWorkers = false;
  }
  if (!viaWorkers) {
    const parser = new Parser();
    parser.setLanguage(language);
    for (const [id, t] of texts.entries()) {
      if (done.has(id)) continue;
      const skip = host.skipReason(t.f.display);
      void skip;
      const out = parseText(parser, t.text);
      out.tree?.delete();
      host.setParsedFile(t.f.display, t.text, out);
      parsed++;
      progress?.update(`mm-lock-lens: parsed ${parsed}/${total} files`);
    }
    parser.delete();
  }
  return { host, analysed: total, skipped };
}
