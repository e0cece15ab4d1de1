/**
 * Runs the extension-host suite (test/vscode/suite) inside a real VS Code:
 * code-server's workbench in headless chromium, loading this repository as
 * the extension under development through the workbench payload route.
 * (`npm run test:electron` runs the same suite in desktop VS Code.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { artifactsDir, copyExamples, openVsCode, repoRoot } from '../support/vscode-host';

test('extension-host suite passes in code-server', { timeout: 600_000 }, async () => {
  const folder = copyExamples();
  const session = await openVsCode({ folder, extensionTestsPath: path.join(repoRoot, 'out', 'test', 'vscode', 'suite', 'index.js') });
  try {
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      session.exitCode,
      new Promise<number>((_, reject) => { timer = setTimeout(() => reject(new Error('the extension-host suite did not finish within 240 s')), 240_000); }),
    ]).finally(() => clearTimeout(timer)).catch(async (e: Error) => {
      fs.mkdirSync(artifactsDir, { recursive: true });
      await session.page.screenshot({ path: path.join(artifactsDir, 'vscode-suite-timeout.png') }).catch(() => undefined);
      throw e;
    });
    const log = session.logs.join('\n');
    fs.mkdirSync(artifactsDir, { recursive: true });
    fs.writeFileSync(path.join(artifactsDir, 'vscode-suite.log'), log);
    assert.equal(code, 0, `extension-host suite failed:\n${log.slice(-6000)}`);
    assert.match(log, /passing/, 'mocha reported its results');
    assert.doesNotMatch(log, /failing/);
  } finally {
    await session.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
