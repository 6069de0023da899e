// views/seriesChart.js and the charts described on it (loss, gradient norms, the comparison's cost
// curves and layer chart), driven through the engine's `env` seam: a stand-in Plotly records what
// would be drawn, and a draw happens when the test says the animation frame came (flush).
import assert from "node:assert/strict";
import { test } from "node:test";

import { cappedAxis, createCurves } from "../../static/js/compare/curves.js";
import { createLayerChart } from "../../static/js/compare/layers.js";
import { createGradChart, DEAD_LABEL } from "../../static/js/views/gradChart.js";
import { createLossChart } from "../../static/js/views/lossChart.js";
import { createSeriesChart } from "../../static/js/views/seriesChart.js";

/** Plotly calls recorded; `flush()` runs the draw the chart scheduled (one per flush, as one frame). */
function fakeEnv() {
  const calls = [];
  let pending = null;
  const env = {
    mount: () => ({ plot: true }),
    plotly: () => ({
      react: (div, data, layout) => calls.push({ kind: "react", data, layout }),
      extendTraces: (div, update, idx) => calls.push({ kind: "extend", update, idx }),
    }),
    schedule: (draw) => () => { pending = draw; },
  };
  const flush = () => { const d = pending; pending = null; d?.(); return calls.at(-1); };
  return { env, calls, flush, get pending() { return pending !== null; } };
}

const element = () => ({ hidden: false, clientHeight: 300, classList: { add() {} } });

const lineSpec = (extra = {}) => ({
  traces: (data) => data.map((d, i) => ({ name: `t${i}`, ...d })),
  layout: ({ axis, empty, log }) => ({ yaxis: { type: log ? "log" : "linear", ...axis }, empty }),
  ...extra,
});

test("the engine: a full draw first, then only the new points appended, a full one after a compaction", () => {
  const f = fakeEnv();
  const chart = createSeriesChart(element(), lineSpec({ maxPoints: 16 }), f.env);
  chart.setLines(2);
  let last = f.flush();
  assert.equal(last.kind, "react");
  assert.equal(last.layout.empty, true);
  chart.line(0).push(1, 0.5);
  chart.line(1).push(1, 0.7);
  chart.changed();
  chart.line(0).push(2, 0.4);
  chart.changed();  // two pushes between frames: one draw
  last = f.flush();
  assert.deepEqual(last, { kind: "extend", update: { x: [[1, 2], [1]], y: [[0.5, 0.4], [0.7]] }, idx: [0, 1] });
  assert.equal(f.flush(), last, "nothing scheduled, nothing drawn");
  for (let e = 3; e <= 40; e++) chart.line(0).push(e, 1 / e);  // past 16 points: the past is decimated
  chart.changed();
  last = f.flush();
  assert.equal(last.kind, "react");
  assert.ok(last.data[0].x.length <= 16 && last.data[0].x.at(-1) === 40 && last.data[0].x[0] === 1);
});

test("the engine: switching to a log axis is a full redraw with ticks; new ticks redraw in full", () => {
  const f = fakeEnv();
  const chart = createSeriesChart(element(), lineSpec(), f.env);
  chart.setLines(1);
  chart.line(0).push(1, 1);
  chart.line(0).push(2, 0.5);
  chart.setLogScale(true);
  let last = f.flush();
  assert.equal(last.kind, "react");
  assert.equal(last.layout.yaxis.type, "log");
  assert.ok(last.layout.yaxis.tickvals.length > 0);
  chart.line(0).push(3, 0.45);  // within the ticks: appended
  chart.changed();
  assert.equal(f.flush().kind, "extend");
  chart.line(0).push(4, 1e-4);  // three decades lower: other ticks
  chart.changed();
  last = f.flush();
  assert.equal(last.kind, "react");
  assert.ok(last.layout.yaxis.tickvals.includes(1e-4));
});

test("the engine: a hidden chart draws nothing, and draws in full when shown", () => {
  const f = fakeEnv();
  const el = element();
  const chart = createSeriesChart(el, lineSpec(), f.env);
  chart.setLines(1);
  chart.setShown(false);
  assert.equal(el.hidden, true);
  chart.line(0).push(1, 2);
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, 0);
  chart.setShown(true);
  const last = f.flush();
  assert.equal(el.hidden, false);
  assert.deepEqual([last.kind, last.data[0].x], ["react", [1]]);
});

