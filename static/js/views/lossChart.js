// Train/test cost (left axis) and accuracy (right axis) over epochs: four traces on the chart-series
// engine (seriesChart.js in canvas mode: bounded points, curves painted on a canvas, a few times a second).
import { baseLayout, classColors, cornerSafe, emptyLayout, lineWidth, logTicks, xTickRoom } from '../plot.js';
import { createSeriesChart, rangeOf } from './seriesChart.js';

const MIN_INTERVAL = 150;  // ms: a curve redrawn ~7× a second looks live (a canvas paint; a Plotly redraw, 10–15 ms, when an axis moves)
const KEYS = ['train', 'test', 'trainAcc', 'testAcc'];

/** Creates the chart in `el`; opts: {maxPoints, showAccuracy (default true), minInterval, env}. */
export function createLossChart(el, opts = {}) {
  let showAccuracy = opts.showAccuracy ?? true;
  let hasAccuracy = false;
  const accuracyShown = () => showAccuracy && hasAccuracy;

  function traces(data) {
    const [c0, c1] = classColors(el);
    const width = lineWidth(el);
    const line = (color, dash) => ({ color, width, dash });
    return [
      // short names keep the legend on one row in a narrow column; the axes say cost and accuracy
      { name: 'train', line: line(c1, 'solid'), yaxis: 'y', hovertemplate: 'cost %{y:.4g}' },
      { name: 'test', line: line(c0, 'solid'), yaxis: 'y', hovertemplate: 'cost %{y:.4g}' },
      { name: 'train acc', line: line(c1, 'dot'), yaxis: 'y2', visible: accuracyShown() },
      { name: 'test acc', line: line(c0, 'dot'), yaxis: 'y2', visible: accuracyShown() },
    ].map((t, i) => ({ type: 'scatter', mode: 'lines', hovertemplate: '%{y:.4g}', ...t, x: data[i].x, y: data[i].y }));
  }

  // the y axes' room: the cost's on the left, the accuracy's (when shown) on the right
  const margin = () => ({ l: 48, r: accuracyShown() ? 48 : 12, t: 2, b: 34 });
  // as many level x labels as the width between them holds
  const xLabels = () => { const m = margin(); return xTickRoom(el, m.l + m.r); };

  function layout({ axis, empty: none, log }) {
    const empty = emptyLayout(none);
    return baseLayout(el, {
      annotations: empty.annotations,
      xaxis: { title: { text: 'epoch', standoff: 2 }, rangemode: 'tozero', nticks: xLabels(), tickangle: 0, ...empty.axis },
      yaxis: { title: { text: 'cost' }, type: log ? 'log' : 'linear', rangemode: log ? 'normal' : 'tozero',
               exponentformat: 'power', nticks: 5, ...axis, ...cornerSafe(el), ...empty.axis },
      yaxis2: { title: { text: 'accuracy' }, overlaying: 'y', side: 'right', range: [0, 1.02], fixedrange: true,
                showgrid: false, visible: accuracyShown(), tickvals: [0, 0.5, 1], ticktext: ['0', '50%', '100%'],
                zeroline: false, automargin: true, ...cornerSafe(el) },
      margin: margin(),
      legend: { y: 1, yanchor: 'bottom', x: -0.16, xanchor: 'left' },
      hovermode: 'x unified',
    });
  }

  const chart = createSeriesChart(el, {
    name: 'lossChart', minInterval: opts.minInterval ?? MIN_INTERVAL, maxPoints: opts.maxPoints, canvas: true, traces, layout,
    fits: () => String(xLabels()),  // a resize that changes it redraws the chart
    // log ticks follow the cost (the first two lines); the accuracy has an axis of its own
    axis(lines, log) {
      if (!log) return {};
      const { lo, hi } = rangeOf(lines.slice(0, 2));
      return logTicks(lo, hi);
    },
  }, opts.env);
  chart.setLines(KEYS.length);

  function push(rows) {
    for (const r of rows) {
      KEYS.forEach((k, i) => chart.line(i).push(r.epoch, r[k]));
      if (!hasAccuracy && (Number.isFinite(r.trainAcc) || Number.isFinite(r.testAcc))) {
        hasAccuracy = true;
        chart.redraw();  // the accuracy's axis and legend appear
      }
    }
  }

  return {
    /** Clears the chart; optional rows {epoch, train, test, trainAcc, testAcc} to start from (history). */
    reset(rows = []) {
      hasAccuracy = false;
      chart.clear();
      push(rows);
    },
    /** Appends rows (any number: one per frame, or a whole history page). */
    append(rows) {
      push(Array.isArray(rows) ? rows : [rows]);
      chart.changed();
    },
    setLogScale: (on) => chart.setLogScale(on),
    setShowAccuracy(on) {
      showAccuracy = !!on;
      chart.redraw();
    },
    /** Re-read fonts and colours from the CSS variables (after a theme change). */
    refreshTheme: () => chart.redraw(),
  };
}
