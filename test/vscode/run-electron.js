// `npm run test:electron`: the extension-host suite (out/test/vscode/suite) in
// desktop VS Code through @vscode/test-electron, for machines that have VS
// Code (or can download it). CI here runs the same suite in code-server
// (test/vscode/code-server.test.ts) because VS Code cannot be downloaded.
// Set VSCODE_EXECUTABLE to use an installed `code` binary instead of a download.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runTests } = require('@vscode/test-electron');

async function main() {
  const root = path.resolve(__dirname, '..', '..');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mmll-examples-'));
  fs.cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  try {
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'vscode', 'suite', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome'],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`test:electron: ${e instanceof Error ? e.message : String(e)}`);
  if (!process.env.VSCODE_EXECUTABLE) console.error('test:electron: without a network path to VS Code downloads, point VSCODE_EXECUTABLE at an installed VS Code binary; `npm test` runs the same suite in code-server.');
  process.exit(1);
});
