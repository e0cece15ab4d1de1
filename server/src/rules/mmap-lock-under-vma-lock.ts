/**
 * mmap-lock-under-vma-lock: a blocking mmap_lock acquisition while a VMA read
 * lock is held. A writer in vma_start_write() holds mmap_lock for write and
 * waits for VMA readers: the reader waiting for mmap_lock deadlocks with it.
 * A trylock is fine (vmf_anon_prepare does one).
 */
import { held } from '../core/interp';
import type { RawFinding, Rule } from './types';
import { chain, lockSite } from './util';

export const rule: Rule = {
  id: 'mmap-lock-under-vma-lock',
  severity: 'error',
  summary: 'blocking mmap_lock acquisition while a per-VMA read lock is held',
  check(run) {
    const out: RawFinding[] = [];
    for (let ei = 0, evs = run.result.events; ei < evs.length; ei++) {
      const ev = evs[ei]!;
      if (ev.k !== 'call' || !ev.prim?.blockingMmap) continue;
      // Under a real entry context on a precise path, or with the VMA lock taken right here.
      const bad = ev.states.find((s) => held(s, 'vma_read') > 0 && (!s.imprecise || s.sites.vma_read?.fn === run.fn));
      if (!bad) continue;
      out.push({
        at: ev.at, end: ev.end,
        message: `${ev.name}() blocks on mmap_lock while the per-VMA read lock is held: it can deadlock against vma_start_write(); drop the VMA lock first (vma_end_read) or use mmap_read_trylock()`,
        related: [...chain(run), ...lockSite(bad, 'vma_read', 'per-VMA lock taken here')],
      });
    }
    return out;
  },
};
