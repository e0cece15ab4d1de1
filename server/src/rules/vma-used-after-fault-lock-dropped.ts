/**
 * vma-used-after-fault-lock-dropped: the VMA (`vma`, `vmf->vma`) used after a
 * call on this path dropped the fault's lock: VM_FAULT_RETRY/COMPLETED from
 * handle_mm_fault() under FAULT_FLAG_VMA_LOCK, RETRY from vmf_anon_prepare() or
 * vmf_can_call_fault(), release_fault_lock(), ... The VMA may be freed by then
 * (98b74bb4d7e9). Not judged on paths that rest on a guess.
 */
import type { RawFinding, Rule } from './types';
import { chain } from './util';

export const rule: Rule = {
  id: 'vma-used-after-fault-lock-dropped',
  severity: 'error',
  summary: "the VMA used after a call dropped the fault's lock",
  check(run) {
    const out: RawFinding[] = [];
    for (let ei = 0, evs = run.result.events; ei < evs.length; ei++) {
      const ev = evs[ei]!;
      if (ev.k !== 'use' || ev.state.imprecise || !ev.state.dropped) continue;
      const site = ev.state.dropped.site;
      out.push({
        at: ev.at, end: ev.end,
        message: `'${ev.text}' is used after ${site.call}() dropped the fault's lock on this path (VM_FAULT_RETRY/VM_FAULT_COMPLETED): the VMA may already be freed; return without touching it`,
        related: [...chain(run), { site, message: `${site.call}() dropped the fault's lock here` }],
      });
    }
    return out;
  },
};
