/** Every rule, in report order. Rule ids are part of the interface (CLI, docs, ignore comments). */
import type { Rule } from './types';
import { rule as anonVmaPrepare } from './anon-vma-prepare-under-vma-lock';
import { rule as unlockNotHeld } from './unlock-not-held';
import { rule as mmapUnderVma } from './mmap-lock-under-vma-lock';

export const RULES: Rule[] = [anonVmaPrepare, unlockNotHeld, mmapUnderVma];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

export type { Rule };
