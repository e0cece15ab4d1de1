// `npm start` (after the build): a real VS Code on the sample workspace
// examples/ with the extension installed from a freshly packaged .vsix.
// VS Code cannot be downloaded on these machines, so this is code-server
// (installed into .cache/ on first use); its URL is printed. Where a desktop
// `code` is on PATH, the command to use it instead is printed too.
//
//   node scripts/start.mjs [--port N] [--folder DIR] [--smoke]
//
// --smoke starts everything, checks that the workbench and the extension are
// served, and stops (used by the tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import {
  CODE_SERVER_APT, ensureCodeServer, ensureDebianPackages, installExtension, repoRoot, startCodeServer,
} from './code-server.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const smoke = process.argv.includes('--smoke');
const port = Number(arg('--port', process.env.PORT ?? '0')) || undefined;
const folder = resolve(arg('--folder', join(repoRoot, 'examples')));
const log = (m) => process.stderr.write(`start: ${m}\n`);

function fail(message) {
  process.stderr.write(`start: ${message}\n`);
  process.exit(1);
}

if (!existsSync(join(repoRoot, 'dist', 'client.js')) || !existsSync(join(repoRoot, 'dist', 'server.js'))) {
  fail('dist/ has no client.js/server.js: run `npm run build` first (npm start does).');
}
if (!existsSync(folder)) fail(`no such folder: ${folder}`);

try {
  ensureDebianPackages(CODE_SERVER_APT, log);
} catch (e) {
  fail(e.message);
}
const { entry } = await ensureCodeServer({ log }).catch((e) => fail(e.message));

// A fresh .vsix of what was just built, installed into this run's extensions folder.
const stateDir = join(repoRoot, '.cache', 'start');
const extensionsDir = join(stateDir, 'extensions');
mkdirSync(stateDir, { recursive: true });
const vsix = join(stateDir, 'mm-lock-lens.vsix');
log('packaging the extension');
try {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  fail(`vsce package failed: ${String(e.stderr ?? e.message).trim()}`);
}
// A fresh extensions folder each time: it holds only this extension, and code-server refuses to
// reinstall over a copy it has marked obsolete.
rmSync(extensionsDir, { recursive: true, force: true });
mkdirSync(extensionsDir, { recursive: true });
installExtension({ entry, vsix, stateDir, extensionsDir });

const server = await startCodeServer({ entry, stateDir, extensionsDir, folder, port, log }).catch((e) => fail(e.message));
const url = `${server.url}?folder=${encodeURIComponent(folder)}`;
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

if (smoke) {
  const page = await fetch(url).then((r) => r.text()).catch(() => '');
  const installed = readdirSync(extensionsDir).some((d) => d.startsWith('mm-lock-lens.mm-lock-lens-'));
  const ok = /<html/i.test(page) && installed;
  process.stdout.write(`${ok ? 'ok' : 'FAILED'}: workbench at ${url}, extension installed: ${installed}\n`);
  await stop(ok ? 0 : 1);
} else {
  process.stdout.write(`\nmm-lock-lens in VS Code (code-server ${server.url}):\n\n  ${url}\n\nOpen it in a browser (from another machine: ssh -L ${server.port}:127.0.0.1:${server.port} ...).\n`);
  const code = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'code')).find((p) => existsSync(p));
  if (code) process.stdout.write(`Desktop VS Code is installed too:\n  code --extensionDevelopmentPath=${repoRoot} ${folder}\n`);
  process.stdout.write('Ctrl-C stops the server.\n');
}
