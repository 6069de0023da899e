// compare/curves.js — every variant's cost over the epochs in one chart: one colour AND one dash
// pattern a variant (model.js), bounded points a trace (decimate.js), appended with extendTraces and
// redrawn at most once per animation frame, taking turns with other heavy draws (plot.js everyFrame).
import { Series } from '../decimate.js';
import { autoResize, baseConfig, baseLayout, emptyLayout, everyFrame, logTicks, plotly } from '../plot.js';
import { fmtCost, variantStyle } from './model.js';

const MAX_POINTS = 1000;
const MIN_INTERVAL = 250;  // ms: six traces redrawn 4× a second look live; each Plotly redraw costs 10–30 ms
const METRICS = { train: 'train cost', test: 'test cost' };
/** A diverging variant's cost may climb to 1e10: the linear axis stops at this many times a start. */
const CAP = 3;

export function createCurves(el, opts = {}) {
  const div = document.createElement('div');
  div.className = 'nnp-chart-plot';
  el.classList.add('nnp-chart');
  el.replaceChildren(div);
  autoResize(div);
  let labels = [];
  let series = [];  // per variant: {train, test, first}
  let metric = 'train';
  let logScale = false;
  let target = null;
  let needsReact = true;
  let axisKey = '';
  let axis = {};

  const shown = () => series.map((s) => s[metric]);
  /** The page's line width and plot font (CSS variables: the projector theme thickens and enlarges them). */
  const cssNumber = (name) => parseFloat(getComputedStyle(el).getPropertyValue(name)) || 0;
  const lineWidth = () => Math.max(2.25, cssNumber('--line-width'));
  const noteSize = () => Math.max(11, (cssNumber('--plot-font-size') || 13) - 3);

  function traces() {
    const width = lineWidth();
    return labels.map((label, i) => {
      const { color, dash } = variantStyle(i);
      const { x, y } = series[i][metric].plotted();
      return { type: 'scatter', mode: 'lines', name: label, x, y, line: { color, dash, width },
               hovertemplate: `${label.replace(/%/g, '%%')}: %{y:.4g}<extra></extra>` };
    });
  }

  /** The y axis follows the data: log ticks, or a linear range capped above a diverging run. */
  function axisChanged() {
    const ss = shown().filter((s) => s.length);
    if (!ss.length) { axis = {}; } else if (logScale) {
      axis = logTicks(Math.min(...ss.map((s) => s.lo)), Math.max(...ss.map((s) => s.hi)));
    } else {
      const hi = Math.max(...ss.map((s) => s.hi));
      const cap = Math.max(...series.filter((s) => s[metric].length).map((s) => CAP * (s.first[metric] ?? 0)));
      axis = cap > 0 && hi > cap ? { range: [0, cap * 1.02], autorange: false } : {};
    }
    const key = JSON.stringify(axis);
    if (key === axisKey) return false;
    axisKey = key;
    return true;
  }

  function layout() {
    const empty = emptyLayout(shown().every((s) => s.length === 0));
    const withTarget = metric === 'train' && target !== null;
    return baseLayout(el, {
      annotations: [...empty.annotations, ...(withTarget ? [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y',
        y: logScale ? Math.log10(target) : target, yanchor: 'bottom', showarrow: false, text: `target ${fmtCost(target)}`,
        font: { size: noteSize(), color: '#555' } }] : [])],
      shapes: withTarget ? [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: target, y1: target,
        line: { color: '#555', width: 1, dash: 'dot' }, layer: 'below' }] : [],
      xaxis: { title: { text: 'epoch', standoff: 2 }, rangemode: 'tozero', ...empty.axis },
      yaxis: { title: { text: METRICS[metric] }, type: logScale ? 'log' : 'linear', rangemode: logScale ? 'normal' : 'tozero',
               exponentformat: 'power', nticks: 6, ...axis, ...empty.axis },
      margin: { l: 52, r: 12, t: 8, b: 36 },
      hovermode: 'x unified',
      // a short chart (a 520×300 frame with the caption) leaves the legend to the maps' titles, whose
      // swatches are the same colour and dash: three rows of legend would take most of its height
      showlegend: labels.length <= 2 || el.clientHeight >= 180,
      legend: { orientation: 'h', x: 0, y: 1.01, yanchor: 'bottom', traceorder: 'normal' },
    });
  }

  const draw = everyFrame(() => {
    const P = plotly();
    const changes = shown().map((s) => s.drain());
    if (axisChanged() || needsReact || changes.some((c) => c.rebuild)) {
      needsReact = false;
      P.react(div, traces(), layout(), baseConfig);
      return;
    }
    const idx = [];
    const update = { x: [], y: [] };
    changes.forEach((c, i) => {
      if (!c.x.length) return;
      idx.push(i); update.x.push(c.x); update.y.push(c.y);
    });
    if (idx.length) P.extendTraces(div, update, idx);
  }, 'compareCurves', { minInterval: opts.minInterval ?? MIN_INTERVAL, heavy: true });

  function push(i, rows) {
    const s = series[i];
    for (const r of rows) {
      if (s.first.train === undefined && Number.isFinite(r.train)) s.first.train = r.train;
      if (s.first.test === undefined && Number.isFinite(r.test)) s.first.test = r.test;
      s.train.push(r.epoch, r.train);
      s.test.push(r.epoch, r.test);
    }
  }

  function fresh(s) {
    s.train.clear();
    s.test.clear();
    s.first = {};
  }

  draw();
  return {
    /** New variants (labels in order): every curve cleared. */
    setVariants(names) {
      labels = [...names];
      series = labels.map(() => ({ train: new Series(opts.maxPoints ?? MAX_POINTS), test: new Series(opts.maxPoints ?? MAX_POINTS),
                                   first: {} }));
      needsReact = true;
      draw();
    },
    /** Variant i's curve from these rows {epoch, train, test} (after a reset, or from its history). */
    reset(i, rows = []) {
      if (!series[i]) return;
      fresh(series[i]);
      push(i, rows);
      needsReact = true;
      draw();
    },
    append(i, rows) {
      if (!series[i]) return;
      push(i, rows);
      draw();
    },
    /** "train" or "test" cost. */
    setMetric(m) {
      if (!METRICS[m] || m === metric) return;
      metric = m;
      needsReact = true;
      draw();
    },
    setLogScale(on) {
      logScale = !!on;
      needsReact = true;
      draw();
    },
    setTarget(t) {
      target = t;
      needsReact = true;
      draw();
    },
  };
}
