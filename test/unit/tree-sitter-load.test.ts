import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Parser } from 'web-tree-sitter';
import { loadCLanguage } from '../../server/src/node/tree-sitter';

test('the C grammar loads from the package and parses a kernel-style function', async () => {
  const language = await loadCLanguage(); // initialises the runtime first
  const parser = new Parser();
  parser.setLanguage(language);
  const tree = parser.parse('static int f(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\treturn 0;\n}\n');
  assert.ok(tree);
  const fn = tree.rootNode.namedChildren[0];
  assert.equal(fn?.type, 'function_definition');
  assert.equal(tree.rootNode.hasError, false);
});
