// chartFeed.js: the curves from the history on (re)connect and after a reset, then frames; epochs the
// stream skipped come from the history instead of a straight line across the gap.
import assert from "node:assert/strict";
import { test } from "node:test";

import { comparisonSets, createChartFeed } from "../../static/js/chartFeed.js";

/** A server's history of `n` epochs (epoch 1…n), two layers' norms each. */
function fakeServer() {
  const server = { epoch: 0, calls: [] };
  server.history = async (id, since) => {
    server.calls.push([id, since]);
    const epochs = [];
    for (let e = Math.max(1, since + 1); e <= server.epoch; e++) epochs.push(e);
    return {
      epoch: epochs, train_cost: epochs.map((e) => 1 / e), test_cost: epochs.map((e) => 2 / e),
      train_accuracy: epochs.map(() => 0.5), test_accuracy: epochs.map(() => 0.5),
      grad_norms: epochs.map((e) => [e, e / 10]),
    };
  };
  return server;
}

/** Charts that record what they hold: loss rows' epochs and the gradient chart's epochs. */
function fakeCharts() {
  const c = { loss: [], grad: [], resets: 0 };
  c.views = Promise.resolve({
    loss: { reset: (rows = []) => { c.resets++; c.loss = rows.map((r) => r.epoch); }, append: (rows) => c.loss.push(...rows.map((r) => r.epoch)) },
    grad: {
      reset: (h = null) => { c.grad = h ? h.epoch.filter((_, i) => h.grad_norms[i]) : []; },
      append: (epoch, norms) => { assert.ok(Array.isArray(norms)); c.grad.push(epoch); },
    },
  });
  return c;
}

const frame = (epoch, id = "s1") => ({ id, epoch, metrics: { train: { cost: 1, accuracy: 0.5 }, test: { cost: 1, accuracy: 0.5 },
  grad_norms: [epoch, epoch / 10] } });
const settle = () => new Promise((r) => setTimeout(r, 0));
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

function setup() {
  const server = fakeServer();
  const charts = fakeCharts();
  let clock = 0;
  const timers = [];
  const feed = createChartFeed({ history: (...a) => server.history(...a), views: charts.views, minInterval: 100, now: () => clock,
    later: (fn, ms) => timers.push([clock + ms, fn]) });
  const advance = async (ms) => {
    clock += ms;
    for (const t of timers.splice(0).filter(([at, fn]) => (at <= clock ? (fn(), false) : true))) timers.push(t);
    await settle();
  };
  return { server, charts, feed, advance };
}

test("a connect fills both charts from the history, after the epoch-0 row", async () => {
  const { server, charts, feed } = setup();
  server.epoch = 40;
  await feed.start("s1", { epoch: 0, train: 1, test: 1 });
  await feed.refill();
  assert.deepEqual(charts.loss, range(0, 40));
  assert.deepEqual(charts.grad, range(1, 40));
  assert.deepEqual(server.calls, [["s1", -1]]);
});

test("consecutive frames append; a skipped stretch comes from the history, not a straight line", async () => {
  const { server, charts, feed, advance } = setup();
  await feed.start("s1", { epoch: 0 });
  await feed.refill();
  for (const e of [1, 2, 3]) { server.epoch = e; await feed.frame(frame(e)); }
  assert.deepEqual(charts.loss, [0, 1, 2, 3]);
  assert.equal(server.calls.length, 1);  // frames in a row need no request
  server.epoch = 30;
  await feed.frame(frame(20));  // epochs 4…19 were dropped by the stream
  await settle();
  assert.deepEqual(charts.loss, range(0, 30));  // the history had run on to 30
  assert.deepEqual(charts.grad, range(1, 30));
  await feed.frame(frame(25));  // a frame older than the history: already charted
  assert.deepEqual(charts.loss, range(0, 30));
  // the next gap waits for the minimum interval, then catches up with one request
  server.epoch = 60;
  await feed.frame(frame(40));
  await feed.frame(frame(50));
  await settle();
  assert.deepEqual(charts.loss, range(0, 30));
  await advance(100);
  await settle();
  assert.deepEqual(charts.loss, range(0, 60));
  assert.deepEqual(server.calls.map((c) => c[1]), [-1, 3, 30]);
});

