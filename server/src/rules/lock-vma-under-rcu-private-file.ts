/**
 * lock-vma-under-rcu-private-file: a lock_vma_under_rcu() user outside the fault
 * path that never looks at VM_SHARED / vma->anon_vma on the VMA it got. Since
 * 6.10 the lookup no longer refuses private mappings without an anon_vma (file
 * text, libraries), so a new user that will need one must check itself, as
 * uffd_lock_vma() does (Peter Xu's point 2 in the April 2024 thread).
 */
import type { RawFinding, Rule } from './types';

export const rule: Rule = {
  id: 'lock-vma-under-rcu-private-file',
  severity: 'warning',
  summary: 'lock_vma_under_rcu() user outside the fault path that does not handle private mappings without an anon_vma',
  check(run, env) {
    const out: RawFinding[] = [];
    // Before 6.6 the lookup returned only anonymous VMAs, and (until 6.10) only with an anon_vma.
    if (!run.entry.root || env.version < 606) return out;
    const evs = run.result.events;
    const lookups = evs.filter((e) => e.k === 'call' && e.prim?.vmaLookupUnderRcu);
    if (!lookups.length) return out;
    // the fault path hands the VMA to handle_mm_fault(), whose handlers check (vmf_anon_prepare)
    if (evs.some((e) => e.k === 'call' && e.prim?.faultEntry)) return out;
    const checks = evs.some((e) => {
      const states = e.k === 'ret' || e.k === 'use' ? [e.state] : e.states;
      return states.some((s) => s.facts.shared !== undefined || s.facts.anon !== undefined || s.facts.isanon !== undefined);
    });
    if (checks) return out;
    for (const e of lookups) {
      if (e.k !== 'call') continue;
      // where the still-locked, unchecked VMA is first used or handed back
      const later = evs.find((x) => x.at > e.end && (x.k === 'call' ? x.states : x.k === 'ret' ? [x.state] : []).some((s) => s.sites.vma_read?.off === e.at && s.sites.vma_read.fn === run.fn));
      const related = later ? [{ site: { file: run.file, fn: run.fn, off: later.at, call: later.k === 'call' ? later.name : 'return' }, message: later.k === 'ret' ? 'the VMA is handed back here, locked and unchecked' : 'the VMA is used here, locked and unchecked' }] : [];
      out.push({
        at: e.at, end: e.end,
        message: `${run.fn}() uses ${e.name}() outside the fault path but never checks VM_SHARED or vma->anon_vma: a private file mapping without an anon_vma comes back locked; handle it as uffd_lock_vma() does (drop the VMA lock and retry under mmap_lock)`,
        related,
      });
    }
    return out;
  },
};
