/**
 * The injection grammar is the catalogue's projection: the committed file is what
 * the generator writes, every highlighted primitive is matched by its class's
 * pattern, and argument-dependent primitives are not coloured.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIMITIVES } from '../../server/src/catalogue/primitives';
import { highlightOf, injectionGrammarText } from '../../server/src/catalogue/grammar';
import { repoRoot } from '../support/fixtures';

const grammarPath = join(repoRoot, 'syntaxes', 'mm-locks.injection.tmLanguage.json');

interface Grammar { scopeName: string; patterns: { include: string }[]; repository: Record<string, { match: string; name: string }> }

test('the committed grammar is the one generated from the catalogue (npm run grammar rewrites it)', () => {
  assert.equal(readFileSync(grammarPath, 'utf8'), injectionGrammarText());
});

test('each highlighted primitive is coloured by its class, and only by it', () => {
  const g = JSON.parse(readFileSync(grammarPath, 'utf8')) as Grammar;
  const classOf = (call: string): string[] => Object.entries(g.repository)
    .filter(([, r]) => new RegExp(r.match).test(call)).map(([k]) => k);
  let coloured = 0;
  for (const p of PRIMITIVES) {
    const cls = highlightOf(p);
    if (!cls) continue;
    coloured++;
    assert.deepEqual(classOf(`x = ${p.name}(vma);`), [cls], p.name);
  }
  assert.ok(coloured >= 60, `coloured primitives: ${coloured}`);
  // the ones the hand-kept list missed, and ones a grammar must not guess at
  assert.deepEqual(classOf('mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING);'), ['acquire']);
  assert.deepEqual(classOf('vma_start_write_killable(vma)'), ['vma-writer']);
  assert.deepEqual(classOf('mmap_read_unlock_non_owner(mm)'), ['release']);
  assert.deepEqual(classOf('spin_lock(ptl)'), []);
  assert.deepEqual(classOf('down_read(&mm->mmap_lock)'), []);
  assert.deepEqual(classOf('msleep(10)'), []);
  assert.deepEqual(classOf('ret = VM_FAULT_RETRY;'), ['fault-flag']);
  assert.deepEqual(classOf('struct mmap_read_lock_state s;'), [], 'a name not followed by a call');
  // every pattern is included
  assert.deepEqual(g.patterns.map((p) => p.include.slice(1)).sort(), Object.keys(g.repository).sort());
});

test('the extension manifest contributes the grammar as an injection into C', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { contributes: { grammars: { path: string; scopeName: string; injectTo: string[] }[] } };
  const g = JSON.parse(readFileSync(grammarPath, 'utf8')) as Grammar;
  const entry = pkg.contributes.grammars.find((x) => x.scopeName === g.scopeName);
  assert.ok(entry);
  assert.equal(join(repoRoot, entry.path), grammarPath);
  assert.ok(entry.injectTo.includes('source.c'));
});
