// plot.js scheduling: at most one draw per animation frame, and chart redraws take turns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseConfig, drawStats, everyFrame } from '../../static/js/plot.js';

function fakeFrames() {
  let queue = [];
  let now = 0;
  globalThis.requestAnimationFrame = (fn) => queue.push(fn);
  return {
    tick(ms = 16) {
      now += ms;
      const run = queue;
      queue = [];
      run.forEach((fn) => fn(now));
    },
    get pending() { return queue.length; },
  };
}

test('many updates between two animation frames make one draw', () => {
  const frames = fakeFrames();
  let draws = 0;
  const schedule = everyFrame(() => { draws++; }, 'test-one');
  for (let i = 0; i < 50; i++) schedule();
  assert.equal(frames.pending, 1);
  frames.tick();
  assert.equal(draws, 1);
  frames.tick();
  assert.equal(draws, 1);
  schedule();
  frames.tick();
  assert.equal(draws, 2);
  assert.equal(drawStats['test-one'].count, 2);
});

test('two heavy draws scheduled together land in different animation frames', (t) => {
  // a draw's own time (performance.now) buys the next heavy draw a pause of 4× it: on a loaded machine
  // even this empty draw took ≥ 0.25 ms, the pause ≥ 1 ms, and 'b' waited for a timer; here draws take 0
  t.mock.method(performance, 'now', () => 0);
  const frames = fakeFrames();
  const order = [];
  const a = everyFrame(() => order.push('a'), 'test-a', { heavy: true });
  const b = everyFrame(() => order.push('b'), 'test-b', { heavy: true });
  a(); b();
  frames.tick();
  assert.deepEqual(order, ['a']);
  frames.tick();
  assert.deepEqual(order, ['a', 'b']);
});

test('heavy draws together take at most their share of the main thread', async () => {
  const { heavyBudget, HEAVY_SHARE } = await import('../../static/js/plot.js');
  assert.ok(HEAVY_SHARE > 0 && HEAVY_SHARE < 1);
  const budget = heavyBudget(0.25);
  assert.equal(budget.wait(0), 0);  // nothing drawn yet
  budget.spent(1000, 10);  // a chart's redraw on a fast machine: 10 ms
  assert.equal(budget.wait(1000), 40);
  assert.equal(budget.wait(1030), 10);
  assert.equal(budget.wait(1040), 0);  // under a chart's own minInterval (150–250 ms): no change there
  budget.spent(2000, 100);  // on a slow one (4× CPU): 100 ms, then 400 ms for the frames
  assert.equal(budget.wait(2000), 400);
  budget.spent(2001, 1);  // a short draw does not shorten a long one's pause
  assert.equal(budget.wait(2000), 400);
});

test('a heavy draw after a slow one waits for the budget, a light one does not', () => {
  const frames = fakeFrames();
  const timers = [];
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (fn, ms) => { timers.push(ms); return 0; };
  const realNow = performance.now.bind(performance);
  let clock = 0;
  performance.now = () => clock;
  try {
    const slow = everyFrame(() => { clock += 100; }, 'test-slow', { heavy: true });
    const other = everyFrame(() => {}, 'test-other', { heavy: true });
    const light = everyFrame(() => {}, 'test-light');
    slow();
    frames.tick(5000);  // far from any earlier test's heavy draw
    other(); light();
    frames.tick();
    assert.equal(drawStats['test-other']?.count ?? 0, 0);  // put off…
    assert.equal(drawStats['test-light'].count, 1);
    assert.ok(timers.at(-1) > 300, `by the slow draw's ${drawStats['test-slow'].last} ms ÷ the share`);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    performance.now = realNow;
  }
});

