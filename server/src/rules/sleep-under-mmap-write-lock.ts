/**
 * sleep-under-mmap-write-lock: a sleeping call while mmap_lock is held for
 * write. Every page fault of the process that needs mmap_lock queues behind the
 * writer until it is released (the rwsem is fair). Information, not a bug.
 */
import { held } from '../core/interp';
import type { RawFinding, Rule } from './types';
import { chain, lockSite } from './util';

export const rule: Rule = {
  id: 'sleep-under-mmap-write-lock',
  severity: 'info',
  summary: 'a sleeping call while mmap_lock is held for write',
  check(run) {
    const out: RawFinding[] = [];
    for (const ev of run.result.events) {
      if (ev.k !== 'call' || !ev.prim?.sleeps || ev.prim.blockingMmap || ev.prim.vmaWrite) continue;
      const s = ev.states.find((x) => held(x, 'mmap_write') > 0 && !x.imprecise);
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
