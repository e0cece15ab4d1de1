/**
 * lock-not-released: a lock the function took is still held on some return
 * paths and not on others that return the same kind of value (an error path that
 * forgets vma_end_read), or a return that breaks a lock annotation
 * (__must_hold, __acquires, __releases). A function that returns a locked
 * object on every success path is a lock-returning function, not a leak:
 * returns are compared only within the same kind of value (NULL, error, valid).
 */
import type { RawFinding, Rule, RunView } from './types';
import { family, type ReturnEvent } from '../core/interp';
import { lockSite, lockWords } from './util';

const MINOR = new Set(['ptl', 'rcu', 'anon_vma_read', 'anon_vma_write', 'i_mmap_read', 'i_mmap_write', 'hugetlb_vma_read', 'hugetlb_vma_write']);
const TRACKED = ['mmap_read', 'mmap_write', 'vma_read', ...MINOR];

function kind(r: ReturnEvent): string | null {
  if (r.noValue) return 'void';
  if (r.v === 31) return null; // a value we do not know: no comparison
  return String(r.v);
}

export const rule: Rule = {
  id: 'lock-not-released',
  severity: 'warning',
  summary: 'a lock still held on some return paths but not on others returning the same kind of value',
  check(run: RunView, env) {
    const out: RawFinding[] = [];
    if (!run.entry.root || run.result.gaveUp) return out;
    // a path that released the wrong lock is unlock-not-held's finding: one bug, one report
    // A path that released a lock it does not hold (here, or its caller's: a negative count) trades locks
    // with its caller or released the wrong one (unlock-not-held's finding): no leak is judged there.
    const rets = run.result.returns.filter((r) => !r.state.imprecise && !r.state.misrel && !Object.values(r.state.locks).some((n) => n < 0));
    const seen = new Set<number>();
    // annotations first
    for (const c of run.contracts) {
      for (const r of rets) {
        if (MINOR.has(c.lock) && r.state.minorJoined) continue;
        // `&mm->mmap_lock` names the lock, not its mode: any mode counts
        const n = c.lock === 'mmap_any'
          ? (r.state.locks.mmap_any ?? 0) + (r.state.locks.mmap_read ?? 0) + (r.state.locks.mmap_write ?? 0)
          : r.state.locks[c.lock] ?? 0;
        const bad = c.kind === 'acquires' ? n <= 0 : c.kind === 'releases' ? n > 0 : n <= 0;
        if (!bad || seen.has(r.at)) continue;
        seen.add(r.at);
        const what = c.kind === 'acquires' ? `does not hold ${lockWords(c.lock)}, which its __acquires(${c.arg}) annotation promises`
          : c.kind === 'releases' ? `still holds ${lockWords(c.lock)}, which its __releases(${c.arg}) annotation says it drops`
            : `has released ${lockWords(c.lock)}, which its __must_hold(${c.arg}) annotation says stays held`;
        out.push({ at: r.at, end: r.end, message: `${run.fn}() ${what} on this return path`, related: [] });
      }
    }
    const groups = new Map<string, ReturnEvent[]>();
    for (const r of rets) {
      const k = kind(r);
      if (k === null) continue;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(r);
    }
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      for (const l of TRACKED) {
        // only locks this function takes itself with a lock primitive: callee summaries are too coarse to accuse
        const heldAt = g.filter((r) => (r.state.locks[l] ?? 0) > 0 && r.state.sites[l]?.fn === run.fn && env.cat.byName.has(r.state.sites[l]!.call) && !(MINOR.has(l) && r.state.minorJoined));
        // ... and released on another path by this function: a conditional begin/end helper that never took it there is not a leak
        // (a path that tried to take it and failed counts: `vma = lock_vma_under_rcu(); if (!vma) return -EAGAIN;`,
        // also when joined with one that never tried: `if (!vma) goto inval; if (!vma_start_read(vma)) goto inval;`)
        const freeAt = g.filter((r) => (r.state.locks[l] ?? 0) <= 0 && (r.state.rel?.[l]?.fn === run.fn || r.state.tried?.[family(l)]) && !(MINOR.has(l) && r.state.minorJoined));
        if (!heldAt.length || !freeAt.length) continue;
        // the minority is the odd one out; ties: the held ones
        const leaks = heldAt.length <= freeAt.length ? heldAt : [];
        for (const r of leaks) {
          if (seen.has(r.at)) continue;
          seen.add(r.at);
          const site = r.state.sites[l]!;
          out.push({
            at: r.at, end: r.end,
            message: `${lockWords(l)} taken by ${site.call}() is still held on this return path, but released on ${freeAt.length === 1 ? 'another path' : `${freeAt.length} other paths`} returning the same kind of value`,
            related: [
              ...lockSite(r.state, l, `${site.call}() takes it here`),
              { site: { file: run.file, fn: run.fn, off: freeAt[0]!.at, call: 'return' }, message: 'this return path, returning the same kind of value, has released it' },
            ],
          });
        }
      }
    }
    return out;
  },
};
