// views/lineCanvas.js and seriesChart.js's canvas mode (spec.canvas): the curves painted on a canvas
// over Plotly's plotting area, Plotly redrawing only when the data leaves the axes' stepped ranges.
// A stand-in Plotly lays out the axes (c2p from the range) the way Plotly does, and a recording
// canvas context keeps the strokes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createGradChart, DEAD_LABEL, zeroRow } from "../../static/js/views/gradChart.js";
import { columnPen, dashPattern, extent, holds, niceUp, steppedRange, strokeLines } from "../../static/js/views/lineCanvas.js";
import { createLossChart } from "../../static/js/views/lossChart.js";
import { createSeriesChart, X_AGAIN_MS } from "../../static/js/views/seriesChart.js";

test("niceUp: the next of 1, 1.5, 2, 3, 5, 7.5 × 10^k, never more than 5/3 × away", () => {
  assert.deepEqual([0.7, 1, 1.01, 2.9, 3, 4, 6, 7.6, 12, 2001, 1e6].map(niceUp), [0.75, 1, 1.5, 3, 3, 5, 7.5, 10, 15, 3000, 1e6]);
  assert.equal(niceUp(0), 1);
  assert.equal(niceUp(-3), 1);
  assert.equal(niceUp(NaN), 1);
  for (let v = 0.013; v < 1e5; v *= 1.37) assert.ok(niceUp(v) >= v && niceUp(v) <= (5 / 3) * v * (1 + 1e-9), String(v));
});

test("steppedRange: linear from zero to a nice number; log in whole decades; none without data", () => {
  assert.deepEqual(steppedRange(0.2, 0.69), [0, 0.75]);
  assert.deepEqual(steppedRange(1, 1000), [0, 1500]);
  assert.deepEqual(steppedRange(3e-4, 0.5, true), [-4, 0]);
  assert.deepEqual(steppedRange(0.1, 0.1, true), [-2, 0], "a value on a decade keeps a margin");
  assert.equal(steppedRange(Infinity, -Infinity), null);
  assert.equal(steppedRange(0, 1, true), null, "no positive value: Plotly's own log range");
  assert.ok(holds([0, 1500], 0, 1500) && !holds([0, 1500], 0, 1501));
  assert.ok(holds([-4, 0], 2e-4, 0.9, true) && !holds([-4, 0], 2e-5, 0.9, true) && !holds([-4, 0], 1e-3, 1.1, true));
  assert.ok(!holds(null, 0, 1));
});

test("extent: finite values only, positive ones for a log axis", () => {
  assert.deepEqual(extent([[3, null, -1], [NaN, 7, Infinity]]), { lo: -1, hi: 7 });
  assert.deepEqual(extent([[0, -2, 0.5], [4]], true), { lo: 0.5, hi: 4 });
  assert.deepEqual(extent([]), { lo: Infinity, hi: -Infinity });
});

test("dashPattern: Plotly's dash lengths, at least 3 px a unit", () => {
  assert.deepEqual(dashPattern("solid", 2), []);
  assert.deepEqual(dashPattern(undefined, 2), []);
  assert.deepEqual(dashPattern("dot", 2), [3, 3]);
  assert.deepEqual(dashPattern("dash", 4), [12, 12]);
  assert.deepEqual(dashPattern("dashdot", 3), [9, 3, 3, 3]);
});

/** A 2D context that records its paths: [[x, y, pen down?], ...] a stroke, with the stroke's style. */
function recorder() {
  const strokes = [];
  let path = [];
  let dash = [];
  return {
    strokes,
    ctx: {
      beginPath() { path = []; },
      moveTo(x, y) { path.push([x, y, false]); },
      lineTo(x, y) { path.push([x, y, true]); },
      setLineDash(d) { dash = d; },
      stroke() { strokes.push({ path, color: this.strokeStyle, width: this.lineWidth, dash }); },
      setTransform() {}, clearRect() { strokes.length = 0; },
    },
  };
}

