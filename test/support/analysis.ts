/**
 * The analysis core driven directly (not through a host), for tests that compare
 * its internal ways of getting a result: rebased runs, functions not interpreted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from 'web-tree-sitter';
import { catalogueFor } from '../../server/src/catalogue';
import { Analysis, AnalysisMemo, type BodiesAhead } from '../../server/src/core/analysis';
import { lineStarts, materializeBody, parseLight, position } from '../../server/src/core/parse';
import { loadCLanguage } from '../../server/src/node/tree-sitter';
import { listFixtures, repoRoot } from './fixtures';

/** An Analysis of these [path, text] files, brought up to date (told of bodies built ahead by `ahead`, when given). */
export async function analyse(files: [string, string][], version: string, ahead?: BodiesAhead): Promise<Analysis> {
  const language = await loadCLanguage(); // (initialises web-tree-sitter first)
  const parser = new Parser();
  parser.setLanguage(language);
  const a = new Analysis(catalogueFor(version), new AnalysisMemo(), (ir) => materializeBody(parser, ir), ahead);
  a.update(files.map(([path, text]) => {
    const starts = lineStarts(text);
    return { path, input: { path, parsed: parseLight(text), lineOf: (off: number) => position(starts, off).line } };
  }));
  return a;
}

/** [path, text] of each file. */
export function withTexts(paths: string[]): [string, string][] {
  return paths.map((p) => [p, readFileSync(p, 'utf8')]);
}

/** The sample workspace's C files (examples/). */
export function sampleFiles(): string[] {
  const dir = join(repoRoot, 'examples');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.[ch]$/.test(f)).map((f) => join(dir, f)).sort();
}

/** [path, text] of the fixtures and the sample workspace's files, sorted. */
export function fixtureAndSampleTexts(): [string, string][] {
  return withTexts([...listFixtures(), ...sampleFiles()].sort());
}

/** Real trees are analysed in CI, or with MMLL_REAL_TREE=1. */
export const REAL_TREE = process.env.MMLL_REAL_TREE === '1' || process.env.CI === 'true';
