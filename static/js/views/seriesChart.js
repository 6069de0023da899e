// views/seriesChart.js — the one engine under the page's line charts (loss, gradient norms, the
// comparison's cost curves and its layer chart). It owns the plot's div, its Series (decimate.js:
// bounded points a trace however long the run) and the drawing: points pushed since the last draw go
// to Plotly.extendTraces, or, in canvas mode (`spec.canvas`: the playground's charts, the comparison's
// curves), onto a canvas over the plot (lineCanvas.js), Plotly moving the axes (Plotly.relayout of
// their ranges, or of new y ticks) only when the data leaves their stepped ranges and holding each
// line's last point for its legend unless the pointer is over the chart; a compaction (Plotly mode), a
// new axis (a capped range; in Plotly mode new log ticks too), the pointer over the chart or a chart
// that asked for it gets a full Plotly.react. Draws are scheduled with plot.js `everyFrame` as heavy draws, at
// most one per animation frame and one per `minInterval`: a chart redrawn 4–7× a second looks live,
// and the other views' drawing keeps the frames in between.
//
// A chart is a description on top of it: `traces(points)` and `layout({axis, empty, log})` build what
// Plotly draws; `shown(lines)` picks the Series on show, in trace order (the comparison shows one of
// two metrics); `points({x, y})` turns a Series' points into a trace's data fields (the gradient
// chart's zero row); `axis(lines, log)` is the data-dependent part of the axis — when it changes, the
// chart is redrawn in full, or in canvas mode its y ticks relaid out (`retick`) if that is all that
// changed (default: log ticks over the shown lines while the axis is logarithmic).
//
// The DOM, Plotly, the scheduler, the overlay canvas and the clock come in `env`, so `node --test` drives
// the engine and the charts with recording stand-ins (tests/js/seriesChart.test.mjs, lineCanvas.test.mjs).

import { Series } from '../decimate.js';
import { autoResize, baseConfig, everyFrame, logTicks, overlayCanvas, plotly } from '../plot.js';
import { extent, holds, steppedRange, strokeLines } from './lineCanvas.js';

export const MAX_POINTS = 1000;
// 4 s: at full speed ([8×6], ~800 epochs/s) the x axis moves every 4–6 s rather than every 2 (Plotly
// redraws of the two charts in 10 s: 8 → 5), each a long task that costs the page a frame or two
export const X_AGAIN_MS = 4000;

/** The page's: a div in `el` that follows its size, window.Plotly, plot.js's scheduler. */
export const browserEnv = {
  mount(el) {
    const div = document.createElement('div');
    div.className = 'nnp-chart-plot';
    el.classList.add('nnp-chart');
    el.replaceChildren(div);
    autoResize(div);
    return div;
  },
  plotly: () => plotly(),
  schedule: (draw, name, opts) => everyFrame(draw, name, opts),
  /** The canvas the curves are painted on (spec.canvas), over the plot and under Plotly's hover layer. */
  overlay(el) {
    const { box, canvas } = overlayCanvas('nnp-chart-curves');
    el.classList.add('nnp-chart-canvas');
    el.append(box);
    return { box, canvas, dpr: () => window.devicePixelRatio || 1 };
  },
  /** `fn` whenever `el` is resized (a window, a theme, a panel). */
  observe(el, fn) { new ResizeObserver(() => fn()).observe(el); },
  /** A row over the plot for a chart's own compact legend (gradChart.js on a small chart). */
  key(el) {
    const row = document.createElement('div');
    row.className = 'nnp-chart-key';
    row.setAttribute('aria-hidden', 'true');  // what Plotly's legend said, shown: the hover names the lines
    row.hidden = true;
    el.append(row);
    return row;
  },
};

/** The lowest and highest value in any of these Series ({lo: Infinity, hi: -Infinity} when empty). */
export function rangeOf(lines) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of lines) {
    if (s.lo < lo) lo = s.lo;
    if (s.hi > hi) hi = s.hi;
  }
  return { lo, hi };
}

const same = (p) => p;
/** Two axisOf answers that differ in their ticks only, not in a range of their own (the comparison's
 *  cap): a relayout of the ticks will do. */
const ticksOnly = (a, b) => !('range' in a) && !('range' in b) && !('type' in a) && !('type' in b);

const logAxis = (lines, log) => {
  if (!log) return {};
  const { lo, hi } = rangeOf(lines);
  return logTicks(lo, hi);
};