test("a frame from before the last one is a reset: the charts start over from the history", async () => {
  const { server, charts, feed } = setup();
  server.epoch = 10;
  await feed.start("s1", { epoch: 0 });
  await feed.refill();
  await feed.frame(frame(10));
  server.epoch = 0;  // the owner reset it
  await feed.frame(frame(0));
  await settle();
  assert.deepEqual(charts.loss, [0]);
  assert.deepEqual(charts.grad, []);  // no update yet: nothing on a log axis
  server.epoch = 1;
  await feed.frame(frame(1));
  assert.deepEqual(charts.loss, [0, 1]);
  assert.deepEqual(charts.grad, [1]);
});

test("answers for a session no longer shown are dropped", async () => {
  const { server, charts, feed } = setup();
  server.epoch = 5;
  await feed.start("s1", { epoch: 0 });
  const pending = feed.refill();
  await feed.start("s2", null);  // the page moved on before the history came
  await pending;
  assert.deepEqual(charts.loss, []);
  await feed.frame(frame(3, "s1"));
  assert.deepEqual(charts.loss, []);
});

test("frames that arrive while the history is on its way never open a gap", async () => {
  const { server, charts, feed, advance } = setup();
  await feed.start("s1", { epoch: 0 });
  await feed.refill();
  const real = server.history;
  let release;
  server.history = (id, since) => { const answer = real(id, since); return new Promise((r) => { release = () => r(answer); }); };
  server.epoch = 10;
  await feed.frame(frame(10));  // a gap: the history is asked up to 10
  server.epoch = 30;
  await feed.frame(frame(30));  // meanwhile the run went on
  release();
  await settle();
  assert.deepEqual(charts.loss, range(0, 10));  // not 0…10 then 30
  server.history = real;
  await advance(100);
  await settle();
  assert.deepEqual(charts.loss, range(0, 30));
  assert.deepEqual(charts.grad, range(1, 30));
});

// ---------------------------------------------------------------- a comparison: one set a variant

/** A comparison's history: variant i has run `epochs[i]` epochs (a diverged one stops, a larger
 *  batch has fewer updates an epoch). */
function fakeComparison(epochs) {
  const server = { epochs, calls: [] };
  server.history = async (id, since) => {
    server.calls.push([id, since]);
    return { variants: server.epochs.map((n, v) => {
      const epoch = range(Math.max(1, since + 1), n);
      return { label: `v${v}`, epoch, train_cost: epoch.map((e) => 1 / e), test_cost: epoch.map((e) => 2 / e),
               train_accuracy: null, test_accuracy: null, grad_norms: epoch.map(() => null) };
    }) };
  };
  return server;
}

/** Cost curves that record each variant's epochs. */
function fakeCurves(n) {
  const c = { rows: Array.from({ length: n }, () => []) };
  c.views = Promise.resolve({
    reset: (i, rows) => { c.rows[i] = rows.map((r) => r.epoch); },
    append: (i, rows) => { c.rows[i].push(...rows.map((r) => r.epoch)); },
  });
  return c;
}

const variant = (epoch) => ({ epoch, metrics: { train: { cost: 1, accuracy: null }, test: { cost: 1, accuracy: null } } });
const comparisonFrame = (epochs, id = "c1") => ({ id, variants: epochs.map(variant) });

function setupComparison(epochs) {
  const server = fakeComparison(epochs);
  const curves = fakeCurves(epochs.length);
  let clock = 0;
  const timers = [];
  const feed = createChartFeed({ history: (...a) => server.history(...a), views: curves.views, sets: comparisonSets,
    minInterval: 100, now: () => clock, later: (fn, ms) => timers.push([clock + ms, fn]) });
  const advance = async (ms) => {
    clock += ms;
    for (const t of timers.splice(0).filter(([at, fn]) => (at <= clock ? (fn(), false) : true))) timers.push(t);
    await settle();
  };
  return { server, curves, feed, advance, row0: epochs.map(() => ({ epoch: 0, train: 1, test: 1 })) };
}