/** Plotly's axis as the canvas reads it: c2p from data to px along its length (log: in decades). */
function axis(range, length, { log = false, flip = false } = {}) {
  const [a, b] = range;
  const l = (v) => (log ? (v > 0 ? Math.log10(v) : undefined) : v);
  return {
    range, _offset: 10, _length: length, type: log ? "log" : "linear",
    c2p: (v) => { const t = (l(v) - a) / (b - a); return flip ? (1 - t) * length : t * length; },
  };
}

test("strokeLines: each line through its axes; a gap (null, non-finite, ≤ 0 on a log axis) lifts the pen", () => {
  const r = recorder();
  const axes = { x: axis([0, 10], 100), y: { y: axis([0, 1], 50, { flip: true }), y2: axis([-2, 0], 50, { log: true, flip: true }) } };
  strokeLines(r.ctx, [
    { x: [0, 5, 6, 10], y: [0, null, 1, 0.5], color: "red", width: 2 },
    { x: [0, 5, 10], y: [0.01, 0, 1], color: "blue", width: 3, dash: "dot", yAxis: "y2" },
    { x: [1], y: [1], color: "x", width: 1, yAxis: "y3" },  // no such axis: not drawn
  ], axes);
  assert.equal(r.strokes.length, 2);
  assert.deepEqual(r.strokes[0].path, [[0, 50, false], [60, 0, false], [100, 25, true]]);
  assert.deepEqual([r.strokes[0].color, r.strokes[0].width, r.strokes[0].dash], ["red", 2, []]);
  assert.deepEqual(r.strokes[1].path, [[0, 50, false], [100, 0, false]]);
  assert.deepEqual(r.strokes[1].dash, [3, 3]);
});

test("columnPen: at most four points a pixel column, each column's first, lowest, highest and last, in order", () => {
  let seed = 3;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const column of [1, 0.5]) {
    const xs = Array.from({ length: 2000 }, (_, i) => i * 0.037);  // ~27 points a pixel
    const ys = xs.map((x) => 50 + 40 * Math.sin(x / 9) + 8 * (rand() - 0.5));
    const r = recorder();
    r.ctx.beginPath();
    const pen = columnPen(r.ctx, column);
    xs.forEach((x, i) => pen.point(x, ys[i]));
    pen.end();
    r.ctx.stroke();
    const path = r.strokes[0].path;
    assert.ok(path.length <= 4 * Math.ceil(xs.at(-1) / column + 1) && path.length < xs.length / 3, `${path.length} of ${xs.length} points at column ${column}`);
    assert.deepEqual(path[0], [xs[0], ys[0], false]);
    assert.deepEqual(path.at(-1), [xs.at(-1), ys.at(-1), true]);
    assert.ok(path.slice(1).every(([, , down]) => down), "one piece");
    // the oracle: each column's extremes, from the data directly
    const cols = new Map();
    xs.forEach((x, i) => {
      const c = Math.floor(x / column);
      const m = cols.get(c) ?? { lo: Infinity, hi: -Infinity, drawn: [] };
      m.lo = Math.min(m.lo, ys[i]); m.hi = Math.max(m.hi, ys[i]);
      cols.set(c, m);
    });
    for (const [x, y] of path) cols.get(Math.floor(x / column)).drawn.push(y);
    for (const [c, m] of cols) {
      assert.ok(m.drawn.length >= 1 && m.drawn.length <= 4, `column ${c}: ${m.drawn.length} points`);
      assert.equal(Math.min(...m.drawn), m.lo, `column ${c} lost its lowest point`);
      assert.equal(Math.max(...m.drawn), m.hi, `column ${c} lost its highest point`);
    }
    for (let k = 1; k < path.length; k++) assert.ok(path[k][0] >= path[k - 1][0], "in the data's order");
  }
});

