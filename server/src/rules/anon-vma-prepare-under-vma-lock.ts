/**
 * anon-vma-prepare-under-vma-lock: anon_vma_prepare()/__anon_vma_prepare() on a
 * path that may hold only the per-VMA lock. They look at adjacent VMAs, which
 * only mmap_lock protects; a fault path must use vmf_anon_prepare(vmf).
 * Version invariant: in [6.4, 6.10) an anonymous VMA under the VMA lock always
 * has an anon_vma (lock_vma_under_rcu checked it), so only file VMAs count there.
 */
import type { Rule } from './types';
import { chain, lockSite, onlyVmaLock } from './util';

export const rule: Rule = {
  id: 'anon-vma-prepare-under-vma-lock',
  severity: 'error',
  summary: 'anon_vma_prepare() on a path that may hold only the per-VMA lock',
  check(run, env) {
    const out = [];
    for (let ei = 0, evs = run.result.events; ei < evs.length; ei++) {
      const ev = evs[ei]!;
      if (ev.k !== 'call' || !ev.prim?.anonVmaPrepare) continue;
      const bad = ev.states.find((s) => {
        if (!onlyVmaLock(s) || s.facts.anon === true) return false;
        // before 6.4 no fault runs under a per-VMA lock
        if (env.version < 604) return false;
        // [6.4, 6.7): only anonymous VMAs were VMA-locked where anon_vma_prepare() runs, and they had an anon_vma
        if (env.version >= 604 && env.version < 607) return s.facts.isanon === false;
        // [6.7, 6.10): file VMAs are VMA-locked too; the invariant covers anonymous VMAs only
        if (env.version >= 607 && env.version < 610) return s.facts.isanon !== true;
        return true;
      });
      if (!bad) continue;
      out.push({
        at: ev.at, end: ev.end,
        message: `${ev.name}() may run holding only the per-VMA lock: it looks at adjacent VMAs, which only mmap_lock protects; in a fault path use vmf_anon_prepare(vmf), which falls back with VM_FAULT_RETRY`,
        related: [...chain(run), ...lockSite(bad, 'vma_read', 'per-VMA lock taken here')],
      });
    }
    return out;
  },
};
