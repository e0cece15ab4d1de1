/**
 * Serves the bundled panel (dist/media) over HTTP on 127.0.0.1 with the same
 * HTML shell and Content-Security-Policy as the extension host, and opens it
 * in Debian's Chromium through playwright-core with a stand-in for
 * `acquireVsCodeApi` that records what the page posts and keeps its state.
 * Shared by the webview tests and the panel benchmark.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { makeNonce, panelHtml } from '../../media/src/html';
import { codeServerModule } from '../support/vscode-host';
import type { PanelProfile } from '../../media/src/messages';

export const repoRoot = join(__dirname, '..', '..', '..');
export const artifactsDir = join(repoRoot, 'test-artifacts', 'webview');
const CHROMIUM = '/usr/bin/chromium';

// The functions passed to page.evaluate run in the page; the tests compile without DOM types.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const MutationObserver: any;

/** Chromium from Debian: installed by .ci/run, or by the shared set-up (scripts/code-server.mjs) when running as root. */
export async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  const cs = await codeServerModule();
  cs.ensureDebianPackages(['chromium']);
}

export interface PanelServer {
  origin: string;
  close(): Promise<void>;
}

export async function servePanel(): Promise<PanelServer> {
  const media = join(repoRoot, 'dist', 'media');
  for (const f of ['panel.js', 'sim-worker.js']) {
    if (!existsSync(join(media, f))) throw new Error(`dist/media/${f} is missing: run the build first`);
  }
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const nonce = makeNonce((n) => randomBytes(n));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      // ?profile=BASE64URL(JSON): the profile in the page, as the extension host serves a new panel.
      const embedded = url.searchParams.get('profile');
      let profile: unknown;
      if (embedded) {
        try { profile = JSON.parse(Buffer.from(embedded, 'base64url').toString('utf8')); } catch { profile = embedded; }
      }
      res.end(panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/media/panel.js`, workerUri: `${origin}/media/sim-worker.js`, title: 'panel test', profile }));
      return;
    }
    const m = /^\/media\/([\w.-]+\.js)$/.exec(url.pathname);
    if (m && existsSync(join(media, m[1]))) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(readFileSync(join(media, m[1])));
      return;
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  origin = `http://127.0.0.1:${addr.port}`;
  return { origin, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  await ensureChromium();
  const dir = mkdtempSync(join(tmpdir(), 'mm-lock-lens-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 1400 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the stand-in for the VS Code API saw. */
export interface HostLog {
  posted: { type: string; [k: string]: unknown }[];
  state: unknown;
  cspViolations: string[];
  consoleErrors: string[];
}

/**
 * Opens the panel page with a stand-in `acquireVsCodeApi` (posted messages go
 * to `window.__posted`, state to `window.__state`, seeded from `state`).
 * CSP violations and console errors are collected for the caller to assert on.
 */
export type ThemeName = 'light' | 'dark' | 'high-contrast';

/** A few of the variables VS Code sets on a webview's <html> for each theme kind. */
const THEMES: Record<ThemeName, Record<string, string>> = {
  light: {
    '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#717171',
    '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#ffffff',
    '--vscode-input-foreground': '#3b3b3b', '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-textInputForeground': '#3b3b3b',
    '--vscode-settings-dropdownBackground': '#ffffff', '--vscode-settings-dropdownForeground': '#3b3b3b', '--vscode-settings-textInputBorder': '#cecece',
    '--vscode-panel-border': '#e5e5e5', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-errorForeground': '#f85149',
  },
  dark: {
    '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-input-background': '#313131',
    '--vscode-input-foreground': '#cccccc', '--vscode-settings-textInputBackground': '#313131', '--vscode-settings-textInputForeground': '#cccccc',
    '--vscode-settings-dropdownBackground': '#313131', '--vscode-settings-dropdownForeground': '#cccccc', '--vscode-panel-border': '#2b2b2b',
    '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-errorForeground': '#f85149',
  },
  'high-contrast': {
    '--vscode-foreground': '#ffffff', '--vscode-editor-background': '#000000', '--vscode-descriptionForeground': '#ffffff',
    '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#6fc3df',
    '--vscode-input-background': '#000000', '--vscode-input-foreground': '#ffffff', '--vscode-settings-textInputBackground': '#000000',
    '--vscode-settings-textInputForeground': '#ffffff', '--vscode-settings-dropdownBackground': '#000000', '--vscode-contrastBorder': '#6fc3df',
    '--vscode-panel-border': '#6fc3df', '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-errorForeground': '#f48771',
  },
};

export async function openPanel(context: BrowserContext, origin: string, opts: { state?: unknown; theme?: ThemeName; beforeLoad?: () => void; profile?: unknown } = {}): Promise<{ page: Page; log: () => Promise<HostLog>; consoleErrors: string[] }> {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  const theme = opts.theme ?? 'light';
  await page.addInitScript(({ vars, cls }) => {
    // As VS Code does: theme variables on <html>, the theme kind as a class of <body>.
    const apply = () => {
      if (!document.documentElement) return false;
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      return true;
    };
    if (!apply()) {
      const obs = new MutationObserver(() => { if (apply()) obs.disconnect(); });
      obs.observe(document, { childList: true });
    }
    document.addEventListener('DOMContentLoaded', () => document.body.classList.add(cls));
  }, { vars: THEMES[theme], cls: `vscode-${theme}` });
  await page.addInitScript((initial) => {
    const w = window as unknown as { __posted: unknown[]; __state: unknown; __csp: string[]; acquireVsCodeApi: () => unknown };
    w.__posted = [];
    w.__state = initial === null ? undefined : initial;
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e: any) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
    let acquired = false;
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m: unknown) => { w.__posted.push(JSON.parse(JSON.stringify(m))); },
        getState: () => w.__state,
        setState: (s: unknown) => { w.__state = JSON.parse(JSON.stringify(s)); return s; },
      };
    };
  }, opts.state ?? null);
  if (opts.beforeLoad) await page.addInitScript(opts.beforeLoad);
  await page.goto(origin + '/' + (opts.profile === undefined ? '' : `?profile=${Buffer.from(JSON.stringify(opts.profile)).toString('base64url')}`));
  const log = async (): Promise<HostLog> => {
    const r = await page.evaluate(() => {
      const w = window as unknown as { __posted: { type: string }[]; __state: unknown; __csp: string[] };
      return { posted: w.__posted, state: w.__state, cspViolations: w.__csp };
    });
    return { ...(r as Omit<HostLog, 'consoleErrors'>), consoleErrors };
  };
  return { page, log, consoleErrors };
}

/** Posts a message to the page as the extension host would. */
export async function hostPost(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A profile as the language server would answer for a fault handler that
 * needs an anon_vma (the fixture's shape: entered under the per-VMA lock with
 * the mmap_lock fallback, vmf_anon_prepare at line 27). */
export function faultProfile(over: Partial<PanelProfile> = {}): PanelProfile {
  return {
    function: 'demo_anonymous_fault',
    file: 'mm/demo.c',
    line: 12,
    kernelVersion: '6.12',
    entry: [
      { locks: ['vma_read'], via: [{ function: 'do_user_addr_fault', file: 'arch/x86/mm/fault.c', line: 40 }, { function: 'demo_anonymous_fault', file: 'mm/demo.c', line: 12 }] },
      { locks: ['mmap_read'], via: [{ function: 'do_user_addr_fault', file: 'arch/x86/mm/fault.c', line: 52 }, { function: 'demo_anonymous_fault', file: 'mm/demo.c', line: 12 }] },
    ],
    acquires: [{ lock: 'ptl', line: 30, call: 'pte_offset_map_lock' }],
    releases: [{ lock: 'ptl', line: 38, call: 'pte_unmap_unlock' }],
    fallbacks: [{ line: 27, kind: 'anon_vma', condition: 'vmf_anon_prepare(vmf)' }, { line: 33, kind: 'folio_locked', condition: 'folio_lock_or_retry(folio, vmf)' }],
    needsAnonVma: true,
    writesVma: false,
    uri: 'file:///work/demo/mm/demo.c',
    ...over,
  };
}