test("loss chart: four traces; the accuracy's axis appears with the first accuracy; rows append", () => {
  const f = fakeEnv();
  const chart = createLossChart(element(), { env: f.env });
  chart.reset([{ epoch: 0, train: 1, test: 1.2, trainAcc: null, testAcc: null }]);
  let last = f.flush();
  assert.deepEqual(last.data.map((t) => t.name), ["train", "test", "train acc", "test acc"]);
  assert.equal(last.layout.yaxis2.visible, false);
  chart.append([{ epoch: 1, train: 0.8, test: 1, trainAcc: 0.6, testAcc: 0.5 }]);
  last = f.flush();
  assert.equal(last.kind, "react");
  assert.equal(last.layout.yaxis2.visible, true);
  chart.append({ epoch: 2, train: 0.7, test: 0.9, trainAcc: 0.7, testAcc: 0.6 });
  last = f.flush();
  assert.deepEqual(last, { kind: "extend", idx: [0, 1, 2, 3],
    update: { x: [[2], [2], [2], [2]], y: [[0.7], [0.9], [0.7], [0.6]] } });
  chart.setLogScale(true);
  last = f.flush();
  assert.equal(last.layout.yaxis.type, "log");
  assert.ok(last.layout.yaxis.tickvals.every((v) => v > 0.1 && v < 5), "ticks from the cost, not the accuracy");
});

test("gradient chart: a norm of 0 is drawn on the \"0 (dead)\" row a decade under the lowest, appended as such", () => {
  const f = fakeEnv();
  const chart = createGradChart(element(), { env: f.env });
  chart.reset({ epoch: [1, 2], grad_norms: [[0.5, 0.02], null] });
  let last = f.flush();
  assert.deepEqual(last.data.map((t) => t.name), ["layer 1", "output"]);
  assert.deepEqual(last.data[1].y, [0.02]);
  assert.equal(last.data[0].text, undefined, "no label a point while no norm is 0: Plotly formats y");
  assert.equal(last.data[0].hovertemplate, "%{y:.3~g}");
  chart.append(3, [0, 0.03]);  // every unit of layer 1 dead
  last = f.flush();
  assert.equal(last.kind, "react", "the zero row's tick is new: a full redraw");
  assert.deepEqual(last.data[0].y, [0.5, 0.001]);
  assert.deepEqual(last.data[0].text, ["0.5", DEAD_LABEL]);
  assert.equal(last.data[0].hovertemplate, "%{text}", "the zero row's stand-in value is labelled '0 (dead)'");
  assert.equal(last.layout.yaxis.ticktext[0], DEAD_LABEL);
  assert.equal(last.layout.yaxis.tickvals[0], 0.001);
  chart.append(4, [0, 0.025]);
  last = f.flush();
  assert.deepEqual(last, { kind: "extend", idx: [0, 1],
    update: { x: [[4], [4]], y: [[0.001], [0.025]], text: [[DEAD_LABEL], ["0.025"]] } });
  chart.append(5, [0, 0.01, 0.2]);  // another network (three layers): the chart starts over
  last = f.flush();
  assert.deepEqual(last.data.map((t) => [t.name, t.x]), [["layer 1", [5]], ["layer 2", [5]], ["output", [5]]]);
});

test("comparison curves: one metric on show, the other kept; a diverging variant caps the linear axis", () => {
  const f = fakeEnv();
  const chart = createCurves(element(), { env: f.env });
  chart.setVariants(["α = 0.1", "α = 10"]);
  chart.reset(0, [{ epoch: 0, train: 0.7, test: 0.8 }]);
  chart.reset(1, [{ epoch: 0, train: 0.6, test: 0.9 }]);
  let last = f.flush();
  assert.deepEqual(last.data.map((t) => [t.name, t.y]), [["α = 0.1", [0.7]], ["α = 10", [0.6]]]);
  assert.deepEqual(last.layout.yaxis.range, undefined);
  chart.append(0, [{ epoch: 1, train: 0.5, test: 0.6 }]);
  chart.append(1, [{ epoch: 1, train: 1e10, test: 1e10 }]);
  last = f.flush();
  assert.equal(last.kind, "react", "the cap is a new axis");
  assert.deepEqual(last.layout.yaxis.range, [0, 3 * 0.7 * 1.02]);
  chart.setMetric("test");
  last = f.flush();
  assert.deepEqual(last.data.map((t) => t.y), [[0.8, 0.6], [0.9, 1e10]]);
  assert.equal(last.layout.yaxis.title.text, "test cost");
  assert.deepEqual(last.layout.yaxis.range, [0, 3 * 0.9 * 1.02]);
  chart.setTarget(0.1);
  chart.setMetric("train");
  last = f.flush();
  assert.equal(last.layout.shapes[0].y0, 0.1);
  chart.reset(1, [{ epoch: 0, train: 0.6, test: 0.9 }]);  // the diverged one starts over: no cap
  last = f.flush();
  assert.deepEqual(last.data[1].y, [0.6]);
  assert.equal(last.layout.yaxis.range, undefined);
});