test("comparison: a frame that skips epochs gets every variant's missing ones from one history?since request", async () => {
  const { server, curves, feed, advance, row0 } = setupComparison([0, 0, 0]);
  await feed.start("c1", row0);
  await feed.refill();
  assert.deepEqual(curves.rows, [[0], [0], [0]]);
  server.epochs = [2, 2, 2];
  await feed.frame(comparisonFrame([1, 1, 1]));
  await feed.frame(comparisonFrame([2, 2, 2]));
  assert.deepEqual(curves.rows, [[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
  assert.equal(server.calls.length, 1, "frames in a row need no request");
  server.epochs = [30, 30, 12];  // the third variant's batches are larger: fewer epochs
  await feed.frame(comparisonFrame([25, 25, 10]));  // epochs 3…24 (3…9) dropped by the stream
  await settle();
  assert.deepEqual(curves.rows, [range(0, 30), range(0, 30), range(0, 12)]);
  assert.deepEqual(server.calls.at(-1), ["c1", 2]);
  // a second gap waits for the interval, then one request catches every variant up
  server.epochs = [60, 60, 24];
  await feed.frame(comparisonFrame([50, 50, 20]));
  await settle();
  assert.deepEqual(curves.rows[0], range(0, 30));
  await advance(100);
  assert.deepEqual(curves.rows, [range(0, 60), range(0, 60), range(0, 24)]);
  assert.deepEqual(server.calls.map((c) => c[1]), [-1, 2, 12]);  // from the earliest variant with a gap
  assert.deepEqual(feed.charted(), [60, 60, 24]);
});

test("comparison: a diverged variant that stopped does not hold the others' requests back", async () => {
  const { server, curves, feed, row0 } = setupComparison([3, 3]);
  await feed.start("c1", row0);
  await feed.refill();
  for (let e = 4; e <= 10; e++) await feed.frame(comparisonFrame([3, e]));  // variant 0 diverged at epoch 3
  server.epochs = [3, 40];
  await feed.frame(comparisonFrame([3, 40]));
  await settle();
  assert.deepEqual(curves.rows, [range(0, 3), range(0, 40)]);
  assert.deepEqual(server.calls, [["c1", -1], ["c1", 10]], "asked from variant 1's last epoch, not the stopped one's");
});

test("comparison: a reset starts every curve over from the epoch-0 frame and the history", async () => {
  const { server, curves, feed, row0 } = setupComparison([10, 10]);
  await feed.start("c1", row0);
  await feed.refill();
  await feed.frame(comparisonFrame([10, 10]));
  assert.deepEqual(curves.rows, [range(0, 10), range(0, 10)]);
  server.epochs = [0, 0];  // POST …/reset
  await feed.frame(comparisonFrame([0, 0]));
  await settle();
  assert.deepEqual(curves.rows, [[0], [0]]);
  assert.deepEqual(server.calls.at(-1), ["c1", -1]);
  server.epochs = [3, 3];
  await feed.frame(comparisonFrame([1, 1]));
  await feed.frame(comparisonFrame([3, 3]));
  await settle();
  assert.deepEqual(curves.rows, [range(0, 3), range(0, 3)]);
});

test("comparison: answers of an older generation are dropped (a reset, or another comparison, meanwhile)", async () => {
  const { server, curves, feed, row0 } = setupComparison([0, 0]);
  await feed.start("c1", row0);
  await feed.refill();
  const real = server.history;
  let release;
  server.history = (id, since) => { const answer = real(id, since); return new Promise((r) => { release = () => r(answer); }); };
  server.epochs = [20, 20];
  await feed.frame(comparisonFrame([20, 20]));  // a gap: the history is asked
  await feed.start("c2", [{ epoch: 0, train: 1, test: 1 }, { epoch: 0, train: 1, test: 1 }]);  // a new comparison
  release();
  await settle();
  assert.deepEqual(curves.rows, [[0], [0]], "the old comparison's epochs never reach the new one's curves");
  await feed.frame(comparisonFrame([5, 5], "c1"));
  assert.deepEqual(curves.rows, [[0], [0]]);
});
