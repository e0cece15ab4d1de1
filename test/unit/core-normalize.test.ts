import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { findBodies, normalize } from '../../server/src/core/normalize';
import { paramNames } from '../../server/src/core/parse';

const src = `static __always_inline int noinline __cold walk(struct mm_struct *mm) __must_hold(&mm->mmap_lock)
{
	struct vm_area_struct *vma;

	list_for_each_entry(vma, &mm->list, node) {
		touch(vma); /* a comment with for_each_x(a) { */
	}
	for_each_vma(vmi, vma)
		touch(vma);
	scoped_guard(rcu) {
		peek(mm);
	}
#ifdef CONFIG_PER_VMA_LOCK
	if (a) {
#else
	if (b) {
#endif
		z();
	}
#if 0
	dead();
#endif
	return 0;
}
SYSCALL_DEFINE2(munmap, unsigned long, addr,
		size_t, len)
{
	return __vm_munmap(addr, len, true);
}
EXPORT_SYMBOL(walk);
`;

test('normalisation keeps length and newlines, and rewrites what tree-sitter cannot parse', () => {
  const n = normalize(src);
  assert.equal(n.text.length, src.length);
  for (let i = 0; i < src.length; i++) assert.equal(n.text[i] === '\n', src[i] === '\n', `newline at ${i}`);
  assert.doesNotMatch(n.text, /__always_inline|noinline|__cold|__must_hold|EXPORT_SYMBOL/);
  assert.match(n.text, /while\s+\(vma, &mm->list, node\) \{/);
  assert.match(n.text, /while\s+\(vmi, vma\)\n\t\ttouch/);
  assert.match(n.text, /for_each_x\(a\)/, 'comments are left alone');
  assert.match(n.text, /if\s+\(rcu\) \{/);
  assert.match(n.text, /if \(a\) \{/);
  assert.doesNotMatch(n.text, /if \(b\)|dead\(\)/);
  assert.match(n.text, /long sys_munmap\(unsigned long addr, size_t\s+len\)/);
  assert.deepEqual(n.contracts.map((c) => [c.kind, c.arg]), [['must_hold', '&mm->mmap_lock']]);
  assert.deepEqual(n.scopedGuards.map((g) => g.cls), ['rcu']);
  assert.equal(n.scopedGuards[0]!.offset, src.indexOf('scoped_guard'));
});

test('function bodies come from brace structure, with names and heads', () => {
  const n = normalize(src);
  const bodies = findBodies(n.text);
  assert.deepEqual(bodies.map((b) => b.name), ['walk', 'sys_munmap']);
  assert.equal(bodies[0]!.isStatic, true);
  assert.equal(n.text[bodies[0]!.bodyStart], '{');
  assert.equal(n.text[bodies[0]!.bodyEnd - 1], '}');
});

test('balanced conditionals between statements stay for tree-sitter; unbalanced ones keep the first branch', () => {
  const balanced = 'void f(void)\n{\n#ifdef CONFIG_X\n\ta();\n#else\n\tb();\n#endif\n}\n';
  assert.equal(normalize(balanced).text, balanced);
  const unbalanced = 'void f(void)\n{\n#ifdef CONFIG_X\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tz();\n\t}\n}\n';
  const t = normalize(unbalanced).text;
  assert.match(t, /if \(a\) \{/);
  assert.doesNotMatch(t, /if \(b\)/);
  assert.doesNotMatch(t, /#/);
});

test('parameter names', () => {
  assert.deepEqual(paramNames('(struct mm_struct *mm, unsigned long addr)'), ['mm', 'addr']);
  assert.deepEqual(paramNames('(void)'), []);
  assert.deepEqual(paramNames('(int (*fn)(int), char buf[16], ...)'), ['fn', 'buf', '']);
});
