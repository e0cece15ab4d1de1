// code-server: the real VS Code workbench and Node extension host, installed
// offline from the npm registry into the git-ignored .cache/ folder, and
// started on 127.0.0.1. Used by `npm start` and by the test suites that need a
// real VS Code (test/vscode, test/e2e). Recipe: see ARCHITECTURE.md and the
// README ("Real VS Code").
//
// The install is cached: a marker file is written only after a complete,
// verified install, so an interrupted one is detected and redone. A lock
// directory keeps two test processes from installing at the same time.
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, closeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The newest code-server whose VS Code (1.100.3) runs on this machine's Node 20. */
export const CODE_SERVER_VERSION = '4.100.3';
// @vscode/ripgrep 1.15.11 (pulled by code-server 4.100.3) downloads rg from
// GitHub unless it finds this tarball in $TMPDIR/vscode-ripgrep-cache-1.15.11/.
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_TARBALL = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** Debian packages, and how to tell each is there without dpkg. */
const DEBIAN_CHECKS = {
  chromium: () => existsSync('/usr/bin/chromium'),
  ripgrep: () => which('rg') !== null,
  'libkrb5-dev': () => existsSync('/usr/include/krb5.h') || existsSync('/usr/include/krb5/krb5.h'),
};
/** What installing code-server needs (kerberos compiles against libkrb5-dev; rg replaces a GitHub download). */
export const CODE_SERVER_APT = ['ripgrep', 'libkrb5-dev'];

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

function aptLine(pkgs) {
  return `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

/**
 * Makes sure the Debian packages are installed: as root, installs the missing
 * ones; otherwise throws with the exact apt-get line to run.
 */
export function ensureDebianPackages(pkgs, log = (m) => process.stderr.write(m + '\n')) {
  const missing = pkgs.filter((p) => !(DEBIAN_CHECKS[p] ?? (() => false))());
  if (!missing.length) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`missing Debian packages: ${missing.join(', ')}. Install them with:\n  sudo ${aptLine(missing)}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    try { install(); } catch (e) {
      throw new Error(`could not install ${missing.join(' ')} (${String(e.stderr ?? e.message).trim().slice(-500)}); run:\n  ${aptLine(missing)}`);
    }
  }
  const still = missing.filter((p) => !DEBIAN_CHECKS[p]());
  if (still.length) throw new Error(`apt-get ran but these are still missing: ${still.join(', ')}; run:\n  ${aptLine(still)}`);
}

export function codeServerDir(root = repoRoot) {
  return join(root, '.cache', `code-server-${CODE_SERVER_VERSION}`);
}

