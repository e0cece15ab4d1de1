/** Every rule, in report order. Rule ids are part of the interface (CLI, docs, ignore comments). */
import type { Rule } from './types';
import { rule as anonVmaPrepare } from './anon-vma-prepare-under-vma-lock';
import { rule as usedAfterDrop } from './vma-used-after-fault-lock-dropped';
import { rule as unlockNotHeld } from './unlock-not-held';
import { rule as lockNotReleased } from './lock-not-released';
import { rule as mmapUnderVma } from './mmap-lock-under-vma-lock';
import { rule as vmaWrite } from './vma-write-without-mmap-write-lock';
import { rule as rcuPrivateFile } from './lock-vma-under-rcu-private-file';
import { rule as sleepUnderWrite } from './sleep-under-mmap-write-lock';

export const RULES: Rule[] = [anonVmaPrepare, usedAfterDrop, unlockNotHeld, lockNotReleased, mmapUnderVma, vmaWrite, rcuPrivateFile, sleepUnderWrite];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

export type { Rule };
