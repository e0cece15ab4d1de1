/**
 * The server never dies on bad input: malformed JSON-RPC, messages out of
 * order, bad positions, binary and oversized files, invalid settings; and its
 * indexing can be cancelled.
 */
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { ServerUnderTest, uriOf } from './harness';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mmll-lsp-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const FN = 'static void demo(struct mm_struct *mm)\n{\n\tmmap_read_lock(mm);\n\tmmap_read_unlock(mm);\n}\n';

async function alive(s: ServerUnderTest, uri: string) {
  // A request answered proves the server still runs and reads its input.
  await s.request('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 3 } });
  assert.equal(s.exited, null, 'server still running');
}

describe('robustness', () => {
  test('malformed and out-of-order messages are answered or ignored, never fatal', async () => {
    const ws = path.join(tmp, 'ws1');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'a.c'), FN);
    const s = await ServerUnderTest.start({ workspace: ws });
    try {
      await s.ready();
      const uri = uriOf(path.join(ws, 'a.c'));
      // Change and close before open, then a stale version after open.
      s.notify('textDocument/didChange', { textDocument: { uri, version: 5 }, contentChanges: [{ text: 'garbage' }] });
      s.notify('textDocument/didClose', { textDocument: { uri } });
      s.open(path.join(ws, 'a.c'), FN, 3);
      s.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'zzz' }] });
      // Params of the wrong shape.
      s.notify('textDocument/didOpen', { textDocument: 42 });
      s.notify('textDocument/didChange', { textDocument: { uri, version: 9 }, contentChanges: 'nope' });
      s.notify('textDocument/didChange', { textDocument: { uri, version: 10 }, contentChanges: [{ range: { start: { line: 999, character: 999 }, end: { line: -5, character: 0 } }, text: 'x' }] });
      assert.equal(await s.request('textDocument/hover', { textDocument: { uri }, position: { line: -1, character: 1e9 } }), null);
      assert.equal(await s.request('textDocument/hover', { textDocument: { uri: 'file:///no/such.c' }, position: { line: 0, character: 0 } }), null);
      assert.deepEqual(await s.request('textDocument/codeLens', { textDocument: {} }), []);
      assert.deepEqual(await s.request('textDocument/inlayHint', {}), []);
      assert.deepEqual(await s.request('textDocument/codeAction', { textDocument: { uri }, range: null, context: { diagnostics: [{ source: 'mm-lock-lens', code: 'x', range: null }, null] } }), []);
      await assert.rejects(s.request('mmLockLens/noSuchRequest', {}), /Unhandled method|not found/i);
      // Raw bytes: a body that is not JSON, then a valid request still works.
      const raw = (body: string) => s.child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      raw('{"jsonrpc":');
      raw('[]');
      raw('{"jsonrpc":"2.0","id":"x1","method":"textDocument/hover","params":"not an object"}');
      raw('{"jsonrpc":"2.0","method":"textDocument/didOpen"}');
      await alive(s, uri);
      const diags = await s.diagnostics(uri, 0);
      assert.ok(Array.isArray(diags));
      assert.match(s.logText(), /not open/);
      assert.match(s.logText(), /not newer/);
    } finally { await s.stop(); }
  });

  test('an unparsable document gets one informational diagnostic; binary and oversized files are skipped', async () => {
    const ws = path.join(tmp, 'ws2');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'bin.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
    fs.writeFileSync(path.join(ws, 'huge.c'), Buffer.alloc(4 * 1024 * 1024 + 10, 0x20));
    fs.writeFileSync(path.join(ws, 'ok.c'), FN);
    const s = await ServerUnderTest.start({ workspace: ws });
    try {
      const ready = await s.ready();
      assert.equal((ready as { params: { files: number } }).params.files, 1, 'only ok.c is analysed');
      assert.match(s.logText(), /skipped .*bin\.c: binary/);
      assert.match(s.logText(), /skipped .*huge\.c: larger than 4 MB/);
      const broken = path.join(ws, 'broken.c');
      const { uri } = s.open(broken, 'static int f(struct mm_struct *mm\n{{{\n\tmmap_read_lock(mm);\n\t))) #if\n}\n\u0000\u0001');
      const ds = await s.diagnostics(uri, 0, (d) => d.some((x) => x.severity === 3));
      const infos = ds.filter((d: Diagnostic) => d.severity === 3 && (d.code === 'parse-errors' || d.code === 'not-analysed'));
      assert.equal(infos.length, 1, JSON.stringify(ds));
      assert.match(infos[0]!.message, /could not be parsed|does not analyse/);
      await alive(s, uri);
      // Random garbage of many shapes does not bring it down either.
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
      const alphabet = ['{', '}', '(', ')', ';', 'if', 'goto', 'mmap_read_lock(mm)', 'vma_end_read(vma)', '\n', '"', "'", '/*', '#if', 'anon_vma_prepare(vma)', '\t', 'x', '\uD83D'];
      for (let i = 0; i < 20; i++) {
        const text = Array.from({ length: 200 }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(' ');
        s.notify('textDocument/didChange', { textDocument: { uri, version: 10 + i }, contentChanges: [{ text }] });
      }
      await alive(s, uri);
    } finally { await s.stop(); }
  });

  test('parse errors are reported at the functions they affect, not for file-scope macro noise', async () => {
    const ws = path.join(tmp, 'ws2b');
    fs.mkdirSync(ws);
    const s = await ServerUnderTest.start({ workspace: ws });
    try {
      await s.ready();
      // A file-scope macro tree-sitter cannot read, then a clean function: the analysis loses nothing.
      const noisy = path.join(ws, 'noisy.c');
      const noisyText = 'DECLARE_SOMETHING(x, y) z;\nmodule_param_named(a, b, int, 0644) q q;\n' + FN;
      const { uri: noisyUri } = s.open(noisy, noisyText);
      const ds1 = await s.diagnostics(noisyUri);
      assert.equal(ds1.filter((d) => d.code === 'parse-errors').length, 0, JSON.stringify(ds1));
      // A function whose body is broken: one diagnostic, on that function's name, naming it.
      const broken = path.join(ws, 'broken-body.c');
      const text = FN + '\nstatic int bad_body(struct vm_fault *vmf)\n{\n\tif (vmf->flags & ))) {\n\t\treturn 0;\n\t}\n\treturn 1;\n}\n';
      const { uri } = s.open(broken, text);
      const ds2 = await s.diagnostics(uri, 0, (d) => d.some((x) => x.code === 'parse-errors'));
      const infos = ds2.filter((d) => d.code === 'parse-errors');
      assert.equal(infos.length, 1, JSON.stringify(ds2));
      assert.match(infos[0]!.message, /bad_body\(\)/);
      assert.equal(infos[0]!.range.start.line, 6, 'on the line of bad_body');
    } finally { await s.stop(); }
  });

  test('invalid settings get a clear message and a fallback; valid ones apply', async () => {
    const ws = path.join(tmp, 'ws3');
    fs.mkdirSync(path.join(ws, 'drivers'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 9\nSUBLEVEL = 0\n');
    fs.writeFileSync(path.join(ws, 'a.c'), FN);
    fs.writeFileSync(path.join(ws, 'drivers', 'b.c'), FN);
    const s = await ServerUnderTest.start({
      workspace: ws,
      settings: { kernelVersion: 'banana', inlayHints: { enable: 'yes' }, diagnostics: { severityOverrides: { 'unlock-not-held': 'loud' } }, rules: { disabled: 'all' }, exclude: 5 },
    });
    try {
      const ready = await s.ready();
      const msg = await s.waitFor((e) => e.kind === 'request' && e.method === 'window/showMessageRequest', 'a settings message');
      const text = (msg as { params: { message: string; type: number } }).params.message;
      assert.equal((msg as { params: { type: number } }).params.type, 2, 'a warning');
      for (const key of ['mmLockLens.kernelVersion', 'mmLockLens.inlayHints.enable', 'severityOverrides', 'mmLockLens.rules.disabled', 'mmLockLens.exclude']) assert.ok(text.includes(key), `${key} in: ${text}`);
      assert.match(text, /using auto/);
      const p = (ready as { params: { kernelVersion: string; kernelVersionSource: string; files: number; settingsProblems: string[] } }).params;
      assert.equal(p.kernelVersion, '6.9');
      assert.equal(p.kernelVersionSource, 'makefile');
      assert.equal(p.files, 2, 'default excludes used');
      assert.equal(p.settingsProblems.length, 5);
      // Now valid values: a fixed version and an exclude.
      const from = s.events.length;
      s.settings = { kernelVersion: '6.7', exclude: ['drivers/**'] };
      s.notify('workspace/didChangeConfiguration', { settings: null });
      const st = await s.waitFor((e) => e.kind === 'status' && e.params.state === 'ready' && e.params.kernelVersion === '6.7', 'status with 6.7', 10000, from);
      assert.equal((st as { params: { kernelVersionSource: string } }).params.kernelVersionSource, 'setting');
      await s.waitFor((e) => e.kind === 'status' && e.params.state === 'ready' && e.params.files === 1, 'drivers/ excluded', 10000, from);
    } finally { await s.stop(); }
  });

  test('indexing can be cancelled through its progress token', async () => {
    const ws = path.join(tmp, 'ws4');
    fs.mkdirSync(ws);
    // (enough text that reading it outlasts the indexing's first 50 ms slice, after which it yields to requests)
    for (let i = 0; i < 1500; i++) fs.writeFileSync(path.join(ws, `f${i}.c`), Array.from({ length: 40 }, (_, k) => FN.replace('demo', `demo${i}_${k}`)).join('\n'));
    let s: ServerUnderTest | undefined;
    s = await ServerUnderTest.start({
      workspace: ws,
      onProgressCreate: (token) => { setTimeout(() => s?.notify('window/workDoneProgress/cancel', { token }), 5); },
    });
    try {
      const ready = await s.ready(60000);
      // Cancelled while listing or while reading: either way fewer files reach the analysis.
      const p = (ready as { params: { done: number; total: number; files: number } }).params;
      assert.ok(p.files < 1500 && p.done < 1500, `cancelled early: ${p.done}/${p.total} read, ${p.files} analysed`);
      assert.match(s.logText(), /indexing cancelled/);
      await alive(s, uriOf(path.join(ws, 'f1.c')));
    } finally { await s.stop(); }
  });
});

describe('dependents', () => {
  test('an edit in one file re-publishes another file whose lock context it changes', async () => {
    const ws = path.join(tmp, 'ws5');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 12\n');
    // helper.c: anon_vma_prepare() is a finding only if a caller holds just the VMA lock.
    const helper = path.join(ws, 'helper.c');
    fs.writeFileSync(helper, [
      'vm_fault_t demo_prepare(struct vm_area_struct *vma)',
      '{',
      '\tif (anon_vma_prepare(vma))',
      '\t\treturn VM_FAULT_OOM;',
      '\treturn 0;',
      '}',
      '',
    ].join('\n'));
    const faultText = [
      'static vm_fault_t demo_fault(struct vm_fault *vmf)',
      '{',
      '\treturn demo_prepare(vmf->vma);',
      '}',
      '',
      'static const struct vm_operations_struct demo_vm_ops = {',
      '\t.fault\t\t= demo_fault,',
      '\t.map_pages\t= filemap_map_pages,',
      '};',
      '',
    ].join('\n');
    const fault = path.join(ws, 'fault.c');
    fs.writeFileSync(fault, faultText);
    const s = await ServerUnderTest.start({ workspace: ws });
    try {
      await s.ready();
      const helperUri = uriOf(helper);
      await s.diagnostics(helperUri, 0, (d) => d.some((x) => x.code === 'anon-vma-prepare-under-vma-lock' && x.range.start.line === 2));
      // Only fault.c is edited: the call goes, so helper.c's finding must go too.
      const { uri } = s.open(fault, faultText, 1);
      const from = s.events.length;
      const at = faultText.split('\n')[2]!;
      s.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: at.length } }, text: '\treturn 0;' }] });
      const after = await s.diagnostics(helperUri, from);
      assert.deepEqual(after, [], 'helper.c re-published without the finding');
    } finally { await s.stop(); }
  });
});
