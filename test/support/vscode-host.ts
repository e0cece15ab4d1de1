/**
 * A real VS Code for tests: code-server (installed into .cache/ on first use
 * by scripts/code-server.mjs) with this repository as the extension under
 * development, driven by Debian's chromium through playwright-core.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { format } from 'util';
import type { BrowserContext, Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const artifactsDir = path.join(repoRoot, 'test-artifacts');

interface CodeServerModule {
  ensureCodeServer(o?: { root?: string; log?: (m: string) => void }): Promise<{ entry: string; dir: string }>;
  ensureDebianPackages(pkgs: string[], log?: (m: string) => void): void;
  startCodeServer(o: { entry: string; stateDir: string; extensionsDir?: string; folder?: string; port?: number; env?: Record<string, string>; log?: (m: string) => void }): Promise<{ url: string; port: number; pid: number; logFile: string; stop(): Promise<void> }>;
  tempDir(prefix: string): string;
}

// scripts/code-server.mjs is an ES module shared with `npm start`; tsc would turn import() into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
export async function codeServerModule(): Promise<CodeServerModule> {
  return (await importEsm(pathToFileURL(path.join(repoRoot, 'scripts', 'code-server.mjs')).href)) as CodeServerModule;
}

/** A scratch copy of examples/ (tests edit documents; the repository's files are never touched). */
export function copyExamples(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmll-examples-'));
  fs.cpSync(path.join(repoRoot, 'examples'), dir, { recursive: true });
  return dir;
}

export interface VsCodeSession {
  page: Page;
  context: BrowserContext;
  url: string;
  logs: string[];
  /** Resolves with the exit code the workbench reports (extension tests). */
  exitCode: Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts code-server and opens the workbench on `folder` in headless
 * chromium, with this repository loaded as the extension under development
 * and, if given, an extension test module run inside the extension host.
 */
export async function openVsCode(opts: { folder: string; extensionTestsPath?: string; env?: Record<string, string> }): Promise<VsCodeSession> {
  const cs = await codeServerModule();
  cs.ensureDebianPackages(['chromium']);
  const { entry } = await cs.ensureCodeServer({ log: (m) => process.stderr.write(`${m}\n`) });
  const stateDir = cs.tempDir('mmll-code-server-');
  const server = await cs.startCodeServer({ entry, stateDir, env: opts.env ?? {} });
  const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload: [string, string][] = [['extensionDevelopmentPath', remote(repoRoot)], ['skipWelcome', 'true']];
  if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
  const url = `${server.url}?folder=${encodeURIComponent(opts.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const { chromium } = await import('playwright-core');
  const profile = cs.tempDir('mmll-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const logs: string[] = [];
  let resolveExit!: (code: number) => void;
  const exitCode = new Promise<number>((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    logs.push(`[${type}] ${format(...(Array.isArray(args) ? args : [args]))}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => { resolveExit(code); });
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.goto(url);
  const close = async () => {
    await context.close().catch(() => undefined);
    await server.stop();
    for (const d of [profile, stateDir]) fs.rmSync(d, { recursive: true, force: true });
  };
  return { page, context, url, logs, exitCode, close };
}
