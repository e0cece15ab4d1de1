/**
 * `mm-lock-lens check [--format text|json|sarif] [--kernel-version X.Y] PATH...`
 * Exit codes: 0 no error-severity finding, 1 some, 2 usage error / missing path /
 * nothing analysable. Only the result goes to stdout; messages and the progress
 * line (runs over a second) go to stderr.
 */
import { RULES } from '../rules';
import type { Finding } from '../core/types';
import { collectFiles, findKernelTop, UsageError } from '../node/files';
import { loadFiles } from '../node/load';
import { Progress } from '../node/progress';
import { formatOption, kernelVersionOption, readArgs } from './args';

const USAGE = 'usage: mm-lock-lens check [--format text|json|sarif] [--kernel-version X.Y] PATH...';

interface Args { format: 'text' | 'json' | 'sarif'; version?: string; paths: string[] }

function parseArgs(argv: string[]): Args {
  const { values, positionals } = readArgs(argv, { format: { type: 'string' }, 'kernel-version': { type: 'string' } });
  if (!positionals.length) throw new UsageError('no PATH given');
  return {
    format: formatOption(values.format, ['text', 'json', 'sarif'] as const, 'text'),
    version: kernelVersionOption(values['kernel-version']),
    paths: positionals,
  };
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try { args = parseArgs(argv); } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(e.message ? `mm-lock-lens check: ${e.message}\n${USAGE}\n` : `${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const t0 = Date.now();
  let files;
  try { files = collectFiles(args.paths); } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`mm-lock-lens check: ${e.message}\n`); return 2; }
    throw e;
  }
  const top = findKernelTop(args.paths[0]!);
  const progress = new Progress();
  const { host, analysed, prefetch } = await loadFiles(files, { kernelVersion: args.version, makefile: top?.makefile, progress, prefetch: true });
  if (!analysed) {
    progress.done();
    process.stderr.write(`mm-lock-lens check: nothing to analyse under ${args.paths.join(' ')} (no readable .c or .h file)\n`);
    return 2;
  }
  const kv = host.kernelVersion();
  if (kv.note) process.stderr.write(`mm-lock-lens: ${kv.note}\n`);
  progress.update(`mm-lock-lens: analysing ${analysed} files`);
  const findings = host.allFindings();
  void prefetch?.close();
  progress.done();
  const ms = Date.now() - t0;
  const stats = { files: analysed, functions: host.functionCount(), ms };
  let out: string;
  if (args.format === 'json') out = JSON.stringify({ diagnostics: findings, stats }, null, 2) + '\n';
  else if (args.format === 'sarif') out = JSON.stringify(sarif(findings, kv.version), null, 2) + '\n';
  else out = findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]\n`).join('');
  await new Promise<void>((resolve) => process.stdout.write(out, () => resolve()));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

function sarifLevel(s: Finding['severity']): 'error' | 'warning' | 'note' {
  return s === 'info' ? 'note' : s;
}

export function sarif(findings: Finding[], kernelVersion: string): object {
  const region = (line: number, column: number, endLine?: number, endColumn?: number) =>
    ({ startLine: line, startColumn: column, ...(endLine ? { endLine, endColumn } : {}) });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'mm-lock-lens',
          informationUri: 'https://example.invalid/mm-lock-lens',
          rules: RULES.map((r) => ({
            id: r.id,
            shortDescription: { text: r.summary },
            defaultConfiguration: { level: sarifLevel(r.severity) },
            helpUri: `docs/rules/${r.id}.md`,
          })),
        },
      },
      properties: { kernelVersion },
      columnKind: 'utf16CodeUnits',
      results: findings.map((f) => ({
        ruleId: f.rule,
        ruleIndex: RULES.findIndex((r) => r.id === f.rule),
        level: sarifLevel(f.severity),
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: { uri: f.file }, region: region(f.line, f.column, f.endLine, f.endColumn) } }],
        relatedLocations: f.related.map((r, i) => ({
          id: i + 1,
          message: { text: r.message },
          physicalLocation: { artifactLocation: { uri: r.file }, region: region(r.line, r.column) },
        })),
      })),
    }],
  };
}
