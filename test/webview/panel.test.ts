/**
 * The bundled panel page in real Chromium, served under the same CSP as in
 * VS Code, with a stand-in for acquireVsCodeApi. Runs the real simulator in
 * the page's Web Worker.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { faultProfile, hostPost, launch, openPanel, screenshot, servePanel, type Browser, type PanelServer } from './harness';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;

let server: PanelServer;
let browser: Browser;

before(async () => {
  server = await servePanel();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** A short run of the default process, so the suite stays fast. */
const SHORT = { duration_s: 0.02 };
/** A run long enough to interact with while it goes on. */
const LONG = { duration_s: 30 };

function state(params: Record<string, unknown>, over: Record<string, unknown> = {}) {
  return { version: 1, profile: faultProfile(), params, seed: 7, comparison: 'per-vma', ...over };
}

async function waitState(page: Page, states: string[], timeout = 20_000): Promise<string> {
  await page.waitForFunction((s: string[]) => s.includes(document.body.dataset.state), states, { timeout });
  return page.evaluate(() => document.body.dataset.state);
}

async function cellText(page: Page, metric: string, col: number): Promise<string> {
  return page.locator(`#summary tr[data-metric="${metric}"] td`).nth(col).innerText();
}

describe('simulate panel in Chromium', () => {
  test('renders the profile, runs both variants in the worker, and shows numbers and charts without a CSP violation', async () => {
    const { page, log, consoleErrors } = await openPanel(browser.context, server.origin, { state: state(SHORT) });
    await hostPost(page, { type: 'init', profile: faultProfile() });
    assert.equal(await waitState(page, ['done', 'error', 'invalid']), 'done', (await page.locator('#run-notes').innerText()));
    assert.equal(await page.locator('h1').innerText(), 'Simulate demo_anonymous_fault()');
    assert.match(await page.locator('#path-lock').innerText(), /per-VMA lock/);
    // Numbers for both sides, and the ratio column.
    for (const col of [1, 2]) {
      const t = await cellText(page, 'faults.per_s', col);
      assert.match(t, /^[\d.]+( [kMG])?\/s$/, `faults/s column ${col}: ${t}`);
      assert.match(await cellText(page, 'faults.p99', col), /\d (us|ms|s)$/);
    }
    assert.match(await cellText(page, 'faults.p99', 3), /×$/);
    // The per-VMA side counts vma_lock_success; the mmap_lock-only side none.
    const success = await page.locator('#vmstat tr[data-metric="vma.success"] td').allInnerTexts();
    assert.notEqual(success[1], '0', `A's vma_lock_success: ${success[1]}`);
    assert.equal(success[2], '0', `B (no per-VMA locks) vma_lock_success: ${success[2]}`);
    // uPlot charts drew on canvases.
    const canvases = await page.locator('#charts .uplot canvas').count();
    assert.ok(canvases >= 4, `${canvases} chart canvases`);
    const posted = (await log()).posted;
    assert.deepEqual(posted[0], { type: 'ready' });
    assert.ok(posted.some((m) => m.type === 'status' && m.state === 'done' && /demo_anonymous_fault\(\)/.test(String(m.detail))));
    await screenshot(page, 'panel-light');
    const l = await log();
    assert.deepEqual(l.cspViolations, [], 'no CSP violation');
    assert.deepEqual(consoleErrors, [], 'no console error');
    await page.close();
  });

  test('stays responsive during a long run, streams progress, and cancels', async () => {
    const { page, log } = await openPanel(browser.context, server.origin, { state: state(LONG) });
    await hostPost(page, { type: 'init', profile: faultProfile() });
    await waitState(page, ['partial']);
    const before = await page.evaluate(() => document.getElementById('progress').value);
    // Input is handled while the worker runs: a bad value gets its message.
    const field = page.locator('#param-threads input');
    await field.fill('0');
    await page.waitForFunction(() => document.getElementById('param-threads-message').textContent.length > 0, null, { timeout: 2000 });
    assert.match(await page.locator('#param-threads-message').innerText(), /threads must be an integer from 1 to \d+/);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'partial', 'the run goes on');
    await page.waitForFunction((b: number) => document.getElementById('progress').value > b, before, { timeout: 5000 });
    await page.locator('#cancel').click();
    assert.equal(await waitState(page, ['canceled', 'done'], 5000), 'canceled');
    assert.match(await page.locator('#progress-text').innerText(), /canceled/);
    // Partial results stay on screen.
    assert.match(await cellText(page, 'faults.per_s', 1), /\/s$/);
    const statuses = (await log()).posted.filter((m) => m.type === 'status').map((m) => m.state);
    assert.deepEqual(statuses.slice(-3), ['running', 'partial', 'canceled']);
    assert.deepEqual((await log()).cspViolations, []);
    await page.close();
  });

  test('rejects bad parameters with messages, in the form and from the simulator', async () => {
    const { page } = await openPanel(browser.context, server.origin, { state: state(SHORT) });
    await hostPost(page, { type: 'init', profile: faultProfile() });
    await waitState(page, ['done']);
    await page.locator('#param-writers_per_s input').fill('lots');
    await page.waitForFunction(() => document.getElementById('param-writers_per_s-message').textContent.length > 0, null, { timeout: 2000 });
    assert.match(await page.locator('#param-writers_per_s-message').innerText(), /writers_per_s must be a number.*got “lots”/);
    assert.equal(await page.evaluate(() => document.getElementById('run').disabled), true, 'Run is disabled while a field is invalid');
    await page.locator('#param-writers_per_s input').fill('100');
    await page.waitForFunction(() => document.getElementById('param-writers_per_s-message').textContent === '', null, { timeout: 2000 });
    await waitState(page, ['running', 'partial', 'done']);
    await page.close();

    // A saved state the form never checked (say, from an older version) is refused by the simulator, naming the key.
    const second = await openPanel(browser.context, server.origin, { state: state({ ...SHORT, threads: 1e9 }) });
    await hostPost(second.page, { type: 'init', profile: faultProfile() });
    assert.equal(await waitState(second.page, ['invalid', 'done']), 'invalid');
    assert.match(await second.page.locator('#param-threads-message').innerText(), /\S/);
    assert.match(await second.page.locator('#run-notes').innerText(), /threads/);
    await second.page.close();
  });

  test('drops and logs malformed messages, and keeps working', async () => {
    const { page, log } = await openPanel(browser.context, server.origin, { state: { version: 1, profile: { function: 3 } } });
    await hostPost(page, { type: 'init', profile: { ...faultProfile(), fallbacks: [{ line: -4, kind: 'anon_vma', condition: 'x' }] } });
    await hostPost(page, { type: 'explode' });
    await hostPost(page, 'not an object');
    await hostPost(page, { type: 'init', profile: faultProfile({ function: 'second_try' }) });
    await page.waitForFunction(() => document.querySelector('h1').textContent.includes('second_try'), null, { timeout: 5000 });
    const logs = (await log()).posted.filter((m) => m.type === 'log').map((m) => String(m.message));
    assert.ok(logs.some((m) => /saved state/.test(m)), logs.join('\n'));
    assert.ok(logs.some((m) => /malformed.*fallbacks\[0\]\.line/.test(m)), logs.join('\n'));
    assert.ok(logs.some((m) => /malformed.*unknown message type "explode"/.test(m)), logs.join('\n'));
    assert.ok(logs.filter((m) => /malformed/.test(m)).length >= 3);
    await page.close();
  });

  test('restores from its saved state, reveals fallback lines, exports and copies', async () => {
    const { page, log } = await openPanel(browser.context, server.origin, { state: state(SHORT, { comparison: 'anon-vma-check', seed: 42 }) });
    // No init message: the page shows what it saved (as after a reload).
    assert.equal(await waitState(page, ['done', 'invalid', 'error']), 'done');
    assert.equal(await page.evaluate(() => document.getElementById('comparison').value), 'anon-vma-check');
    assert.equal(await page.locator('#param-seed input').inputValue(), '42');
    const rows = page.locator('#fallbacks tr.fallback');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.first().innerText(), /vmf_anon_prepare\(vmf\)[\s\S]*anon_vma/);
    await rows.first().click();
    await rows.nth(1).focus();
    await page.keyboard.press('Enter');
    await page.locator('#export-json').click();
    await page.locator('#export-csv').click();
    await page.locator('#export-png').click();
    await page.locator('#copy-summary').click();
    const posted = (await log()).posted;
    assert.deepEqual(posted.filter((m) => m.type === 'reveal'), [{ type: 'reveal', line: 27 }, { type: 'reveal', line: 33 }]);
    const json = posted.find((m) => m.type === 'export' && m.format === 'json')!;
    const parsed = JSON.parse(String(json.data));
    assert.equal(parsed.function, 'demo_anonymous_fault');
    assert.equal(parsed.seed, 42);
    assert.ok(parsed.results.A.faults.count > 0 && parsed.results.B.faults.count > 0);
    assert.equal(parsed.results.B.params.anon_vma_check, 'early');
    const csv = String(posted.find((m) => m.type === 'export' && m.format === 'csv')!.data).trim().split('\n');
    assert.match(csv[0], /^metric,"A: late check \(vmf_anon_prepare, 6\.10\+\)",B: early check.*,B\/A$/);
    assert.ok(csv.some((l) => /^faults\.p99,[\d.e+-]+,[\d.e+-]+,[\d.e+-]+$/.test(l)), csv.join('\n'));
    const png = Buffer.from(String(posted.find((m) => m.type === 'export' && m.format === 'png')!.data), 'base64');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
    const copy = String(posted.find((m) => m.type === 'copy')!.text);
    assert.match(copy, /^demo_anonymous_fault\(\) \(mm\/demo\.c:12, 6\.12\).*path p99 .* vs .*seed 42\]$/);
    assert.ok(!copy.includes('\n'));
    const st = (await log()).state as { seed: number; comparison: string };
    assert.equal(st.seed, 42);
    assert.equal(st.comparison, 'anon-vma-check');
    await page.close();
  });

  test('a new panel starts from the profile in its HTML, without a message; a malformed one is dropped', async () => {
    const { page, log } = await openPanel(browser.context, server.origin, { profile: faultProfile({ function: 'embedded_fn' }) });
    await page.waitForFunction(() => document.querySelector('h1').textContent.includes('embedded_fn'), null, { timeout: 5000 });
    await waitState(page, ['running', 'partial', 'done']);
    await page.close();
    const bad = await openPanel(browser.context, server.origin, { profile: { function: 'x', line: -1 } });
    await bad.page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 5000 });
    const logs = (await bad.log()).posted.filter((m) => m.type === 'log').map((m) => String(m.message));
    assert.ok(logs.some((m) => /ignored a malformed profile in the page/.test(m)), logs.join('\n'));
    assert.equal(await bad.page.locator('h1').innerText(), 'Simulate this path');
    await bad.page.close();
  });

  for (const theme of ['dark', 'high-contrast'] as const) {
    test(`renders in the ${theme} theme`, async () => {
      const { page, log } = await openPanel(browser.context, server.origin, { state: state(SHORT), theme });
      await hostPost(page, { type: 'init', profile: faultProfile() });
      await waitState(page, ['done']);
      const fg = await page.evaluate(() => window.getComputedStyle(document.querySelector('h1')).color);
      assert.equal(fg, theme === 'dark' ? 'rgb(204, 204, 204)' : 'rgb(255, 255, 255)');
      await screenshot(page, `panel-${theme}`);
      assert.deepEqual((await log()).cspViolations, []);
      await page.close();
    });
  }
});