test("columnPen: a sparse line keeps every point; a lift starts a new piece in the same column", () => {
  const r = recorder();
  r.ctx.beginPath();
  const pen = columnPen(r.ctx, 1);
  for (const [x, y] of [[0, 0], [3, 5], [7, 2]]) pen.point(x, y);
  pen.lift();
  pen.point(7.5, 9);
  pen.point(7.6, 1);
  pen.point(9, 4);
  pen.end();
  r.ctx.stroke();
  assert.deepEqual(r.strokes[0].path, [[0, 0, false], [3, 5, true], [7, 2, true], [7.5, 9, false], [7.6, 1, true], [9, 4, true]]);
});

/** An env with the overlay canvas; its Plotly lays out the axes from the layout's ranges, and counts. */
function canvasEnv() {
  const calls = [];
  const rec = recorder();
  const canvas = { width: 0, height: 0, getContext: () => rec.ctx };
  let pending = null;
  let clock = 0;
  const listeners = {};
  const div = { addEventListener: (type, fn) => { listeners[type] = fn; } };
  const env = {
    mount: () => div,
    overlay: () => ({ box: { style: {} }, canvas, dpr: () => 1 }),
    now: () => clock,
    plotly: () => ({
      react(gd, data, layout) {
        calls.push({ kind: "react", data, layout });
        gd.data = data;
        const ya = layout.yaxis ?? {};
        gd._fullLayout = {
          _size: {}, xaxis: axis(layout.xaxis?.range ?? [0, 1], 200),
          yaxis: axis(ya.range ?? [0, 1], 100, { log: ya.type === "log", flip: true }),
          yaxis2: axis(layout.yaxis2?.range ?? [0, 1], 100, { flip: true }),
        };
        gd._fullData = data.map((t) => ({ visible: t.visible === undefined ? true : t.visible }));
      },
      extendTraces: () => calls.push({ kind: "extend" }),
      // the axes move, the traces stay as the last react left them (Plotly's own copy of the points)
      relayout(gd, update) {
        calls.push({ kind: "relayout", update });
        const full = gd._fullLayout;
        if (update["xaxis.range"]) full.xaxis = axis(update["xaxis.range"], 200);
        if (update["yaxis.range"]) full.yaxis = axis(update["yaxis.range"], 100, { log: full.yaxis.type === "log", flip: true });
      },
    }),
    schedule: (draw) => () => { pending = draw; },
  };
  const flush = () => { const d = pending; pending = null; d?.(); };
  /** The x range of the last Plotly draw: a react's layout, or a relayout's update. */
  const xRange = () => { const c = calls.at(-1); return c.kind === "relayout" ? c.update["xaxis.range"] : c.layout.xaxis.range; };
  return { env, div, calls, rec, canvas, flush, listeners, xRange, tick: (ms) => { clock += ms; } };
}

const element = () => ({ hidden: false, classList: { add() {} } });
const spec = (extra = {}) => ({
  canvas: true,
  traces: (data) => data.map((d, i) => ({ name: `t${i}`, line: { color: `c${i}`, width: 2 }, ...d })),
  layout: ({ empty }) => ({ xaxis: {}, yaxis: {}, empty }),
  ...extra,
});