export function createSeriesChart(el, spec, env = browserEnv) {
  const div = env.mount(el);
  const points = spec.points ?? same;
  const axisOf = spec.axis ?? logAxis;
  const maxPoints = spec.maxPoints ?? MAX_POINTS;
  const curves = spec.canvas && env.overlay ? env.overlay(el) : null;
  let lines = [];
  let log = false;
  let hidden = false;
  let needsReact = true;
  // canvas mode: the lines as the canvas paints them (`plotted`, which new points are pushed onto), the
  // traces of the last Plotly.react (`drawnTraces`: every point while the pointer was over the chart,
  // else each line's last point), and the axes' stepped ranges
  let plotted = [];
  let drawnTraces = [];
  let ranges = { x: null, y: null };
  let hovering = false;
  let sinceReact = false;  // points drawn on the canvas only: Plotly's hover does not know them yet
  let plotlyHasData = false;  // the last react gave Plotly every point (the pointer was over the chart)
  let drawnAxis = { key: '', value: {} };  // what axisOf said at the last draw, and as JSON
  let listening = false;
  // counters on the chart's element (browser tests): Plotly draws (react, extendTraces), canvas paints
  const count = (key) => { if (el.dataset) el.dataset[key] = String(Number(el.dataset[key] ?? 0) + 1); };
  let xMovedAt = -Infinity;
  const now = env.now ?? (() => performance.now());
  let yLog = false;  // the last layout's y axis is logarithmic (the loss chart's switch, the gradient chart always)
  let yOwn = false;  // the description set the y range itself: its axis() says when it moves, not the data
  let xOwn = false;  // … the x range
  let paints = 0;  // canvas paints so far
  let drawnEmpty = true;  // the last react drew the chart with nothing to show (its note, no tick labels)
  let fresh = true;  // new Series (setLines, clear): the ranges start again from the data
  // spec.fits() → what of the layout follows the chart's size (a key, a legend, how many ticks): read at
  // every full redraw, again when the chart is resized, and a change redraws it (a resize alone only
  // makes Plotly lay the old layout out again: ten x labels stayed on a chart grown narrow)
  let fitsFor = '';
  if (spec.fits && env.observe) env.observe(el, () => { if (spec.fits() !== fitsFor) { needsReact = true; draw(); } });

  /** The x and y (the first y axis') ranges the data needs, in steps. An x axis that had to move
   *  less than X_AGAIN_MS ago (a run at full speed) moves to twice what it needs: every move is a
   *  Plotly redraw, ~15 ms here and 4× that on a slow laptop. */
  function wantedRanges() {
    const onY = plotted.filter((_, i) => (drawnTraces[i]?.yaxis ?? 'y') === 'y' && drawnTraces[i]?.visible !== false);
    const xs = extent(plotted.map((d) => d.x));
    const ys = extent(onY.map((d) => d.y), yLog);
    const fast = now() - xMovedAt < X_AGAIN_MS;
    return { xs, ys, x: steppedRange(xs.lo, fast ? 2 * xs.hi : xs.hi), y: steppedRange(ys.lo, ys.hi, yLog) };
  }

  /** The description's layout with the stepped ranges (where it sets none of its own). The x range is
   *  kept while it holds the data (and is not 4× what it needs): recomputed at every redraw, the 2×
   *  rule would grow and shrink it in turn while the pointer is over a running chart. */
  function rangedLayout(layout) {
    yLog = layout.yaxis?.type === 'log';
    yOwn = Array.isArray(layout.yaxis?.range);  // e.g. the comparison's cap over a diverging run
    xOwn = Array.isArray(layout.xaxis?.range);
    nextRanges();
    const withRange = (axis, range) => (!range || axis?.range ? axis : { ...axis, range, autorange: false });
    return { ...layout, xaxis: withRange(layout.xaxis, ranges.x), yaxis: withRange(layout.yaxis, ranges.y) };
  }

  /** The stepped ranges for the data now (`ranges`): what a redraw or a move of the axes sets. */
  function nextRanges() {
    const want = wantedRanges();
    const keepX = !fresh && holds(ranges.x, want.xs.lo, want.xs.hi) && want.xs.hi * 4 >= ranges.x[1];
    fresh = false;
    if (!keepX && String(want.x) !== String(ranges.x)) xMovedAt = now();
    ranges = { x: keepX ? ranges.x : want.x, y: want.y };
  }

  /** The data left the axes' ranges, nothing else changed: the axes move (Plotly.relayout of the two
   *  ranges, ~5 ms here) instead of a full redraw (Plotly.react, ~15 ms: traces, legend, margins). Plotly's
   *  own copy of the points stays as its last react left it (its lines are hidden under the canvas);
   *  its hover asks for a react first (`sinceReact`). */
  function moveAxes(P, ticks = {}) {
    nextRanges();
    const update = { ...ticks };
    if (!xOwn && ranges.x) update['xaxis.range'] = ranges.x;
    if (!yOwn && ranges.y) update['yaxis.range'] = ranges.y;
    const before = paints;
    if (Object.keys(update).length) {
      count('plotlyDraws');
      P.relayout(div, update);
    }
    if (paints === before) paint();  // unless Plotly's plotly_afterplot painted the canvas already
  }

  /** Canvas mode, only the y axis' ticks changed (the gradient chart's decades as the norms fall): a
   *  relayout of them with the axes' ranges instead of a full redraw (a react of the gradient chart
   *  took ~25 ms here, ~140 ms under a 4× throttle, legend and all). The lines are taken in full
   *  again: a point's place may follow the ticks (the gradient chart's zero row). */
  function retick(P, shown, before, axis) {
    plotted = shown.map((s) => points(s.plotted()));
    sinceReact = true;  // Plotly's copy of the points is not the picture: a hover redraws first
    const update = {};
    for (const k of new Set([...Object.keys(before), ...Object.keys(axis)])) update[`yaxis.${k}`] = axis[k] ?? null;
    moveAxes(P, update);
  }

  /** A line's data with its last point only (every field: x, y, text…): its legend entry in Plotly. */
  const lastPoint = (d) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Array.isArray(v) ? v.slice(-1) : v]));

  /** Paints every visible trace on the canvas, over the plotting area of the last Plotly draw. */
  function paint() {
    const full = div._fullLayout;
    if (!curves || !full?._size || !full.xaxis) return;
    const xa = full.xaxis;
    const ya = full.yaxis;
    const at = { left: `${xa._offset}px`, top: `${ya._offset}px`, width: `${xa._length}px`, height: `${ya._length}px` };
    Object.assign(curves.box.style, at);
    const dpr = curves.dpr();
    const w = Math.round(xa._length * dpr);
    const h = Math.round(ya._length * dpr);
    if (curves.canvas.width !== w || curves.canvas.height !== h) { curves.canvas.width = w; curves.canvas.height = h; }
    const g = curves.canvas.getContext('2d');
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, w, h);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const shown = drawnTraces.map((t, i) => ({ t, d: plotted[i], full: div._fullData?.[i] }))
      .filter(({ t, d, full: f }) => d && (f ? f.visible === true : t.visible !== false));
    count('curvesPainted');
    paints++;
    curves.canvas.painted = shown.map(({ d }) => d);  // what it shows, for a test to read (Plotly has the last points)
    strokeLines(g, shown.map(({ t, d }) => ({ x: d.x, y: d.y, color: t.line?.color ?? '#444', width: t.line?.width ?? 2,
                                              dash: t.line?.dash, yAxis: t.yaxis ?? 'y' })),
                { x: xa, y: { y: ya, y2: full.yaxis2 } }, 1 / dpr);
  }

  function react(P, shown, axis) {
    needsReact = false;
    sinceReact = false;
    const empty = shown.every((s) => s.length === 0);
    drawnEmpty = empty;
    plotted = shown.map((s) => points(s.plotted()));
    fitsFor = spec.fits?.() ?? '';
    const layout = spec.layout({ axis, empty, log });
    count('plotlyDraws');
    if (!curves) {
      P.react(div, spec.traces(plotted), layout, baseConfig);
      return;
    }
    // Plotly gets every point only while the pointer is over the chart (its hover reads them); else
    // each line's last point, enough for its legend entry. Plotly builds an svg path of every point of
    // every trace at each react and relayout, under a canvas that draws them anyway: at full speed the
    // gradient chart's 7 × ~1,000 points made an axis move ~20 ms here, 4× that throttled.
    plotlyHasData = hovering;
    drawnTraces = spec.traces(hovering ? plotted : plotted.map(lastPoint));
    P.react(div, drawnTraces, rangedLayout(layout), baseConfig);
    if (!listening && div.on) { listening = true; div.on('plotly_afterplot', paint); }  // a resize moves the plotting area
    paint();
  }

  /** Canvas mode, nothing else changed: new points go onto the canvas's lines (`plotted`; a compacted
   *  series replaces them) and are painted; Plotly draws only when they leave the axes' ranges or the
   *  pointer is over the chart (its hover reads the points of its last draw). */
  function append(P, shown, changes, axis) {
    changes.forEach((c, i) => {
      if (!plotted[i] || !drawnTraces[i]) return;
      const { rebuild, ...fields } = points(c);
      if (rebuild || c.rebuild) {
        plotted[i] = fields;
        return;
      }
      for (const [field, values] of Object.entries(fields)) {
        if (Array.isArray(plotted[i][field])) plotted[i][field].push(...values);
      }
    });
    sinceReact ||= changes.some((c) => c.x.length > 0);
    // Plotly's hover reads the points of its last draw; the first points replace the "nothing yet" note
    if (hovering || (drawnEmpty && sinceReact)) {
      react(P, shown, axis);
      return;
    }
    const want = wantedRanges();
    const yLeft = !yOwn && want.y && !holds(ranges.y, want.ys.lo, want.ys.hi, yLog);
    if (!holds(ranges.x, want.xs.lo, want.xs.hi) || yLeft) {
      // Plotly still has every point from a hover: a react with the last points costs less than
      // moving the axes under all of them
      if (plotlyHasData && !hovering) react(P, shown, axis);
      else moveAxes(P);
      return;
    }
    paint();
  }

  const draw = env.schedule(() => {
    if (hidden) return;  // a hidden Plotly chart has no size to draw at: it draws in full when shown
    const P = env.plotly();
    const shown = spec.shown ? spec.shown(lines) : lines;
    const changes = shown.map((s) => s.drain());
    const axis = axisOf(shown, log);
    const key = JSON.stringify(axis);
    const axisMoved = key !== drawnAxis.key;
    const before = drawnAxis.value;
    drawnAxis = { key, value: axis };
    if (axisMoved && curves && !needsReact && !drawnEmpty && !hovering && !plotlyHasData && ticksOnly(before, axis)
        && shown.some((s) => s.length > 0)) {
      retick(P, shown, before, axis);
      return;
    }
    if (axisMoved || needsReact || (!curves && changes.some((c) => c.rebuild))) {
      react(P, shown, axis);
      return;
    }
    if (curves) {
      append(P, shown, changes, axis);
      return;
    }
    const idx = [];
    const update = {};
    changes.forEach((c, i) => {
      if (!c.x.length) return;
      idx.push(i);
      for (const [field, values] of Object.entries(points(c))) {
        if (field !== 'rebuild') (update[field] ??= []).push(values);
      }
    });
    if (!idx.length) return;
    count('plotlyDraws');
    P.extendTraces(div, update, idx);
  }, spec.name ?? 'seriesChart', { minInterval: spec.minInterval ?? 0, heavy: true });

  if (curves) {
    div.addEventListener?.('pointerenter', () => {
      hovering = true;
      // Plotly has only the lines' last points, or not the epochs drawn since (a paused run): its hover
      // needs them all
      if (!plotlyHasData || sinceReact) { needsReact = true; draw(); }
    });
    // a mouse leaving ends the hover; a tap's pointerleave comes before the mouse events Plotly's
    // hover reads, so after a touch Plotly keeps every point (until a mouse leaves)
    div.addEventListener?.('pointerleave', (e) => { if (!e?.pointerType || e.pointerType === 'mouse') hovering = false; });
  }

  return {
    div,
    /** n fresh, empty Series (a new set of traces: layers, variants); drawn in full next. */
    setLines(n) {
      lines = Array.from({ length: n }, () => new Series(maxPoints));
      needsReact = true;
      fresh = true;
      draw();
    },
    line: (i) => lines[i],
    get count() { return lines.length; },
    /** Every Series emptied (the traces stay). */
    clear() {
      lines.forEach((s) => s.clear());
      needsReact = true;
      fresh = true;
      draw();
    },
    /** Points were pushed: they are drawn on the next turn (appended when nothing else changed). */
    changed: () => draw(),
    /** Something the description draws changed (names, colours, a note, the theme): a full redraw. */
    redraw() {
      needsReact = true;
      draw();
    },
    get logScale() { return log; },
    setLogScale(on) {
      log = !!on;
      needsReact = true;
      draw();
    },
    setShown(on) {
      hidden = !on;
      el.hidden = hidden;
      if (!hidden) { needsReact = true; draw(); }
    },
  };
}
