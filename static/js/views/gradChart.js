// ‖dW[l]‖ per layer over epochs on a log axis (vanishing/exploding gradients at a glance);
// one line a layer on the chart-series engine (seriesChart.js), as the loss chart. A norm of exactly 0
// (every unit feeding the layer dead: no gradient at all) has no place on a log axis, so it is drawn
// on a row of its own a decade under the smallest norm seen, labelled "0 (dead)": the curves drop
// to it and the chart goes on, instead of silently stopping.
import { baseLayout, cornerSafe, emptyLayout, lineWidth, logTicks, plotFontSize, xTickRoom } from '../plot.js';
import { browserEnv, createSeriesChart, rangeOf } from './seriesChart.js';

const MIN_INTERVAL = 150;  // ms: a curve redrawn ~7× a second looks live (a canvas paint; a Plotly redraw, 10–15 ms, when an axis moves)

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
 *  when some norm was 0; `most`: the labels the axis has room for. */
export function gradTicks(lo, hi, hasZero, most = Infinity) {
  const t = Number.isFinite(lo) ? logTicks(lo, hi, 4, hasZero ? most - 1 : most) : {};  // the zero row's label takes one place
  if (!hasZero) return t;
  const floor = zeroRow(lo);
  return { tickvals: [floor, ...(t.tickvals ?? [])], ticktext: [DEAD_LABEL, ...(t.ticktext ?? [])] };
}

const MARGIN = { l: 52, r: 12, b: 34 };  // px: the y axis' labels and title, the x axis'; the key aligns with the plot
// a chart less tall than this (a 1024×768 projector: ~125 px) whose legend would not fit one row gets
// a one-line key over the plot instead: Plotly's two rows of "layer 1 … layer 4, output" covered half of it
const SMALL_PX = 200;

/** The compact key's contents: the first and last layer's names round a ramp of their colours, the
 *  output's dashed line; [] for no lines. */
export function keyParts(n) {
  if (n < 1) return [];
  const hidden = Array.from({ length: n - 1 }, (_, l) => layerColor(l, n));
  const parts = [];
  if (hidden.length) parts.push({ text: hidden.length > 1 ? `layer 1–${hidden.length}` : 'layer 1', colors: hidden });
  parts.push({ text: 'output', colors: [layerColor(n - 1, n)], dash: true });
  return parts;
}

function fillKey(row, n) {
  row.replaceChildren(...keyParts(n).map(({ text, colors, dash }) => {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = 'nnp-chart-key-swatch';
    swatch.style.background = dash ? `repeating-linear-gradient(90deg, ${colors[0]} 0 6px, transparent 6px 9px)`
      : colors.length > 1 ? `linear-gradient(90deg, ${colors.join(', ')})` : colors[0];  // one colour: no gradient
    item.append(swatch, ` ${text}`);
    return item;
  }));
}