test("a heavy draw's whole frame counts against the budget, not only its script: a raster at commit too", () => {
  const frames = fakeFrames();
  const timers = [];
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (fn, ms) => { timers.push(ms); return 0; };
  const realNow = performance.now.bind(performance);
  performance.now = () => 0;  // the draws' script takes no time at all
  try {
    const chart = everyFrame(() => {}, 'test-raster', { heavy: true });
    const other = everyFrame(() => {}, 'test-after-raster', { heavy: true });
    frames.tick(10000);  // far from any earlier test's heavy draw
    chart();
    frames.tick();
    assert.equal(drawStats['test-raster'].count, 1);
    frames.tick(100);  // …but its frame ended 100 ms later (its canvas rasterised at commit)
    other();
    frames.tick();
    assert.equal(drawStats['test-after-raster']?.count ?? 0, 0, 'put off');
    const expected = (100 - 1000 / 60) / 0.25 - 116;  // (the frame beyond a display frame) ÷ the share, less the time gone
    assert.ok(Math.abs(timers.at(-1) - expected) < 1, `waits ${timers.at(-1)} ms, not ${expected}`);
    const fast = everyFrame(() => {}, 'test-fast-frame', { heavy: true });
    frames.tick(10000);
    fast();
    frames.tick();
    frames.tick(16);  // a frame within a display frame: nothing more to pay
    const n = timers.length;
    const third = everyFrame(() => {}, 'test-after-fast', { heavy: true });
    third();
    frames.tick();
    assert.equal(timers.length, n, 'no wait after a heavy draw whose frame was short');
    assert.equal(drawStats['test-after-fast'].count, 1);
    frames.tick();  // the third draw's frame: short
    const before = everyFrame(() => {}, 'test-before-hidden', { heavy: true });
    frames.tick(10000);
    before();
    frames.tick();
    frames.tick(5 * 60_000);  // the tab hidden for five minutes: no animation frame meanwhile
    const after = everyFrame(() => {}, 'test-after-hidden', { heavy: true });
    after();
    frames.tick();
    assert.equal(drawStats['test-before-hidden'].count, 1);
    assert.equal(drawStats['test-after-hidden']?.count ?? 0, 1,
                 `a hidden tab's five minutes held the charts: a wait of ${timers.at(-1)} ms`);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    performance.now = realNow;
  }
});

test('the shared config hides the mode bar and resizes with the page', () => {
  assert.equal(baseConfig.displayModeBar, false);
  assert.equal(baseConfig.responsive, true);
  assert.equal(baseConfig.staticPlot, false);
});

test('logTicks: decades over a wide range, round numbers within one decade', async () => {
  const { logTicks } = await import('../../static/js/plot.js');
  // the axis runs from 10⁻⁷ to 1: every other decade from the first even one on it (not 10⁻⁸, off it)
  assert.deepEqual(logTicks(2e-7, 0.9).tickvals, [1e-6, 1e-4, 1e-2, 1]);
  assert.deepEqual(logTicks(0.02, 0.5).tickvals, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
  assert.deepEqual(logTicks(0.21, 0.74).tickvals, [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(logTicks(0, 1), {});
  assert.deepEqual(logTicks(2e-7, 0.9).ticktext, ['10⁻⁶', '10⁻⁴', '10⁻²', '1']);
  assert.deepEqual(logTicks(0.21, 0.74).ticktext, ['0.2', '0.4', '0.6', '0.8']);
});

test('logTicks: an axis with room for few labels gets fewer (1, 3 a decade; decades; every other decade)', async () => {
  const { logTicks } = await import('../../static/js/plot.js');
  // 0.01 … 0.9 on an axis of 10^-2 to 10^0: 1, 2, 5 a decade is 7 labels
  assert.deepEqual(logTicks(0.012, 0.9).tickvals, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
  assert.deepEqual(logTicks(0.012, 0.9, 4, 5).tickvals, [0.01, 0.03, 0.1, 0.3, 1, 3]);
  assert.deepEqual(logTicks(0.012, 0.9, 4, 3).tickvals, [0.01, 0.1, 1]);
  // seven decades (10⁻⁷ to 1), room for 3: every fourth, on the axis
  assert.deepEqual(logTicks(2e-7, 0.9, 4, 3).tickvals, [1e-4, 1]);
});

test('xTickRoom: as many x labels as ~3 characters of the font fit beside the margins, 2 at least', async () => {
  const { xTickRoom } = await import('../../static/js/plot.js');
  const el = (width, px) => ({ clientWidth: width, style: {}, getAttribute: () => null,
                               ownerDocument: null, __px: px });
  globalThis.getComputedStyle = (e) => ({ getPropertyValue: () => '', fontSize: `${e.__px}px`, fontFamily: '' });
  try {
    assert.equal(xTickRoom(el(196, 18), 96), 2);  // a projector's 1024×768 cost curve: 100 px
    assert.equal(xTickRoom(el(600, 12), 96), 10);  // a laptop's: as many as Plotly likes, at most 10
    assert.equal(xTickRoom(el(0, 12), 96), undefined);  // not laid out: Plotly's choice
  } finally {
    delete globalThis.getComputedStyle;
  }
});
