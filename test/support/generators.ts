/**
 * Generated inputs for the robustness tests: broken, random, deep and huge
 * kernel-style C, from a fixed seed so a failure reproduces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFixtures, repoRoot } from './fixtures';

/** xorshift32: small, deterministic. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

const TOKENS = [
  '{', '}', '(', ')', ';', '\n', '\t', 'if (vma)', 'else', 'goto out;', 'out:', 'retry:', 'goto retry;',
  'mmap_read_lock(mm);', 'mmap_read_unlock(mm);', 'mmap_write_lock(mm);', 'mmap_write_unlock(mm);',
  'vma = lock_vma_under_rcu(mm, addr);', 'vma_end_read(vma);', 'anon_vma_prepare(vma);', 'vma_start_write(vma);',
  'return 0;', 'return VM_FAULT_RETRY;', 'ret = vmf_anon_prepare(vmf);', 'if (ret & VM_FAULT_RETRY)',
  'while (x)', 'for (;;)', 'do', 'while (0);', 'switch (b) {', 'case 1:', 'default:', 'break;', 'continue;',
  '#ifdef CONFIG_X\n', '#else\n', '#endif\n', '#if 0\n', 'static int f(struct mm_struct *mm)', 'static vm_fault_t g(struct vm_fault *vmf)',
  'guard(mmap_read_lock)(mm);', 'scoped_guard(mmap_write_lock, mm)', 'for_each_vma(vmi, vma)', '__must_hold(&mm->mmap_lock)',
  'SYSCALL_DEFINE1(x, int, a)', '? :', '"str{"', '\'}\'', '/* c */', '// c\n', '\\\n', 'é', '𝔪', 'static const struct vm_operations_struct ops = { .fault = g, .map_pages = h };',
];

function tokenSoup(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += TOKENS[Math.floor(r() * TOKENS.length)]! + (r() < 0.3 ? '\n' : ' ');
  return s;
}

function deepBraces(depth: number): string {
  return `static int deep(struct mm_struct *mm)\n{\n${'{'.repeat(depth)}\n\tmmap_read_lock(mm);\n${'}'.repeat(depth)}\n\treturn 0;\n}\n`;
}

function deepIfs(depth: number): string {
  let s = 'static int deep_if(struct mm_struct *mm, int *c)\n{\n';
  for (let i = 0; i < depth; i++) s += `if (c[${i}]) { mmap_read_lock(mm);\n`;
  s += 'vma_start_write(NULL);\n';
  for (let i = 0; i < depth; i++) s += '}\n';
  return s + 'return 0;\n}\n';
}

function deepParens(depth: number): string {
  return `static int paren(int a)\n{\n\treturn ${'('.repeat(depth)}a${')'.repeat(depth)};\n}\n` +
    `static int tern(int a)\n{\n\treturn ${'a ? '.repeat(depth)}1${' : 0'.repeat(depth)};\n}\n`;
}

/** 2^n paths: n independent lock/unlock choices, then a use of each. */
function pathExplosion(n: number): string {
  let s = 'static long explode(struct mm_struct *mm, struct vm_area_struct *vma, int *c)\n{\n\tlong r = 0;\n\n';
  for (let i = 0; i < n; i++) {
    s += `\tif (c[${i}])\n\t\tmmap_read_lock(mm);\n\telse\n\t\tmmap_write_lock(mm);\n`;
    s += `\tif (c[${i} + 1] & FAULT_FLAG_VMA_LOCK)\n\t\tr |= vmf_anon_prepare(NULL);\n`;
    s += `\tif (r & VM_FAULT_RETRY)\n\t\tgoto out_${i};\n\tvma_start_write(vma);\n\tmmap_write_unlock(mm);\nout_${i}:\n`;
  }
  return s + '\treturn r;\n}\n';
}

function hugeFunction(statements: number): string {
  let s = 'static void huge(struct mm_struct *mm, struct vm_area_struct *vma, int x)\n{\n';
  for (let i = 0; i < statements; i++) {
    switch (i % 6) {
      case 0: s += `\tif (x == ${i}) {\n\t\tmmap_read_lock(mm);\n\t\tx += ${i};\n\t\tmmap_read_unlock(mm);\n\t}\n`; break;
      case 1: s += `\tswitch (x) {\n\tcase ${i}:\n\t\tvma_end_read(vma);\n\t\tbreak;\n\tdefault:\n\t\tx--;\n\t}\n`; break;
      case 2: s += `\twhile (x > ${i}) {\n\t\tif (x & 1)\n\t\t\tbreak;\n\t\tx >>= 1;\n\t}\n`; break;
      case 3: s += `\tif (x < 0)\n\t\tgoto done_${i};\n\tx = helper_${i % 50}(mm, x);\ndone_${i}:\n`; break;
      case 4: s += `\tx = x ? x - 1 : lock_vma_under_rcu(mm, x) != NULL;\n`; break;
      default: s += `\tfor (int j = 0; j < ${i % 7}; j++)\n\t\tx ^= j;\n`;
    }
  }
  return s + '}\n';
}

/** Labels jumping back and forth. */
function gotoMaze(n: number): string {
  let s = 'static int maze(struct mm_struct *mm, int x)\n{\n\tgoto l0;\n';
  for (let i = 0; i < n; i++) {
    s += `l${i}:\n\tif (x & ${1 << (i % 20)})\n\t\tmmap_read_lock(mm);\n\telse\n\t\tmmap_read_unlock(mm);\n`;
    s += `\tif (x-- > ${i})\n\t\tgoto l${(i * 7 + 3) % n};\n`;
  }
  return s + '\treturn x;\n}\n';
}

export function generate(): Map<string, string> {
  const r = rng(0x6d6d6c6c);
  const files = new Map<string, string>();
  const fixtures = listFixtures().map((f) => readFileSync(join(repoRoot, f), 'utf8'));
  fixtures.forEach((text, i) => {
    for (let k = 0; k < 3; k++) files.set(`trunc-${i}-${k}.c`, text.slice(0, Math.floor(r() * text.length)));
    const lines = text.split('\n');
    for (let j = lines.length - 1; j > 0; j--) {
      const x = Math.floor(r() * (j + 1));
      [lines[j], lines[x]] = [lines[x]!, lines[j]!];
    }
    files.set(`shuffled-${i}.c`, lines.join('\n'));
    // Drop one random brace or paren: the commonest real-life editing state.
    const at = text.split('').map((c, o) => ('{}()'.includes(c) ? o : -1)).filter((o) => o >= 0);
    const cut = at[Math.floor(r() * at.length)] ?? 0;
    files.set(`unbalanced-${i}.c`, text.slice(0, cut) + text.slice(cut + 1));
  });
  for (let k = 0; k < 8; k++) files.set(`soup-${k}.c`, tokenSoup(r, 400 + Math.floor(r() * 2000)));
  files.set('deep-braces.c', deepBraces(3000));
  files.set('deep-ifs.c', deepIfs(400));
  files.set('deep-parens.c', deepParens(2000));
  files.set('paths.c', pathExplosion(40));
  files.set('huge.c', hugeFunction(12000));
  files.set('maze.c', gotoMaze(300));
  files.set('empty.c', '');
  files.set('only-comment.c', '/* mm-lock-lens: ignore unlock-not-held */\n');
  files.set('crlf.c', fixtures[0]!.replace(/\n/g, '\r\n'));
  return files;
}

