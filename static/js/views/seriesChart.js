// views/seriesChart.js — the one engine under the page's line charts (loss, gradient norms, the
// comparison's cost curves and its layer chart). It owns the plot's div, its Series (decimate.js:
// bounded points a trace however long the run) and the drawing: points pushed since the last draw go
// to Plotly.extendTraces; a compaction, a new axis (log ticks, a capped range) or a chart that asked
// for it gets a full Plotly.react. Draws are scheduled with plot.js `everyFrame` as heavy draws, at
// most one per animation frame and one per `minInterval`: a chart redrawn 4–7× a second looks live,
// and the other views' drawing keeps the frames in between.
//
// A chart is a description on top of it: `traces(points)` and `layout({axis, empty, log})` build what
// Plotly draws; `shown(lines)` picks the Series on show, in trace order (the comparison shows one of
// two metrics); `points({x, y})` turns a Series' points into a trace's data fields (the gradient
// chart's zero row); `axis(lines, log)` is the data-dependent part of the axis — when it changes, the
// chart is redrawn in full (default: log ticks over the shown lines while the axis is logarithmic).
//
// The DOM, Plotly and the scheduler come in `env`, so `node --test` drives the engine and the charts
// with a recording stand-in (tests/js/seriesChart.test.mjs).

import { Series } from '../decimate.js';
import { autoResize, baseConfig, everyFrame, logTicks, plotly } from '../plot.js';

export const MAX_POINTS = 1000;

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
  let lines = [];
  let log = false;
  let hidden = false;
  let needsReact = true;
  let axisKey = '';

  const draw = env.schedule(() => {
    if (hidden) return;  // a hidden Plotly chart has no size to draw at: it draws in full when shown
    const P = env.plotly();
    const shown = spec.shown ? spec.shown(lines) : lines;
    const changes = shown.map((s) => s.drain());
    const axis = axisOf(shown, log);
    const key = JSON.stringify(axis);
    const axisMoved = key !== axisKey;
    axisKey = key;
    if (axisMoved || needsReact || changes.some((c) => c.rebuild)) {
      needsReact = false;
      const empty = shown.every((s) => s.length === 0);
      P.react(div, spec.traces(shown.map((s) => points(s.plotted()))), spec.layout({ axis, empty, log }), baseConfig);
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
    if (idx.length) P.extendTraces(div, update, idx);
  }, spec.name ?? 'seriesChart', { minInterval: spec.minInterval ?? 0, heavy: true });

  return {
    div,
    /** n fresh, empty Series (a new set of traces: layers, variants); drawn in full next. */
    setLines(n) {
      lines = Array.from({ length: n }, () => new Series(maxPoints));
      needsReact = true;
      draw();
    },
    line: (i) => lines[i],
    get count() { return lines.length; },
    /** Every Series emptied (the traces stay). */
    clear() {
      lines.forEach((s) => s.clear());
      needsReact = true;
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
