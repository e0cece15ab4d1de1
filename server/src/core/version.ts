/** Kernel version selection: a setting, else the tree's top Makefile, else the newest the catalogue knows. */
import { KNOWN_VERSIONS, NEWEST_VERSION, versionNumber } from '../catalogue';
import type { KernelVersionInfo } from './host';

/** VERSION/PATCHLEVEL of a kernel top Makefile, or undefined. */
export function versionFromMakefile(text: string): string | undefined {
  const v = /^VERSION\s*=\s*(\d+)\s*$/m.exec(text);
  const p = /^PATCHLEVEL\s*=\s*(\d+)\s*$/m.exec(text);
  return v && p ? `${v[1]}.${p[1]}` : undefined;
}

export function isValidVersion(v: string): boolean {
  return !Number.isNaN(versionNumber(v));
}

export function chooseVersion(setting: string | undefined, makefile: string | undefined): KernelVersionInfo {
  const fromMake = makefile !== undefined ? versionFromMakefile(makefile) : undefined;
  const raw = setting ?? fromMake;
  const source: KernelVersionInfo['source'] = setting ? 'setting' : fromMake ? 'makefile' : 'default';
  if (!raw || !isValidVersion(raw)) return { version: NEWEST_VERSION, source: 'default' };
  const n = versionNumber(raw);
  const newest = versionNumber(NEWEST_VERSION);
  if (n > newest) {
    return { version: NEWEST_VERSION, source, note: `${raw} is newer than the newest version the catalogue knows (${NEWEST_VERSION}): analysed as ${NEWEST_VERSION}` };
  }
  const oldest = versionNumber(KNOWN_VERSIONS[0]!);
  if (n < oldest) return { version: raw, source, note: `${raw} is older than the oldest version the catalogue describes (${KNOWN_VERSIONS[0]}): analysed with pre-6.4 semantics (no per-VMA locks)` };
  return { version: `${Math.floor(n / 100)}.${n % 100}`, source };
}
