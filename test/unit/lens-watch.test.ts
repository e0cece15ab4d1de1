// The client's lens watch (client/src/lens-watch.ts) on a fake clock: after the server is ready, every
// visible C document must be asked for its lenses; one VS Code did not ask for is asked again, a bounded
// number of times. What VS Code itself does is checked in code-server by test/e2e/ui.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LensWatch, type LensWatchHost } from '../../client/src/lens-watch';

/** A host with a hand-moved clock, hand-set visible documents and a queue of timers. */
function fakeHost() {
  let now = 0;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  const host = {
    visible: [] as string[],
    asked: [] as string[][],
    logs: [] as string[],
    now: () => now,
    visibleDocuments: () => [...host.visible],
    askAgain: (uris: string[]) => { host.asked.push(uris); },
    setTimer: (fn: () => void, ms: number) => { const t = { at: now + ms, fn, live: true }; timers.push(t); return { dispose: () => { t.live = false; } }; },
    log: (m: string) => { host.logs.push(m); },
    /** Moves the clock on by `ms`, running the timers that come due on the way, in order. */
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        now = next.at;
        next.live = false;
        next.fn();
      }
      now = end;
    },
    pending: () => timers.filter((t) => t.live).length,
  };
  return host satisfies LensWatchHost;
}

const A = 'file:///tree/mm/a.c';
const B = 'file:///tree/mm/b.c';
const delays = [1000, 2000, 4000];

test('a document VS Code asked for after the server was ready is not asked again', () => {
  const h = fakeHost();
  const w = new LensWatch(h, delays);
  h.visible = [A];
  w.serverReady();
  h.advance(300);
  w.finished(A, w.started(A), false);
  h.advance(10_000);
  assert.deepEqual(h.asked, []);
  assert.equal(h.pending(), 0);
});

test('a visible document VS Code did not ask for is asked again until it is; a request before ready or a cancelled one does not count', () => {
  const h = fakeHost();
  const w = new LensWatch(h, delays);
  h.visible = [A];
  const early = w.started(A); // answered during indexing: partial
  h.advance(100);
  w.serverReady();
  w.finished(A, early, false);
  h.advance(200);
  w.finished(A, w.started(A), true); // cancelled (the editor moved on)
  h.advance(800);
  assert.deepEqual(h.asked, [[A]], 'asked again at the first check');
  assert.match(h.logs.join('\n'), /has not asked for .*a\.c/);
  h.advance(1999);
  assert.deepEqual(h.asked, [[A]]);
  h.advance(1);
  assert.deepEqual(h.asked, [[A], [A]], 'and again at the second');
  const t = w.started(A); // VS Code asks: a running request counts
  h.advance(4000);
  w.finished(A, t, false);
  assert.deepEqual(h.asked, [[A], [A]]);
  assert.equal(h.pending(), 0);
});

test('the tries are bounded, and a document no longer visible is dropped', () => {
  const h = fakeHost();
  const w = new LensWatch(h, delays);
  h.visible = [A, B];
  w.serverReady();
  h.advance(1000);
  assert.deepEqual(h.asked, [[A, B]]);
  h.visible = [A];
  h.advance(100_000);
  assert.deepEqual(h.asked, [[A, B], [A], [A]], 'one try per delay, B no longer');
  assert.match(h.logs.at(-1)!, /did not ask for .*a\.c after 3 tries/);
  assert.equal(h.pending(), 0);
});

test('an editor that becomes visible after ready is watched; before ready, and after the server stopped, nothing is', () => {
  const h = fakeHost();
  const w = new LensWatch(h, delays);
  h.visible = [A];
  w.visibleChanged();
  h.advance(5000);
  assert.deepEqual(h.asked, [], 'not ready yet');
  w.serverReady();
  w.finished(A, w.started(A), false);
  h.visible = [A, B];
  h.advance(500);
  w.visibleChanged();
  h.advance(1000);
  assert.deepEqual(h.asked, [[B]]);
  w.serverStopped();
  assert.equal(h.pending(), 0);
  h.visible = [A];
  w.visibleChanged();
  h.visible = [A, B];
  w.visibleChanged();
  h.advance(100_000);
  assert.deepEqual(h.asked, [[B]]);
  w.dispose();
});
