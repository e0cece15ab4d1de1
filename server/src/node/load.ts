/**
 * Loads files from disk into an analysis host: reads them (skipping what is not
 * analysable, with a reason on stderr) and indexes them (`indexFile`: no
 * tree-sitter yet, bodies are parsed when the analysis first interprets them;
 * the whole of mm/ indexes in about 0.2 s on one core), reporting progress for
 * long runs. With `prefetch`, a worker thread parses the bodies of the
 * lock-taking functions meanwhile (body-prefetch.ts).
 */
import { createAnalysisHost, type Workspace } from '../core';
import type { SourceFile } from './files';
import { readSource } from './files';
import { Progress } from './progress';
import { BodyPrefetch } from './body-prefetch';
import type { Language } from 'web-tree-sitter';
import { loadCLanguage } from './tree-sitter';

export interface LoadOptions {
  kernelVersion?: string;
  makefile?: string;
  progress?: Progress;
  warn?: (line: string) => void;
  /** Build the bodies of lock-taking functions on a worker thread while reading (see body-prefetch.ts). */
  prefetch?: boolean;
}

export interface Loaded {
  host: Workspace;
  analysed: number;
  skipped: number;
  /** The worker building bodies ahead, when `prefetch` was asked for: close it once the analysis ran. */
  prefetch?: BodyPrefetch;
}

export async function loadFiles(files: SourceFile[], opts: LoadOptions = {}): Promise<Loaded> {
  // (the worker first: it starts and loads its grammar while this thread loads its own, which
  // compiles meanwhile: indexing parses nothing, so the language is awaited only once it is done)
  const prefetch = opts.prefetch ? BodyPrefetch.start() : undefined;
  const loading = loadCLanguage();
  let language: Language | undefined;
  const host = createAnalysisHost(() => {
    if (!language) throw new Error('mm-lock-lens: the C grammar is not loaded yet');
    return language;
  }, { kernelVersion: opts.kernelVersion, bodies: prefetch });
  if (opts.makefile !== undefined) host.setMakefile(opts.makefile);
  const warn = opts.warn ?? ((l: string) => process.stderr.write(`${l}\n`));
  let skipped = 0, analysed = 0;
  for (const f of files) {
    const r = readSource(f.disk);
    if ('skip' in r) { warn(`mm-lock-lens: skipping ${f.display}: ${r.skip}`); skipped++; host.setSkippedFile(f.display, r.skip); continue; }
    host.indexFile(f.display, r.text);
    analysed++;
    opts.progress?.update(`mm-lock-lens: read ${analysed + skipped}/${files.length} files`);
  }
  prefetch?.end();
  language = await loading;
  return { host, analysed, skipped, prefetch };
}
