// Train/test cost (left axis) and accuracy (right axis) over epochs; bounded points per trace,
// appended with Plotly.extendTraces and redrawn at most once per animation frame.
import { Series } from '../decimate.js';
import { autoResize, baseConfig, baseLayout, classColors, cornerSafe, emptyLayout, everyFrame, lineWidth, logTicks, plotly } from '../plot.js';

const MAX_POINTS = 1000;
const MIN_INTERVAL = 150;  // ms: a curve redrawn ~7× a second looks live; each full Plotly redraw costs 10–15 ms
const KEYS = ['train', 'test', 'trainAcc', 'testAcc'];

/** Creates the chart in `el`; opts: {maxPoints, showAccuracy (default true)}. */
export function createLossChart(el, opts = {}) {
  const div = document.createElement('div');
  div.className = 'nnp-chart-plot';
  el.classList.add('nnp-chart');
  el.replaceChildren(div);
  autoResize(div);
  const series = KEYS.map(() => new Series(opts.maxPoints ?? MAX_POINTS));
  let logScale = false;
  let showAccuracy = opts.showAccuracy ?? true;
  let hasAccuracy = false;
  let needsReact = true;

  function traces(data) {
    const [c0, c1] = classColors(el);
    const width = lineWidth(el);
    const line = (color, dash) => ({ color, width, dash });
    return [
      // short names keep the legend on one row in a narrow column; the axes say cost and accuracy
      { name: 'train', line: line(c1, 'solid'), yaxis: 'y', hovertemplate: 'cost %{y:.4g}' },
      { name: 'test', line: line(c0, 'solid'), yaxis: 'y', hovertemplate: 'cost %{y:.4g}' },
      { name: 'train acc', line: line(c1, 'dot'), yaxis: 'y2', visible: showAccuracy && hasAccuracy },
      { name: 'test acc', line: line(c0, 'dot'), yaxis: 'y2', visible: showAccuracy && hasAccuracy },
    ].map((t, i) => ({ type: 'scatter', mode: 'lines', hovertemplate: '%{y:.4g}', ...t, x: data[i].x, y: data[i].y }));
  }

  let ticks = {};
  let ticksKey = '';

  /** Log-axis ticks follow the cost's range; a change of ticks needs a full redraw. */
  function ticksChanged() {
    if (!logScale) return false;
    ticks = logTicks(Math.min(series[0].lo, series[1].lo), Math.max(series[0].hi, series[1].hi));
    const key = JSON.stringify(ticks);
    if (key === ticksKey) return false;
    ticksKey = key;
    return true;
  }

  function layout() {
    const empty = emptyLayout(series.every((s) => s.length === 0));
    return baseLayout(el, {
      annotations: empty.annotations,
      xaxis: { title: { text: 'epoch', standoff: 2 }, rangemode: 'tozero', ...empty.axis },
      yaxis: { title: { text: 'cost' }, type: logScale ? 'log' : 'linear', rangemode: logScale ? 'normal' : 'tozero',
               exponentformat: 'power', nticks: 5, ...(logScale ? ticks : {}), ...cornerSafe(el), ...empty.axis },
      yaxis2: { title: { text: 'accuracy' }, overlaying: 'y', side: 'right', range: [0, 1.02], fixedrange: true,
                showgrid: false, visible: showAccuracy && hasAccuracy, tickvals: [0, 0.5, 1], ticktext: ['0', '50%', '100%'],
                zeroline: false, automargin: true, ...cornerSafe(el) },
      margin: { l: 48, r: showAccuracy && hasAccuracy ? 48 : 12, t: 2, b: 34 },
      legend: { y: 1, yanchor: 'bottom', x: -0.16, xanchor: 'left' },
      hovermode: 'x unified',
    });
  }

  const draw = everyFrame(() => {
    const P = plotly();
    const changes = series.map((s) => s.drain());
    if (ticksChanged() || needsReact || changes.some((c) => c.rebuild)) {
      needsReact = false;
      P.react(div, traces(series.map((s) => s.plotted())), layout(), baseConfig);
      return;
    }
    const idx = [];
    const update = { x: [], y: [] };
    changes.forEach((c, i) => {
      if (!c.x.length) return;
      idx.push(i); update.x.push(c.x); update.y.push(c.y);
    });
    if (idx.length) P.extendTraces(div, update, idx);
  }, 'lossChart', { minInterval: opts.minInterval ?? MIN_INTERVAL, heavy: true });

  function push(rows) {
    for (const r of rows) {
      series[0].push(r.epoch, r.train);
      series[1].push(r.epoch, r.test);
      series[2].push(r.epoch, r.trainAcc);
      series[3].push(r.epoch, r.testAcc);
      if (!hasAccuracy && (Number.isFinite(r.trainAcc) || Number.isFinite(r.testAcc))) {
        hasAccuracy = true;
        needsReact = true;
      }
    }
  }

  draw();
  return {
    /** Clears the chart; optional rows {epoch, train, test, trainAcc, testAcc} to start from (history). */
    reset(rows = []) {
      series.forEach((s) => s.clear());
      hasAccuracy = false;
      needsReact = true;
      push(rows);
      draw();
    },
    /** Appends rows (any number: one per frame, or a whole history page). */
    append(rows) {
      push(Array.isArray(rows) ? rows : [rows]);
      draw();
    },
    setLogScale(on) {
      logScale = !!on;
      needsReact = true;
      draw();
    },
    setShowAccuracy(on) {
      showAccuracy = !!on;
      needsReact = true;
      draw();
    },
    /** Re-read fonts and colours from the CSS variables (after a theme change). */
    refreshTheme() {
      needsReact = true;
      draw();
    },
  };
}
