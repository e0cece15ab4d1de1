/**
 * vma-write-without-mmap-write-lock: vma_start_write(), vm_flags_set() and
 * friends, or a write to a VMA field that needs mmap_lock for write plus the
 * VMA write lock (vm_flags, vm_page_prot, vm_policy, the uffd context), without
 * mmap_lock held for write. Judged over every known entry context at once: it
 * is reported only when none of them holds mmap_lock for write (a "must", so
 * paths merged from different callers do not cry wolf).
 */
import { held, holdsMmap, holdsMmapWrite, type State } from '../core/interp';
import type { RawFinding, Rule, RunView } from './types';
import { chain, describe, lockSite } from './util';

/** No known entry context: judge only what is decidable from the function and its callers on the way:
 * the function took mmap_lock itself (so the entry did not hold it), or only a per-VMA read lock is held. */
function partial(runs: RunView[]): RawFinding[] {
  const out: RawFinding[] = [];
  const verdict = new Map<number, { bad: State | null; ok: boolean; run: RunView; what: string; end: number }>();
  for (const run of runs) {
    for (let ei = 0, evs = run.result.events; ei < evs.length; ei++) {
      const ev = evs[ei]!;
      let what: string | null = null;
      if (ev.k === 'call' && ev.prim?.vmaWrite) what = `${ev.name}()`;
      else if (ev.k === 'field') what = `writing vma->${ev.field}`;
      if (!what || ev.k === 'use' || ev.k === 'ret') continue;
      const v = verdict.get(ev.at) ?? { bad: null, ok: false, run, what, end: ev.end };
      for (const s of ev.states) {
        if (holdsMmapWrite(s) || (ev.base && s.facts[`new:${ev.base}`])) { v.ok = true; continue; }
        if (s.imprecise) continue;
        const decidable = s.att?.mmap || (held(s, 'vma_read') > 0 && !holdsMmap(s));
        if (decidable && !v.bad) { v.bad = s; v.run = run; }
      }
      verdict.set(ev.at, v);
    }
  }
  for (const [at, v] of verdict) {
    if (v.ok || !v.bad) continue;
    out.push({
      at, end: v.end,
      message: `${v.what} modifies a VMA without mmap_lock held for write (held here: ${describe(v.bad)}); VMA changes need mmap_write_lock() and the VMA write lock`,
      related: [...chain(v.run), ...lockSite(v.bad, held(v.bad, 'vma_read') > 0 ? 'vma_read' : 'mmap_read', 'lock taken here')],
    });
  }
  return out;
}

export const rule: Rule = {
  id: 'vma-write-without-mmap-write-lock',
  severity: 'error',
  summary: 'a VMA modification without mmap_lock held for write',
  check() { return []; },
  checkAll(runs: RunView[]) {
    const out: RawFinding[] = [];
    const known = runs.filter((r) => r.entry.known);
    if (!known.length) return partial(runs);
    const verdict = new Map<number, { ok: boolean; run: RunView; held: string; what: string; end: number }>();
    for (const run of known) {
      for (let ei = 0, evs = run.result.events; ei < evs.length; ei++) {
        const ev = evs[ei]!;
        let what: string | null = null;
        if (ev.k === 'call' && ev.prim?.vmaWrite) what = `${ev.name}()`;
        else if (ev.k === 'field') what = `writing vma->${ev.field}`;
        if (!what || ev.k === 'use' || ev.k === 'ret') continue;
        const v = verdict.get(ev.at) ?? { ok: false, run, held: '', what, end: ev.end };
        const base = ev.base;
        // An imprecise state (a guessed split on the way) is no witness either way: it neither
        // clears a write that a precise context shows unprotected nor accuses one.
        const precise = ev.states.filter((s) => !s.imprecise);
        for (const s of precise) {
          // a VMA being set up (vma_init, vm_area_alloc) is not visible yet: no lock needed
          if (holdsMmapWrite(s) || (base && s.facts[`new:${base}`])) v.ok = true;
          else if (!v.held) { v.held = describe(s); v.run = run; }
        }
        if (!ev.states.length) v.ok = true;
        verdict.set(ev.at, v);
      }
    }
    for (const [at, v] of verdict) {
      if (v.ok || !v.held) continue;
      out.push({
        at, end: v.end,
        message: `${v.what} modifies a VMA without mmap_lock held for write (held here: ${v.held}); VMA changes need mmap_write_lock() and the VMA write lock`,
        related: chain(v.run),
      });
    }
    return out;
  },
};