test("cappedAxis: Plotly's own range until a curve climbs past three times the highest start", () => {
  assert.deepEqual(cappedAxis(2, [1, 0.5]), {});
  assert.deepEqual(cappedAxis(4, [1, 0.5]), { range: [0, 3.06], autorange: false });
  assert.deepEqual(cappedAxis(-Infinity, []), {});
});

test("layer chart: hidden until shown, then one point a layer per variant; zeros left out of the log axis", () => {
  const f = fakeEnv();
  const el = element();
  const chart = createLayerChart(el, { env: f.env });
  chart.setVariants(["sigmoid", "relu"]);
  chart.update([{ layer_grads: [1e-5, 1e-3, 0.1] }, { layer_grads: [0, 0.05, 0.1] }]);
  f.flush();
  assert.equal(f.calls.length, 0);
  assert.equal(el.hidden, true);
  chart.setShown(true);
  let last = f.flush();
  assert.deepEqual(last.data.map((t) => [t.x, t.y]), [
    [["layer 1", "layer 2", "output"], [1e-5, 1e-3, 0.1]], [["layer 1", "layer 2", "output"], [null, 0.05, 0.1]]]);
  chart.update([{ layer_grads: [1e-5, 1e-3, 0.1] }, { layer_grads: [0, 0.05, 0.1] }]);
  assert.equal(f.pending, false, "the same norms: nothing to redraw");
  chart.update([{}, { layer_grads: [0.01, 0.05, 0.1] }]);  // a REST answer has none: kept
  last = f.flush();
  assert.deepEqual(last.data.map((t) => t.y), [[1e-5, 1e-3, 0.1], [0.01, 0.05, 0.1]]);
});

test("gradient chart's compact key: the hidden layers as one ramp of their colours, the output dashed", async () => {
  const { keyParts } = await import("../../static/js/views/gradChart.js");
  assert.deepEqual(keyParts(0), []);
  assert.deepEqual(keyParts(1).map((p) => [p.text, p.dash ?? false]), [["output", true]]);
  const four = keyParts(5);
  assert.equal(four[0].text, "layer 1–4");
  assert.equal(four[0].colors.length, 4);
  assert.notEqual(four[0].colors[0], four[0].colors[3], "palest to darkest");
  assert.equal(keyParts(2)[0].text, "layer 1");
});

test("gradient chart: a small chart whose legend would not fit one row hides it for the key, and thins its ticks", () => {
  const f = fakeEnv();
  const rows = [];
  f.env.key = () => { const row = { hidden: true, style: {}, replaceChildren: (...c) => rows.push(c) }; return row; };
  const el = { ...element(), clientHeight: 125, clientWidth: 300 };
  const chart = createGradChart(el, { env: f.env });
  globalThis.document = { createElement: () => ({ style: {}, append() {} }) };
  try {
    chart.reset({ epoch: [1, 2], grad_norms: [[0.5, 0.2, 0.1, 0.05, 0.012], [0.4, 0.2, 0.1, 0.05, 0.02]] });
    const last = f.flush();
    assert.equal(last.layout.showlegend, false);
    assert.ok(last.layout.margin.t > 2, "room over the plot for the key");
    assert.ok(last.layout.yaxis.tickvals.length <= 6, `few ticks: ${last.layout.yaxis.tickvals}`);
    assert.equal(rows.length, 1);
  } finally {
    delete globalThis.document;
  }
  const wide = createGradChart({ ...element(), clientHeight: 300, clientWidth: 600 }, { env: f.env });
  wide.reset({ epoch: [1], grad_norms: [[0.5, 0.2]] });
  assert.notEqual(f.flush().layout.showlegend, false, "a tall chart keeps Plotly's legend");
});

test("the engine: a resize that changes what fits (spec.fits) redraws the chart in full; one that does not, nothing", () => {
  const f = fakeEnv();
  let resized = null;
  f.env.observe = (el, fn) => { resized = fn; };
  let fits = "10";
  const chart = createSeriesChart(element(), lineSpec({ fits: () => fits }), f.env);
  chart.setLines(1);
  chart.line(0).push(1, 0.5);
  chart.changed();
  f.flush();
  const reacts = () => f.calls.filter((c) => c.kind === "react").length;
  const before = reacts();
  resized();  // the same fit: no draw asked
  assert.equal(f.pending, false);
  fits = "2";  // grown narrow: two x labels now
  resized();
  f.flush();
  assert.equal(reacts(), before + 1, "a full redraw with the new layout");
});