test("canvas mode: points within the axes' ranges are painted, with no Plotly redraw; Plotly holds them all only under the pointer", () => {
  const f = canvasEnv();
  const chart = createSeriesChart(element(), spec(), f.env);
  chart.setLines(2);
  chart.line(0).push(1, 0.5);
  chart.line(1).push(1, 0.7);
  f.flush();
  assert.equal(f.calls.length, 1);
  assert.deepEqual(f.calls[0].layout.xaxis.range, [0, 1.5], "1 and 2 % to spare, stepped up");
  assert.deepEqual(f.calls[0].layout.yaxis.range, [0, 0.75]);
  f.tick(X_AGAIN_MS);  // a while later: the x axis steps by what it needs only
  for (const [x, y] of [[1.2, 0.4], [1.6, 0.3]]) chart.line(0).push(x, y);
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, 2, "1.6 is past the x axis' end: the axes move to the next step");
  assert.deepEqual(f.calls[1], { kind: "relayout", update: { "xaxis.range": [0, 2], "yaxis.range": [0, 0.75] } },
                   "a move of the axes, not a full redraw");
  chart.line(1).push(1.6, 0.6);
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, 2, "within both ranges: the canvas only");
  assert.deepEqual(f.div.data.map((t) => t.x), [[1], [1]], "Plotly has each line's last point of its draw: its legend");
  assert.ok(f.calls.every((c) => c.kind !== "extend"), "never extendTraces");
  assert.deepEqual(f.rec.strokes.map((s) => s.path.length), [3, 2]);
  const [px, py, pen] = f.rec.strokes[1].path.at(-1);
  assert.ok(pen && Math.abs(px - 160) < 1e-9 && Math.abs(py - 20) < 1e-9, "(1.6, 0.6): 0.8 of the x axis, 0.6 of 0.75 up");
  f.listeners.pointerenter();  // Plotly's hover reads its own copy: the pointer brings a full redraw first
  f.flush();
  assert.equal(f.calls.at(-1).kind, "react");
  assert.deepEqual(f.calls.at(-1).layout.xaxis.range, [0, 2], "the range the axes moved to");
  assert.deepEqual(f.div.data.map((t) => t.x), [[1, 1.2, 1.6], [1, 1.6]], "under the pointer: every point, for the hover");
  f.listeners.pointerleave();
  f.tick(X_AGAIN_MS);
  chart.line(0).push(2.5, 0.3);  // past the x axis' end, the pointer gone: a redraw with the last points,
  chart.changed();               // not a move of the axes under every point
  f.flush();
  assert.equal(f.calls.at(-1).kind, "react");
  assert.deepEqual(f.div.data.map((t) => t.x), [[2.5], [1.6]]);
  chart.line(0).push(3.5, 0.3);
  chart.changed();
  f.flush();
  assert.equal(f.calls.at(-1).kind, "relayout", "then the axes move as before");
});

test("canvas mode: a compaction replaces the traces' arrays without a redraw; the pointer over the chart redraws", () => {
  const f = canvasEnv();
  const chart = createSeriesChart(element(), spec({ maxPoints: 16 }), f.env);
  chart.setLines(1);
  for (let e = 1; e <= 10; e++) chart.line(0).push(e, 1 / e);
  f.flush();
  const reacts = f.calls.length;
  assert.deepEqual(f.calls.at(-1).layout.xaxis.range, [0, 15]);
  for (let e = 11; e <= 40; e++) chart.line(0).push(10 + e / 40, 1 / e);  // x stays under 15: the range holds
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, reacts, "a compacted series is no reason for Plotly to draw");
  const path = f.rec.strokes[0].path, xa = f.div._fullLayout.xaxis;
  assert.ok(path.length <= 16 && path.at(-1)[0] === xa.c2p(11), "the canvas draws the compacted series");
  f.listeners.pointerenter();
  chart.line(0).push(11.5, 0.02);
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, reacts + 1, "hovering: Plotly's hover needs the points drawn");
  f.listeners.pointerleave();
  chart.line(0).push(12, 0.02);
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, reacts + 1);
  f.listeners.pointerenter();  // a paused run: the pointer comes back with epoch 12 on the canvas only
  f.flush();
  assert.equal(f.calls.length, reacts + 2, "Plotly draws once more, so its hover knows epoch 12");
  assert.equal(f.calls.at(-1).data[0].x.at(-1), 12);
  f.listeners.pointerleave();
  f.listeners.pointerenter();
  f.flush();
  assert.equal(f.calls.length, reacts + 2, "nothing new since: no redraw");
});

