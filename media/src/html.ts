/**
 * The panel's HTML shell, shared by the extension host and the Chromium tests
 * so both serve the same page under the same policy. Pure (no DOM, no Node).
 *
 * The Content-Security-Policy allows only our nonce'd script; styles come as
 * constructable stylesheets from that script (no inline style); the worker is
 * fetched from the bundle and started from a blob: URL (a webview's resource
 * origin differs from its document's, so `new Worker(resourceUrl)` is refused).
 */
export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the bundle is served from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  workerUri: string;
  title: string;
  /** The profile to start with (the page checks it like any message); saves a round trip. */
  profile?: unknown;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
    `connect-src ${cspSource}`,
    'worker-src blob:',
  ].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title)}</title>
</head>
<body data-worker="${escapeHtml(o.workerUri)}"${o.profile === undefined ? '' : ` data-profile="${escapeHtml(JSON.stringify(o.profile))}"`} data-state="loading">
<main id="app"></main>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 random characters from [A-Za-z0-9], from a caller-supplied random source. */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(32), (b) => chars[b % chars.length]).join('');
}
