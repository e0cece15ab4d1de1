/**
 * unlock-not-held: a release of a lock the context may not hold (e.g.
 * mmap_read_unlock() where only the per-VMA lock is held), or a double release.
 * Only judged under a known entry context, and not on paths where a callee
 * summary split the state in a way we could not tie to a test (no guessing).
 */
import { held } from '../core/interp';
import type { RawFinding, Rule } from './types';
import { chain, describe, lockSite, lockWords } from './util';

const MM = new Set(['mmap_read', 'mmap_write', 'mmap_any', 'vma_read']);

export const rule: Rule = {
  id: 'unlock-not-held',
  severity: 'error',
  summary: 'release of a lock the context may not hold, or a double release',
  check(run) {
    const out: RawFinding[] = [];
    for (let ei = 0, evs = run.result.events; ei < evs.length; ei++) {
      const ev = evs[ei]!;
      if (ev.k !== 'call' || !ev.missing.length) continue;
      // Under a known entry, or where the function itself tried to take the lock on this path (then the
      // entry did not hold it). Other locks than mm ones only where no join blurred their count.
      const m = ev.missing.find((x) => !x.state.imprecise && (MM.has(x.lock) || !x.state.minorJoined));
      if (!m) continue;
      const s = m.state;
      const only = held(s, 'vma_read') > 0 && m.lock.startsWith('mmap') ? ' (only the per-VMA lock is held)' : '';
      const what = ev.prim ? `${ev.name}()` : `${ev.name}() releases ${lockWords(m.lock)}, and`;
      out.push({
        at: ev.at, end: ev.end,
        message: ev.prim
          ? `${what} releases ${lockWords(m.lock)}, which may not be held here${only}; held: ${describe(s)}`
          : `${what} it may not be held here${only}; held: ${describe(s)}`,
        related: [...chain(run), ...lockSite(s, 'vma_read', 'per-VMA lock taken here')],
      });
    }
    return out;
  },
};
