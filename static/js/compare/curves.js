// compare/curves.js — every variant's cost over the epochs in one chart: one colour AND one dash
// pattern a variant (model.js), on the chart-series engine (views/seriesChart.js in canvas mode: bounded
// points a trace, curves painted on a canvas a few times a second). Two lines a variant, train and test cost, one on show;
// a diverging variant's cost (up to 1e10) caps the linear axis instead of flattening the others.
import { baseLayout, emptyLayout, lineWidth, logTicks, plotFontSize } from '../plot.js';
import { createSeriesChart, rangeOf } from '../views/seriesChart.js';
import { fmtCost, variantStyle } from './model.js';

const MIN_INTERVAL = 250;  // ms: six traces redrawn 4× a second look live; each Plotly redraw costs 10–30 ms
const METRICS = { train: 'train cost', test: 'test cost' };
const KEYS = Object.keys(METRICS);  // a variant's lines, in this order
const LEGEND_MIN_HEIGHT = 240;  // px: a chart shorter than this draws no legend (below)
/** A diverging variant's cost may climb to 1e10: the linear axis stops at this many times a start. */
export const CAP = 3;

/** The linear y axis over curves whose first values are `firsts`: capped at CAP × the highest start
 *  (+2 %) when some curve climbs above that, else Plotly's own range ({}). */
export function cappedAxis(hi, firsts) {
  const cap = Math.max(...firsts.map((f) => CAP * (f ?? 0)));
  return cap > 0 && hi > cap ? { range: [0, cap * 1.02], autorange: false } : {};
}

/** Creates the chart in `el`; opts: {maxPoints, minInterval, env}. */
export function createCurves(el, opts = {}) {
  let labels = [];
  let firsts = [];  // per variant: its first finite {train, test} (where the cap is measured from)
  let metric = 'train';
  let target = null;

  const at = (i, key = metric) => chart.line(i * KEYS.length + KEYS.indexOf(key));
  /** The target's note as large as the tick labels (plot.js: 2 px under the plot font; the projector's 16 px). */
  const noteSize = () => Math.max(11, plotFontSize(el) - 2);

  function traces(data) {
    const width = Math.max(2.25, lineWidth(el));
    return labels.map((label, i) => {
      const { color, dash } = variantStyle(i);
      return { type: 'scatter', mode: 'lines', name: label, x: data[i].x, y: data[i].y, line: { color, dash, width },
               hovertemplate: `${label.replace(/%/g, '%%')}: %{y:.4g}<extra></extra>` };
    });
  }

  /** The y axis follows the data: log ticks, or a linear range capped above a diverging run. */
  function axis(lines, log) {
    const { lo, hi } = rangeOf(lines);
    if (log) return logTicks(lo, hi);
    return cappedAxis(hi, firsts.filter((_, i) => lines[i].length).map((f) => f[metric]));
  }

  function layout({ axis: dataAxis, empty: none, log }) {
    const empty = emptyLayout(none);
    const withTarget = metric === 'train' && target !== null;
    return baseLayout(el, {
      annotations: [...empty.annotations, ...(withTarget ? [{ xref: 'paper', x: 1, xanchor: 'right', yref: 'y',
        y: log ? Math.log10(target) : target, yanchor: 'bottom', showarrow: false, text: `target ${fmtCost(target)}`,
        font: { size: noteSize(), color: '#555' } }] : [])],
      shapes: withTarget ? [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: target, y1: target,
        line: { color: '#555', width: 1, dash: 'dot' }, layer: 'below' }] : [],
      xaxis: { title: { text: 'epoch', standoff: 2 }, rangemode: 'tozero', ...empty.axis },
      yaxis: { title: { text: METRICS[metric] }, type: log ? 'log' : 'linear', rangemode: log ? 'normal' : 'tozero',
               exponentformat: 'power', nticks: 6, ...dataAxis, ...empty.axis },
      margin: { l: 52, r: 12, t: 8, b: 36 },
      hovermode: 'x unified',
      // a short chart (a 520×300 frame with the caption, a 720p projector's six variants over their
      // table) leaves the legend to the maps' titles and the table's rows, whose swatches are the same
      // colour and dash: two or three rows of legend took most of its height
      showlegend: labels.length <= 2 || el.clientHeight >= LEGEND_MIN_HEIGHT,
      legend: { orientation: 'h', x: 0, y: 1.01, yanchor: 'bottom', traceorder: 'normal' },
    });
  }

  const chart = createSeriesChart(el, {
    name: 'compareCurves', minInterval: opts.minInterval ?? MIN_INTERVAL, maxPoints: opts.maxPoints, canvas: true,
    shown: () => labels.map((_, i) => at(i)), axis, traces, layout,
  }, opts.env);

  function push(i, rows) {
    const first = firsts[i];
    for (const r of rows) {
      for (const key of KEYS) {
        if (first[key] === undefined && Number.isFinite(r[key])) first[key] = r[key];
        at(i, key).push(r.epoch, r[key]);
      }
    }
  }

  return {
    /** New variants (labels in order): every curve cleared. */
    setVariants(names) {
      labels = [...names];
      firsts = labels.map(() => ({}));
      chart.setLines(labels.length * KEYS.length);
    },
    /** Variant i's curve from these rows {epoch, train, test} (after a reset, or from its history). */
    reset(i, rows = []) {
      if (!firsts[i]) return;
      for (const key of KEYS) at(i, key).clear();
      firsts[i] = {};
      push(i, rows);
      chart.redraw();
    },
    append(i, rows) {
      if (!firsts[i]) return;
      push(i, rows);
      chart.changed();
    },
    /** "train" or "test" cost. */
    setMetric(m) {
      if (!METRICS[m] || m === metric) return;
      metric = m;
      chart.redraw();
    },
    setLogScale: (on) => chart.setLogScale(on),
    setTarget(t) {
      target = t;
      chart.redraw();
    },
  };
}