/** Creates the chart in `el`; opts: {maxPoints, minInterval, env}. */
export function createGradChart(el, opts = {}) {
  let lowest = Infinity;  // the lowest positive norm pushed (zeros are drawn a decade under it)
  let zeros = false;  // some norm was exactly 0
  let key = null;  // the compact key's row (browser only), made the first time the chart is small
  const env = opts.env;
  // the chart's box and font as last measured: at a full redraw and when it is resized, not in every
  // draw (a read of its size among a frame's writes is a layout of the page)
  let box = { w: 0, h: 0, font: 12 };
  const measure = () => { box = { w: el.clientWidth || 0, h: el.clientHeight || 0, font: plotFontSize(el) }; };
  const small = () => box.h > 0 && box.h < SMALL_PX;
  // Plotly's legend in one row ("layer 1", "layer 2", "output": each ~7 characters and a swatch) names
  // every line: kept where it fits the plot's width
  const legendFits = (n) => n * (7 * 0.6 * box.font + 40) <= box.w - 64;
  // no more log ticks than labels twice their height fit the chart: a small chart's 1, 0.5, 0.2, 0.1,
  // 0.05, … ran together
  const room = () => (small() ? Math.max(2, Math.floor(box.h / (2 * box.font))) : Infinity);
  measure();

  const onLog = (ys) => (zeros ? ys.map((y) => (y === 0 ? zeroRow(lowest) : y)) : ys);
  const hoverText = (ys) => ys.map((y) => (y === 0 ? DEAD_LABEL : String(+y.toPrecision(3))));

  const chart = createSeriesChart(el, {
    name: 'gradChart', minInterval: opts.minInterval ?? MIN_INTERVAL, maxPoints: opts.maxPoints, canvas: true,
    // the ticks follow the norms' range and the zero row moves with it: a change of ticks takes the
    // lines in full again (a react, or on the canvas a relayout of the ticks), which puts the zeros at
    // their new row
    axis: (lines) => gradTicks(lowest, rangeOf(lines).hi, zeros, room()),
    // hover labels as Plotly formats y, unless some norm is 0 (its row is a stand-in value): then a
    // label a point — ~1,000 strings a line rebuilt at every compaction, 4 times a second at full speed
    points: ({ x, y }) => (zeros ? { x, y: onLog(y), text: hoverText(y) } : { x, y }),
    traces(data) {
      const n = data.length;
      const width = lineWidth(el);
      return data.map((d, l) => ({
        type: 'scatter', mode: 'lines', name: layerName(l, n), hovertemplate: d.text ? '%{text}' : '%{y:.3~g}',
        line: { color: layerColor(l, n), width, dash: l === n - 1 ? 'dash' : 'solid' }, ...d,
      }));
    },
    // what of the layout follows the chart's size: the key or the legend, the ticks (seriesChart redraws
    // when it changes on a resize)
    fits() {
      measure();
      return `${small()} ${legendFits(chart?.count ?? 0)} ${room()} ${xTickRoom(el, MARGIN.l + MARGIN.r)}`;
    },
    layout({ axis, empty: none }) {
      const empty = emptyLayout(none, 'no updates yet');
      const compact = small() && !legendFits(chart.count) && (key ||= (env ?? browserEnv).key?.(el) ?? null) !== null;
      if (key) {
        key.hidden = !compact || none;
        if (compact) {
          Object.assign(key.style, { fontSize: `${Math.max(10, box.font - 2)}px`,  // as Plotly's legend's
                                     left: `${MARGIN.l}px`, right: `${MARGIN.r}px` });
          fillKey(key, chart.count);
        }
      }
      const top = compact && !none ? Math.ceil(box.font * 1.3) : 2;
      return baseLayout(el, {
        annotations: empty.annotations,
        xaxis: { title: { text: 'epoch', standoff: 2 }, nticks: xTickRoom(el, MARGIN.l + MARGIN.r), tickangle: 0, ...empty.axis },
        yaxis: { title: { text: '‖dW‖' }, type: 'log', exponentformat: 'power', ...axis, ...cornerSafe(el), ...empty.axis },
        margin: { ...MARGIN, t: top }, hovermode: 'x unified', legend: { y: 1, yanchor: 'bottom' },
        showlegend: !compact,
      });
    },
  }, env);

  function push(epoch, norms) {
    if (!Array.isArray(norms)) return;
    if (chart.count !== norms.length) chart.setLines(norms.length);  // another network: start over
    norms.forEach((g, l) => {
      if (!(g >= 0) || !Number.isFinite(g)) return;  // null (non-finite on the server), NaN: nothing to draw
      if (g === 0) zeros = true;
      else lowest = Math.min(lowest, g);
      chart.line(l).push(epoch, g);
    });
  }

  chart.setLines(0);
  return {
    /** Clears the chart; optional history: {epoch: [...], grad_norms: [[...] | null, ...]} (GET …/history). */
    reset(history = null) {
      lowest = Infinity;
      zeros = false;
      chart.setLines(0);
      if (history) history.epoch.forEach((e, i) => push(e, history.grad_norms[i]));
    },
    /** One epoch's norms, one per layer (metrics.grad_norms of a frame); a new layer count starts over. */
    append(epoch, norms) {
      push(epoch, norms);
      chart.changed();
    },
    /** Re-read fonts and colours from the CSS variables (after a theme change). */
    refreshTheme: () => chart.redraw(),
  };
}
