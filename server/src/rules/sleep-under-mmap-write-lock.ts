/**
 * sleep-under-mmap-write-lock: a sleeping call while mmap_lock is held for
 * write. Every page fault of the process that needs mmap_lock queues behind the
 * writer until it is released (the rwsem is fair). Information, not a bug.
 */
import { held } from '../core/interp';
import type { RawFinding, Rule, RunView, State } from './types';
import { chain, lockSite } from './util';

/** How far below the holder of the write lock a sleep is still its business: deeper (into the page
 * allocator, memcg, reclaim) it is neither actionable there nor, across so many calls, a sure path. */
const MAX_CALLS_BELOW_HOLDER = 2;

/** Calls between the function holding mmap_lock for write (it took it, or it is the callback entered
 * with it) and the one running. */
function callsBelowHolder(run: RunView, s: State): number {
  const site = s.sites.mmap_write;
  if (site?.fn === run.fn) return 0;
  const via = run.entry.via;
  const i = site ? via.findIndex((c) => c.function === site.fn) : -1;
  // entered with the lock by a contract: via[0] names the table or entry point, via[1] holds it
  return i >= 0 ? via.length - 1 - i : Math.max(0, via.length - 2);
}

export const rule: Rule = {
  id: 'sleep-under-mmap-write-lock',
  severity: 'info',
  summary: 'a sleeping call while mmap_lock is held for write',
  check(run) {
    const out: RawFinding[] = [];
    for (let ei = 0, evs = run.result.events; ei < evs.length; ei++) {
      const ev = evs[ei]!;
      if (ev.k !== 'call' || !ev.prim?.sleeps || ev.prim.blockingMmap || ev.prim.vmaWrite) continue;
      // Taking the next lock of the mm hierarchy (i_mmap_rwsem, anon_vma, hugetlb VMA lock) is the
      // designed lock nesting, not a sleep the holder chose.
      if (ev.prim.outcomes.some((o) => o.acquire?.length)) continue;
      const s = ev.states.find((x) => held(x, 'mmap_write') > 0 && !x.imprecise && callsBelowHolder(run, x) <= MAX_CALLS_BELOW_HOLDER);
      if (!s) continue;
      out.push({
        at: ev.at, end: ev.end,
        message: `${ev.name}() may sleep while mmap_lock is held for write: every page fault of this process that needs mmap_lock waits meanwhile`,
        related: [...chain(run), ...lockSite(s, 'mmap_write', 'mmap_lock taken for write here')],
      });
    }
    return out;
  },
};
