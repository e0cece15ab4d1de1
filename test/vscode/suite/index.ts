/**
 * Entry of the extension-host test run (VS Code's `extensionTestsPath`):
 * mocha with every compiled `*.vscode.js` file of this folder. The same entry
 * serves code-server (test/vscode/code-server.test.ts) and
 * @vscode/test-electron (test/vscode/run-electron.js).
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha = require('mocha');

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.vscode.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}