function entryOf(dir) {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Files a complete install has; a missing one means the install was cut short. */
function installLooksComplete(dir) {
  const pkg = join(dir, 'node_modules', 'code-server');
  const marker = join(dir, '.installed.json');
  if (!existsSync(marker)) return false;
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8'));
    if (m.version !== CODE_SERVER_VERSION || m.nodeMajor !== process.versions.node.split('.')[0]) return false;
  } catch { return false; }
  return [
    entryOf(dir),
    join(pkg, 'lib', 'vscode', 'out', 'server-main.js'),
    join(pkg, 'lib', 'vscode', 'package.json'),
    join(pkg, 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
  ].every((f) => existsSync(f));
}

async function withLock(lockDir, fn, log) {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // A lock older than 15 minutes belongs to an install that died.
      try { if (Date.now() - statSync(lockDir).mtimeMs > 15 * 60_000) { rmSync(lockDir, { recursive: true, force: true }); continue; } } catch { continue; }
      if (Date.now() > deadline) throw new Error(`timed out waiting for another code-server install (lock ${lockDir})`);
      log('waiting for another code-server install to finish...');
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try { return await fn(); } finally { rmSync(lockDir, { recursive: true, force: true }); }
}

function runLogged(cmd, args, opts, logFile) {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd] });
    child.on('error', (e) => { closeSync(fd); reject(e); });
    child.on('exit', (code, signal) => { closeSync(fd); code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}`)); });
  });
}

/**
 * Installs code-server into .cache/ on first use (about 300 MB, a minute) and
 * returns the path of its entry script. Needs ripgrep and libkrb5-dev.
 */
export async function ensureCodeServer({ root = repoRoot, log = (m) => process.stderr.write(m + '\n') } = {}) {
  const dir = codeServerDir(root);
  if (installLooksComplete(dir)) return { entry: entryOf(dir), dir };
  ensureDebianPackages(CODE_SERVER_APT, log);
  mkdirSync(join(root, '.cache'), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (installLooksComplete(dir)) return { entry: entryOf(dir), dir };
    if (existsSync(dir)) log(`code-server: removing an incomplete install in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }, null, 2));
    const tmp = join(dir, '.tmp');
    const rgCache = join(tmp, RIPGREP_CACHE);
    const stage = join(tmp, 'rg-stage');
    mkdirSync(rgCache, { recursive: true });
    mkdirSync(stage, { recursive: true });
    copyFileSync(which('rg'), join(stage, 'rg'));
    execFileSync('tar', ['-czf', join(rgCache, RIPGREP_TARBALL), '-C', stage, 'rg']);
    const env = {};
    // Inherit the environment minus npm's own lifecycle variables (set when run under `npm test`).
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
    Object.assign(env, {
      TMPDIR: tmp,
      npm_config_yes: 'true', // node-pty's postinstall runs `npx node-gyp`
      npm_config_unsafe_perm: 'true', // code-server's postinstall refuses root otherwise
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    });
    if (existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
    const logFile = join(root, '.cache', `code-server-${CODE_SERVER_VERSION}-install.log`);
    writeFileSync(logFile, `install of code-server ${CODE_SERVER_VERSION} at ${new Date().toISOString()}\n`);
    log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (first use only; about a minute; log: ${logFile})`);
    const npmCli = process.env.npm_execpath && existsSync(process.env.npm_execpath) ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
    try {
      await runLogged(npmCli[0], [...npmCli[1], 'install', '--no-save', '--loglevel=warn', `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env }, logFile);
    } catch (e) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`code-server install failed: ${e.message}\n--- last lines of ${logFile} ---\n${tail}`);
    }
    writeFileSync(join(dir, '.installed.json'), JSON.stringify({ version: CODE_SERVER_VERSION, nodeMajor: process.versions.node.split('.')[0], at: new Date().toISOString() }));
    rmSync(tmp, { recursive: true, force: true });
    if (!installLooksComplete(dir)) {
      rmSync(join(dir, '.installed.json'), { force: true });
      throw new Error(`code-server install in ${dir} is incomplete after npm finished; see ${logFile}`);
    }
    return { entry: entryOf(dir), dir };
  }, log);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Environment that keeps code-server out of the user's home and off the network. */
function isolatedEnv(stateDir, extraEnv) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(npm_|VSCODE_)/i.test(k)) delete env[k];
  return {
    ...env,
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    XDG_DATA_HOME: join(stateDir, 'data'),
    XDG_CACHE_HOME: join(stateDir, 'cache'),
    EXTENSIONS_GALLERY: '{}',
    ...extraEnv,
  };
}

/** `code-server --install-extension VSIX` into the given extensions folder. */
export function installExtension({ entry, vsix, stateDir, extensionsDir }) {
  execFileSync(process.execPath, [entry, '--user-data-dir', join(stateDir, 'user-data'), '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    env: isolatedEnv(stateDir, {}), stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
}

/**
 * Starts code-server on 127.0.0.1 (own process group, so stop() ends the
 * extension hosts and watchers it spawned too). Resolves once /healthz answers.
 */
export async function startCodeServer({ entry, stateDir, extensionsDir, folder, port, env = {}, log = () => {} }) {
  port ??= await freePort();
  mkdirSync(stateDir, { recursive: true });
  extensionsDir ??= join(stateDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  const config = join(stateDir, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  // Settings that keep the workbench quiet and predictable for a person and for tests.
  const userDir = join(stateDir, 'user-data', 'User');
  mkdirSync(userDir, { recursive: true });
  const settingsFile = join(userDir, 'settings.json');
  if (!existsSync(settingsFile)) {
    writeFileSync(settingsFile, JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'security.workspace.trust.enabled': false,
      'editor.inlayHints.enabled': 'on',
      'workbench.colorTheme': 'Default Dark Modern',
    }, null, 2));
  }
  const args = [entry, '--config', config, '--user-data-dir', join(stateDir, 'user-data'), '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'];
  if (folder) args.push(folder);
  const logFile = join(stateDir, 'code-server.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: isolatedEnv(stateDir, env) });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => { exited = code ?? signal; });
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (exited !== null) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
    for (let i = 0; i < 50 && exited === null; i++) await new Promise((r) => setTimeout(r, 100));
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before answering; log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`${url}healthz`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error(`code-server did not answer on ${url} within 60 s; log: ${logFile}`); }
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`code-server up at ${url}`);
  return { url, port, pid: child.pid, logFile, stop, child };
}

/** A fresh temporary folder (for browser profiles and code-server state). */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}
