/**
 * `npm start`'s script (after the build): packages the extension, installs it
 * into code-server, serves the workbench on examples/; --smoke checks and stops.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..', '..');

test('npm start serves VS Code with the extension installed (smoke run)', { timeout: 300_000 }, () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'start.mjs'), '--smoke'], { cwd: root, encoding: 'utf8', timeout: 280_000 });
  assert.equal(r.status, 0, `start.mjs --smoke failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^ok: workbench at http:\/\/127\.0\.0\.1:\d+\/\?folder=.*examples, extension installed: true$/m);
});