test("canvas mode: new ticks alone are a relayout of the ticks, not a full redraw; a cap of its own is a redraw", () => {
  const f = canvasEnv();
  // ticks at the data's whole tenths, as the gradient chart's decades follow its norms
  let cap = null;
  const chart = createSeriesChart(element(), spec({
    axis: (lines) => {
      const hi = Math.max(...lines.map((l) => l.hi));
      return cap ? { range: [0, cap] } : { tickvals: [0, Math.ceil(hi * 10) / 10] };
    },
  }), f.env);
  chart.setLines(1);
  chart.line(0).push(1, 0.31);
  f.flush();
  const painted = () => f.rec.strokes[0]?.path.length;
  assert.equal(f.calls.at(-1).kind, "react");
  chart.line(0).push(1.2, 0.36);  // within the y range [0, 0.5], ticks [0, 0.4] as before: the canvas only
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, 1);
  chart.line(0).push(1.3, 0.45);  // ticks now [0, 0.5]
  chart.changed();
  f.flush();
  assert.equal(f.calls.length, 2);
  assert.equal(f.calls[1].kind, "relayout");
  assert.deepEqual(f.calls[1].update["yaxis.tickvals"], [0, 0.5]);
  assert.equal(painted(), 3, "and the canvas painted every point");
  cap = 0.4;  // a range the description sets itself (the comparison's cap): a full redraw
  chart.line(0).push(1.4, 0.45);
  chart.changed();
  f.flush();
  assert.equal(f.calls.at(-1).kind, "react");
  cap = null;
  f.listeners.pointerenter();  // under the pointer Plotly needs every point: new ticks are a redraw too
  f.flush();
  chart.line(0).push(1.45, 0.55);
  chart.changed();
  f.flush();
  assert.equal(f.calls.at(-1).kind, "react");
});

test("the gradient chart on its canvas: zeros come by a relayout of the ticks and are painted on their row", () => {
  const f = canvasEnv();
  const chart = createGradChart(element(), { env: f.env });
  chart.reset({ epoch: [1, 2, 3], grad_norms: [[0.5, 0.02], [0.4, 0.03], [0.3, 0.02]] });
  f.flush();
  assert.equal(f.calls.at(-1).kind, "react");
  chart.append(4, [0, 0.03]);  // every unit of layer 1 dead
  f.flush();
  const last = f.calls.at(-1);
  assert.equal(last.kind, "relayout", "the zero row's tick alone: no full redraw");
  assert.equal(last.update["yaxis.ticktext"][0], DEAD_LABEL);
  assert.equal(last.update["yaxis.tickvals"][0], zeroRow(0.02));
  assert.deepEqual(f.canvas.painted[0].y, [0.5, 0.4, 0.3, zeroRow(0.02)], "the zero painted on its row");
  assert.deepEqual(f.canvas.painted[0].text, ["0.5", "0.4", "0.3", DEAD_LABEL], "labelled for the next hover");
  f.listeners.pointerenter();  // the hover: Plotly gets every point, labelled
  f.flush();
  assert.equal(f.calls.at(-1).kind, "react");
  assert.equal(f.calls.at(-1).data[0].hovertemplate, "%{text}");
  assert.deepEqual(f.div.data[0].text, ["0.5", "0.4", "0.3", DEAD_LABEL]);
});

test("canvas mode: an x axis that moved a moment ago moves to twice what it needs (a run at full speed)", () => {
  const f = canvasEnv();
  const chart = createSeriesChart(element(), spec(), f.env);
  chart.setLines(1);
  chart.line(0).push(100, 1);
  f.flush();
  assert.deepEqual(f.calls.at(-1).layout.xaxis.range, [0, 150], "the first range: what the data needs");
  f.tick(100);
  chart.line(0).push(160, 1);
  chart.changed();
  f.flush();
  assert.deepEqual(f.xRange(), [0, 500], "100 ms later: twice 160, stepped up");
  f.tick(X_AGAIN_MS + 1);
  chart.line(0).push(510, 1);
  chart.changed();
  f.flush();
  assert.deepEqual(f.xRange(), [0, 750], "seconds later: what it needs again");
});

