/**
 * The analysis core's entry point. `createAnalysisHost(language)` takes a loaded
 * tree-sitter C `Language` (Node: server/src/node/tree-sitter.ts; browser: the
 * same wasm loaded by the page), or a function giving it once loaded (files can be
 * indexed before: only building a body parses), and returns an AnalysisHost (see host.ts).
 */
import type { Language } from 'web-tree-sitter';
import { Workspace, type HostOptions } from './workspace';

export function createAnalysisHost(language: Language | (() => Language), options?: HostOptions): Workspace {
  return new Workspace(language, options);
}

export { Workspace };
export type { HostOptions };
export type * from './host';
export type * from './types';
export { parseText, type ParsedFile } from './parse';
export { skipReasonFor, MAX_FILE_SIZE } from './workspace';
export { versionFromMakefile } from './version';
