/**
 * The TextMate injection grammar for C (syntaxes/mm-locks.injection.tmLanguage.json)
 * as a projection of the catalogue: every primitive the analysis knows is
 * highlighted by what it does, so the editor's colours and the analysis never
 * disagree. `scripts/gen-grammar.mjs` writes the file; a unit test checks the
 * committed file is this projection.
 */
import { PRIMITIVES } from './primitives';
import type { Primitive } from './types';

export type HighlightClass = 'acquire' | 'release' | 'fault-helper' | 'assertion' | 'vma-writer';

/**
 * What a primitive looks like in the editor, from its semantics. Primitives that are mm
 * locks only for some arguments (`down_read(&mm->mmap_lock)`, `spin_lock(ptl)`), calls
 * through ops tables and plain sleeping calls are not highlighted: a grammar cannot
 * see the arguments, and a colour that is sometimes wrong is worse than none.
 */
export function highlightOf(p: Primitive): HighlightClass | undefined {
  if (p.argMatch || !/^\w+$/.test(p.name)) return undefined;
  if (p.asserts) return 'assertion';
  if (p.vmaWrite) return 'vma-writer';
  if (p.outcomes.some((o) => o.acquire?.length)) return 'acquire';
  // its result decides which lock is still held, or it may need (or drop) the fault's lock
  if (p.anonVmaPrepare || p.fallback || p.faultEntry || p.outcomes.length > 1) return 'fault-helper';
  if (p.outcomes.some((o) => o.release?.length)) return 'release';
  return undefined;
}

/** Fault flags and results whose meaning the analysis and the hovers explain. */
export const FAULT_CONSTANTS = [
  'FAULT_FLAG_VMA_LOCK', 'FAULT_FLAG_ALLOW_RETRY', 'FAULT_FLAG_RETRY_NOWAIT', 'FAULT_FLAG_KILLABLE', 'FAULT_FLAG_TRIED',
  'FAULT_FLAG_WRITE', 'FAULT_FLAG_USER', 'FAULT_FLAG_REMOTE', 'FAULT_FLAG_INTERRUPTIBLE', 'FAULT_FLAG_UNSHARE',
  'FAULT_FLAG_ORIG_PTE_VALID', 'FAULT_FLAG_MKWRITE', 'FAULT_FLAG_DEFAULT',
  'VM_FAULT_RETRY', 'VM_FAULT_COMPLETED', 'VM_FAULT_OOM', 'VM_FAULT_SIGBUS', 'VM_FAULT_NOPAGE', 'VM_FAULT_LOCKED',
  'VM_FAULT_FALLBACK', 'VM_FAULT_DONE_COW', 'VM_FAULT_ERROR', 'VM_FAULT_MAJOR', 'VM_FAULT_HWPOISON', 'VM_FAULT_SIGSEGV',
  'VMA_LOCK_SUCCESS', 'VMA_LOCK_RETRY', 'VMA_LOCK_ABORT', 'VMA_LOCK_MISS',
];

const CLASSES: { cls: HighlightClass; scope: string; comment: string }[] = [
  { cls: 'acquire', scope: 'support.function.mm-lock.acquire.c', comment: 'Calls that take an mm lock (blocking, trylock or killable) or hand back a locked VMA.' },
  { cls: 'release', scope: 'support.function.mm-lock.release.c', comment: 'Calls that drop an mm lock, including the fault\'s own (release_fault_lock).' },
  { cls: 'fault-helper', scope: 'support.function.mm-fault-helper.c', comment: 'Fault helpers whose result decides the lock held: they may drop the fault\'s lock and return VM_FAULT_RETRY.' },
  { cls: 'assertion', scope: 'support.function.mm-lock.assertion.c', comment: 'Assertions of a held lock: the analysis takes them as what the caller holds.' },
  { cls: 'vma-writer', scope: 'support.function.mm-vma-writer.c', comment: 'VMA writers: need mmap_lock for write and mark the VMA write-locked.' },
];

/** Names per highlight class, over every kernel version the catalogue knows. */
export function highlightedNames(): Map<HighlightClass, string[]> {
  const out = new Map<HighlightClass, Set<string>>();
  for (const p of PRIMITIVES) {
    const cls = highlightOf(p);
    if (!cls) continue;
    let s = out.get(cls);
    if (!s) out.set(cls, (s = new Set()));
    s.add(p.name);
  }
  return new Map(CLASSES.map(({ cls }) => [cls, [...(out.get(cls) ?? [])].sort()]));
}

export function injectionGrammar(): object {
  const names = highlightedNames();
  const repository: Record<string, object> = {};
  for (const c of CLASSES) {
    const list = names.get(c.cls) ?? [];
    if (!list.length) continue;
    repository[c.cls] = { comment: c.comment, match: `\\b(${list.join('|')})\\b(?=\\s*\\()`, name: c.scope };
  }
  repository['fault-flag'] = { comment: 'Fault flags and vm_fault_t results.', match: `\\b(${FAULT_CONSTANTS.join('|')})\\b`, name: 'constant.language.mm-fault-flag.c' };
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'mm-lock-lens: mm lock primitives and fault flags (generated from server/src/catalogue by scripts/gen-grammar.mjs)',
    scopeName: 'mm-locks.injection',
    injectionSelector: 'L:source.c -comment -string, L:source.cpp -comment -string',
    patterns: Object.keys(repository).map((k) => ({ include: `#${k}` })),
    repository,
  };
}

/** The grammar file's text. */
export function injectionGrammarText(): string {
  return `${JSON.stringify(injectionGrammar(), null, 2)}\n`;
}
