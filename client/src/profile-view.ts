/**
 * The "show lock context" view: the server's profile object as a Markdown
 * page (formatting only; the content comes from the analysis).
 */
import type { FunctionProfile } from '../../server/src/core/types';

const locks = (l: string[]) => (l.length ? l.map((x) => `\`${x}\``).join(' + ') : 'no mm lock');

export function renderProfileMarkdown(p: FunctionProfile & { uri?: string }): string {
  const out: string[] = [];
  out.push(`# \`${p.function}\` — lock context`, '');
  out.push(`${p.file}:${p.line} · analysed for Linux ${p.kernelVersion}`, '');
  out.push('## Entered under', '');
  if (!p.entry.length) out.push('- (no caller in the workspace and no known contract)');
  for (const e of p.entry) {
    const via = e.via.length ? ` — via ${e.via.map((c) => `\`${c.function}\` (${c.file}:${c.line})`).join(' → ')}` : '';
    out.push(`- ${locks(e.locks)}${via}`);
  }
  const events = (title: string, list: { lock: string; line: number; call: string }[]) => {
    out.push('', `## ${title}`, '');
    if (!list.length) out.push('- none');
    for (const a of list) out.push(`- line ${a.line}: \`${a.call}\` → \`${a.lock}\``);
  };
  events('Takes', p.acquires);
  events('Drops', p.releases);
  out.push('', '## Fallback points', '');
  if (!p.fallbacks.length) out.push('- none');
  for (const f of p.fallbacks) out.push(`- line ${f.line}: **${f.kind}** when \`${f.condition}\``);
  out.push('', `Needs an anon_vma: **${p.needsAnonVma ? 'yes' : 'no'}** · writes VMAs: **${p.writesVma ? 'yes' : 'no'}**`, '');
  return out.join('\n');
}