test("the playground's charts paint their curves: the loss chart's accuracy on its own axis, dotted; the gradient chart on a log axis", () => {
  const f = canvasEnv();
  const loss = createLossChart(element(), { env: f.env });
  loss.reset([{ epoch: 1, train: 0.6, test: 0.7, trainAcc: 0.5, testAcc: 0.4 }]);
  loss.append([{ epoch: 2, train: 0.5, test: 0.6, trainAcc: 0.6, testAcc: 0.55 }]);
  f.flush();
  const last = f.calls.at(-1);
  assert.deepEqual(last.layout.yaxis.range, [0, 0.75], "the cost's range, not the accuracy's");
  assert.deepEqual(f.rec.strokes.map((s) => s.dash.length > 0), [false, false, true, true]);
  assert.equal(f.rec.strokes[2].path.at(-1)[1], 100 - (0.6 / 1.02) * 100, "train accuracy 0.6 on the 0–1.02 axis");

  const g = canvasEnv();
  const grad = createGradChart(element(), { env: g.env });
  grad.reset({ epoch: [1, 2], grad_norms: [[0.5, 0.02], [0.4, 0.03]] });
  g.flush();
  assert.equal(g.calls.at(-1).layout.yaxis.type, "log");
  assert.deepEqual(g.calls.at(-1).layout.yaxis.range, [-2, 0]);
  assert.deepEqual(g.rec.strokes.map((s) => s.path.length), [2, 2]);
});

test("canvas mode: a redraw keeps an x range that still holds the data (no growing and shrinking in turn while hovered)", () => {
  const f = canvasEnv();
  const chart = createSeriesChart(element(), spec(), f.env);
  chart.setLines(1);
  chart.line(0).push(100, 1);
  f.flush();
  f.tick(100);
  chart.line(0).push(160, 1);
  chart.changed();
  f.flush();
  assert.deepEqual(f.xRange(), [0, 500]);
  f.listeners.pointerenter();  // hovered: a redraw every draw, one epoch each, well apart in time
  const seen = new Set();
  for (let e = 161; e < 175; e++) {
    f.tick(X_AGAIN_MS);
    chart.line(0).push(e, 1);
    chart.changed();
    f.flush();
    seen.add(String(f.calls.at(-1).layout.xaxis.range));
  }
  assert.deepEqual([...seen], ["0,500"]);
  chart.clear();  // the run starts again: the range starts again from the data
  chart.line(0).push(1, 1);
  f.tick(X_AGAIN_MS);
  f.flush();
  assert.deepEqual(f.calls.at(-1).layout.xaxis.range, [0, 1.5]);
});

test("canvas mode: a y range the description sets itself (a cap over a diverging run) is left to it", () => {
  const f = canvasEnv();
  const capped = spec({ layout: ({ empty }) => ({ xaxis: {}, yaxis: { range: [0, 2] }, empty }) });
  const chart = createSeriesChart(element(), capped, f.env);
  chart.setLines(1);
  chart.line(0).push(1, 1);
  f.flush();
  const reacts = f.calls.length;
  for (const y of [10, 1e5, 1e10]) {
    chart.line(0).push(1 + y / 1e11, y);  // x stays within its range, y climbs past the cap
    chart.changed();
    f.flush();
  }
  assert.equal(f.calls.length, reacts, "no redraw: the cap, not the data, is the axis");
  assert.deepEqual(f.calls.at(-1).layout.yaxis.range, [0, 2]);
  const far = f.rec.strokes[0].path.at(-1);
  assert.ok(far[2] && far[1] === -1e5, `a point far above the axis is drawn a bounded distance away: ${far}`);
});

test("canvas mode: the first points after an empty draw are a full redraw (the note goes, the tick labels come)", () => {
  const f = canvasEnv();
  const chart = createSeriesChart(element(), spec(), f.env);
  chart.setLines(1);
  f.flush();
  assert.equal(f.calls.at(-1).layout.empty, true, "drawn with nothing to show");
  chart.line(0).push(1, 0.5);
  chart.changed();
  f.flush();
  assert.equal(f.calls.at(-1).kind, "react", "not a move of the axes: the layout of an empty chart goes");
  assert.equal(f.calls.at(-1).layout.empty, false);
  f.tick(X_AGAIN_MS);
  chart.line(0).push(400, 0.4);  // far past the x axis' end: now the axes move, no full redraw
  chart.changed();
  f.flush();
  assert.equal(f.calls.at(-1).kind, "relayout");
});
