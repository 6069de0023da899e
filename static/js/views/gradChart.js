// ‖dW[l]‖ per layer over epochs on a log axis (vanishing/exploding gradients at a glance);
// same bounded series and once-per-animation-frame drawing as the loss chart. A norm of exactly 0
// (every unit feeding the layer dead: no gradient at all) has no place on a log axis, so it is drawn
// on a row of its own a decade under the smallest norm seen, labelled "0 (dead)": the curves drop
// to it and the chart goes on, instead of silently stopping.
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
export const DEAD_LABEL = '0 (dead)';

/** Where zeros are drawn: a decade under the lowest positive norm's decade (1e-3 when none yet). */
export function zeroRow(lowestPositive) {
  return Number.isFinite(lowestPositive) && lowestPositive > 0 ? Number(`1e${Math.floor(Math.log10(lowestPositive)) - 1}`) : 1e-3;
}

/** Log-axis ticks for norms in [lo, hi] (lo: the lowest positive one), with the zero row's own tick
 *  when some norm was 0. */
export function gradTicks(lo, hi, hasZero) {
  const t = Number.isFinite(lo) ? logTicks(lo, hi) : {};
  if (!hasZero) return t;
  const floor = zeroRow(lo);
  return { tickvals: [floor, ...(t.tickvals ?? [])], ticktext: [DEAD_LABEL, ...(t.ticktext ?? [])] };
}

export function createGradChart(el, opts = {}) {
  const div = document.createElement('div');
  div.className = 'nnp-chart-plot';
  el.classList.add('nnp-chart');
  el.replaceChildren(div);
  autoResize(div);
  let series = [];
  let needsReact = true;
  let lowest = Infinity;  // the lowest positive norm pushed (zeros are drawn a decade under it)
  let zeros = false;  // some norm was exactly 0

  function resize(n) {
    if (series.length === n) return;
    series = Array.from({ length: n }, () => new Series(opts.maxPoints ?? MAX_POINTS));
    needsReact = true;
  }

  let ticks = {};
  let ticksKey = '';

  /** Log-axis ticks follow the norms' range (and the zero row moves with it); a change of ticks
   *  needs a full redraw, which redraws the zeros at their new row. */
  function ticksChanged() {
    ticks = gradTicks(lowest, Math.max(...series.map((s) => s.hi)), zeros);
    const key = JSON.stringify(ticks);
    if (key === ticksKey) return false;
    ticksKey = key;
    return true;
  }

  const onLog = (ys) => (zeros ? ys.map((y) => (y === 0 ? zeroRow(lowest) : y)) : ys);
  const hoverText = (ys) => ys.map((y) => (y === 0 ? DEAD_LABEL : String(+y.toPrecision(3))));

  const draw = everyFrame(() => {
    const P = plotly();
    const changes = series.map((s) => s.drain());
    if (ticksChanged() || needsReact || changes.some((c) => c.rebuild)) {
      needsReact = false;
      const n = series.length;
      const width = lineWidth(el);
      const data = series.map((s, l) => ({
        type: 'scatter', mode: 'lines', name: layerName(l, n), hovertemplate: '%{text}',
        line: { color: layerColor(l, n), width, dash: l === n - 1 ? 'dash' : 'solid' }, ...plottedOnLog(s),
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
    const update = { x: [], y: [], text: [] };
    changes.forEach((c, i) => {
      if (c.x.length) { idx.push(i); update.x.push(c.x); update.y.push(onLog(c.y)); update.text.push(hoverText(c.y)); }
    });
    if (idx.length) P.extendTraces(div, update, idx);
  }, 'gradChart', { minInterval: opts.minInterval ?? MIN_INTERVAL, heavy: true });

  function plottedOnLog(s) {
    const p = s.plotted();
    return { x: p.x, y: onLog(p.y), text: hoverText(p.y) };
  }

  function push(epoch, norms) {
    if (!Array.isArray(norms)) return;
    resize(norms.length);
    norms.forEach((g, l) => {
      if (!(g >= 0) || !Number.isFinite(g)) return;  // null (non-finite on the server), NaN: nothing to draw
      if (g === 0) zeros = true;
      else lowest = Math.min(lowest, g);
      series[l].push(epoch, g);
    });
  }

  draw();
  return {
    /** Clears the chart; optional history: {epoch: [...], grad_norms: [[...] | null, ...]} (GET …/history). */
    reset(history = null) {
      series = [];
      lowest = Infinity;
      zeros = false;
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
