/**
 * `mm-lock-lens context FILE FUNCTION [--format text|json] [--root DIR] [--kernel-version X.Y]`
 * The function's lock profile, analysed with the root tree: by default, when FILE
 * is in a kernel tree, that tree's mm/, arch/*\/mm/, include/linux/mm*.h and FILE's
 * own directory; else FILE's directory.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FunctionProfile } from '../core/types';
import { formatOption, kernelVersionOption, readArgs } from './args';
import { collectFiles, findKernelTop, UsageError, type SourceFile } from '../node/files';
import { loadFiles } from '../node/load';
import { Progress } from '../node/progress';

const USAGE = 'usage: mm-lock-lens context FILE FUNCTION [--format text|json] [--root DIR] [--kernel-version X.Y]';

interface Args { file: string; fn: string; format: 'text' | 'json'; root?: string; version?: string }

function parseArgs(argv: string[]): Args {
  const { values, positionals } = readArgs(argv, { format: { type: 'string' }, root: { type: 'string' }, 'kernel-version': { type: 'string' } });
  if (positionals.length !== 2) throw new UsageError('expected FILE and FUNCTION');
  return {
    file: positionals[0]!, fn: positionals[1]!,
    format: formatOption(values.format, ['text', 'json'] as const, 'text'),
    root: values.root,
    version: kernelVersionOption(values['kernel-version']),
  };
}

/** The files analysed with FILE by default (also `simulate --profile`'s scope). */
export function defaultScope(file: string): { files: SourceFile[]; makefile?: string } {
  const top = findKernelTop(file);
  const dir = path.dirname(file);
  const out: SourceFile[] = [];
  const seen = new Set<string>();
  const add = (list: SourceFile[]) => { for (const f of list) { const r = path.resolve(f.disk); if (!seen.has(r)) { seen.add(r); out.push(f); } } };
  add(collectFiles([file]));
  if (top) {
    const rel = (p: string) => path.relative(process.cwd(), p) || '.';
    const mm = path.join(top.dir, 'mm');
    if (fs.existsSync(mm)) add(collectFiles([rel(mm)]));
    const arch = path.join(top.dir, 'arch');
    for (const a of fs.existsSync(arch) ? fs.readdirSync(arch) : []) {
      const d = path.join(arch, a, 'mm');
      if (fs.existsSync(d)) add(collectFiles([rel(d)]));
    }
    const inc = path.join(top.dir, 'include', 'linux');
    for (const h of fs.existsSync(inc) ? fs.readdirSync(inc).filter((n) => /^mm.*\.h$/.test(n)) : []) add(collectFiles([rel(path.join(inc, h))]));
  }
  add(collectFiles([dir]).filter((f) => path.dirname(path.resolve(f.disk)) === path.resolve(dir)));
  return { files: out, makefile: top?.makefile };
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try { args = parseArgs(argv); } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(e.message ? `mm-lock-lens context: ${e.message}\n${USAGE}\n` : `${USAGE}\n`); return 2; }
    throw e;
  }
  if (!fs.existsSync(args.file) || !fs.statSync(args.file).isFile()) {
    process.stderr.write(`mm-lock-lens context: ${args.file}: no such file\n`);
    return 2;
  }
  let scope: { files: SourceFile[]; makefile?: string };
  try {
    if (args.root) {
      if (!fs.existsSync(args.root)) { process.stderr.write(`mm-lock-lens context: ${args.root}: no such directory\n`); return 2; }
      const files = collectFiles([args.file]);
      const fileReal = path.resolve(args.file);
      for (const f of collectFiles([args.root])) if (path.resolve(f.disk) !== fileReal) files.push(f);
      scope = { files, makefile: findKernelTop(args.root)?.makefile ?? findKernelTop(args.file)?.makefile };
    } else scope = defaultScope(args.file);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`mm-lock-lens context: ${e.message}\n`); return 2; }
    throw e;
  }
  const progress = new Progress();
  const { host, prefetch } = await loadFiles(scope.files, { kernelVersion: args.version, makefile: scope.makefile, progress, prefetch: true });
  const kv = host.kernelVersion();
  if (kv.note) process.stderr.write(`mm-lock-lens: ${kv.note}\n`);
  const reason = host.skipReason(args.file);
  if (reason) { progress.done(); process.stderr.write(`mm-lock-lens context: ${args.file}: ${reason}\n`); return 2; }
  const p = host.profile(args.file, args.fn);
  void prefetch?.close();
  progress.done();
  if (!p) {
    process.stderr.write(`mm-lock-lens context: no function '${args.fn}' defined in ${args.file}\n`);
    return 2;
  }
  const out = args.format === 'json' ? JSON.stringify(p, null, 2) + '\n' : text(p);
  await new Promise<void>((resolve) => process.stdout.write(out, () => resolve()));
  return 0;
}

function text(p: FunctionProfile): string {
  const l: string[] = [];
  l.push(`${p.function}() at ${p.file}:${p.line} (kernel ${p.kernelVersion})`);
  l.push('entry contexts:');
  if (!p.entry.length) l.push('  unknown (no caller or contract found)');
  for (const e of p.entry) {
    l.push(`  ${e.locks.length ? e.locks.join(' + ') : 'no mm lock'}`);
    l.push(`    via ${e.via.map((v) => `${v.function} (${v.file}:${v.line})`).join(' -> ')}`);
  }
  const ev = (name: string, list: { lock: string; line: number; call: string }[]) => {
    l.push(`${name}:${list.length ? '' : ' none'}`);
    for (const a of list) l.push(`  ${a.lock} at line ${a.line} (${a.call})`);
  };
  ev('acquires', p.acquires);
  ev('releases', p.releases);
  l.push(`fallbacks:${p.fallbacks.length ? '' : ' none'}`);
  for (const f of p.fallbacks) l.push(`  line ${f.line}: ${f.kind} (${f.condition})`);
  l.push(`needs anon_vma: ${p.needsAnonVma ? 'yes' : 'no'}`);
  l.push(`writes VMAs: ${p.writesVma ? 'yes' : 'no'}`);
  return l.join('\n') + '\n';
}
