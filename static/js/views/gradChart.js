// ‖dW[l]‖ per layer over epochs on a log axis (vanishing/exploding gradients at a glance);
// same bounded series and once-per-animation-frame drawing as the loss chart.
import { Series } from '../decimate.js';
import { autoResize, baseConfig, baseLayout, cornerSafe, emptyLayout, everyFrame, lineWidth, logTicks, plotly } from '../plot.js';

const MAX_POINTS = 1000;
const MIN_INTERVAL = 150;  // ms: a curve redrawn ~7× a second looks live; each full Plotly redraw costs 10–15 ms

/** Sequential blues, first layer palest; the output layer in the palette's orange. */
function layerColor(l, n) {
  if (l === n - 1) return '#D55E00';
  const t = n <= 2 ? 1 : l / (n - 2);
  const light = [158, 202, 225];
  const dark = [8, 48, 107];
  return `rgb(${light.map((v, i) => Math.round(v + (dark[i] - v) * t)).join(',')})`;
}

export const layerName = (l, n) => (l === n - 1 ? 'output' : `layer ${l + 1}`);

export function createGradChart(el, opts = {}) {
  const div = document.createElement('div');
  div.className = 'nnp-chart-plot';
  el.classList.add('nnp-chart');
  el.replaceChildren(div);
  autoResize(div);
  let series = [];
  let needsReact = true;

  function resize(n) {
    if (series.length === n) return;
    series = Array.from({ length: n }, () => new Series(opts.maxPoints ?? MAX_POINTS));
    needsReact = true;
  }

  let ticks = {};
  let ticksKey = '';

  /** Log-axis ticks follow the norms' range; a change of ticks needs a full redraw. */
  function ticksChanged() {
    ticks = logTicks(Math.min(...series.map((s) => s.lo)), Math.max(...series.map((s) => s.hi)));
    const key = JSON.stringify(ticks);
    if (key === ticksKey) return false;
    ticksKey = key;
    return true;
  }

  const draw = everyFrame(() => {
    const P = plotly();
    const changes = series.map((s) => s.drain());
    if (ticksChanged() || needsReact || changes.some((c) => c.rebuild)) {
      needsReact = false;
      const n = series.length;
      const width = lineWidth(el);
      const data = series.map((s, l) => ({
        type: 'scatter', mode: 'lines', name: layerName(l, n), hovertemplate: '%{y:.3g}',
        line: { color: layerColor(l, n), width, dash: l === n - 1 ? 'dash' : 'solid' }, ...s.plotted(),
      }));
      const empty = emptyLayout(series.every((s) => s.length === 0), 'no updates yet');
      P.react(div, data, baseLayout(el, {
        annotations: empty.annotations,
        xaxis: { title: { text: 'epoch', standoff: 2 }, ...empty.axis },
        yaxis: { title: { text: '‖dW‖' }, type: 'log', exponentformat: 'power', ...ticks, ...cornerSafe(el), ...empty.axis },
        margin: { l: 52, r: 12, t: 2, b: 34 }, hovermode: 'x unified', legend: { y: 1, yanchor: 'bottom' },
      }), baseConfig);
      return;
    }
    const idx = [];
    const update = { x: [], y: [] };
    changes.forEach((c, i) => { if (c.x.length) { idx.push(i); update.x.push(c.x); update.y.push(c.y); } });
    if (idx.length) P.extendTraces(div, update, idx);
  }, 'gradChart', { minInterval: opts.minInterval ?? MIN_INTERVAL, heavy: true });

  function push(epoch, norms) {
    if (!Array.isArray(norms)) return;
    resize(norms.length);
    norms.forEach((g, l) => { if (g > 0) series[l].push(epoch, g); });  // log axis: zero is not drawable
  }

  draw();
  return {
    /** Clears the chart; optional history: {epoch: [...], grad_norms: [[...] | null, ...]} (GET …/history). */
    reset(history = null) {
      series = [];
      needsReact = true;
      if (history) history.epoch.forEach((e, i) => push(e, history.grad_norms[i]));
      draw();
    },
    /** One epoch's norms, one per layer (metrics.grad_norms of a frame); a new layer count starts over. */
    append(epoch, norms) {
      push(epoch, norms);
      draw();
    },
    /** Re-read fonts and colours from the CSS variables (after a theme change). */
    refreshTheme() {
      needsReact = true;
      draw();
    },
  };
}
