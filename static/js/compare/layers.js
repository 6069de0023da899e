// compare/layers.js — every variant's gradient norm layer by layer, ‖dW[l]‖ for l = 1…L on a log axis
// (each the mean over the last 10 epochs, a frame's `layer_grads`), one line a variant in its colour and
// dash: a deep sigmoid network's line falls by orders of magnitude towards layer 1, a ReLU network's
// stays level. The vanishing-gradients lesson opens on it. Not a series over epochs: the whole chart
// is redrawn (Plotly.react) when a norm changed, through the chart-series engine's scheduling (at most
// 4× a second) and its hidden state (views/seriesChart.js).
import { baseLayout, emptyLayout, lineWidth, logTicks } from '../plot.js';
import { createSeriesChart } from '../views/seriesChart.js';
import { variantStyle } from './model.js';

const MIN_INTERVAL = 250;

/** Creates the chart in `el`, hidden until setShown(true); opts: {env}. */
export function createLayerChart(el, opts = {}) {
  let labels = [];
  let norms = [];  // per variant: [‖dW[1]‖, …, ‖dW[L]‖] or null
  const positive = () => norms.flat().filter((g) => g > 0);

  function traces() {
    const width = Math.max(2.25, lineWidth(el));
    const depth = Math.max(0, ...norms.map((n) => n?.length ?? 0));
    const names = Array.from({ length: depth }, (_, l) => (l === depth - 1 ? 'output' : `layer ${l + 1}`));
    return labels.map((label, i) => {
      const { color, dash } = variantStyle(i);
      const y = (norms[i] ?? []).map((g) => (g > 0 ? g : null));  // log axis: zero is not drawable
      return { type: 'scatter', mode: 'lines+markers', name: label, x: names.slice(0, y.length), y,
               line: { color, dash, width }, marker: { color, size: 4 + 2 * width },
               hovertemplate: `${label.replace(/%/g, '%%')}: %{y:.3g}<extra></extra>` };
    });
  }

  function layout() {
    const values = positive();
    const empty = emptyLayout(values.length === 0, 'no updates yet');
    return baseLayout(el, {
      annotations: empty.annotations,
      xaxis: { title: { text: 'layer (input side → output)', standoff: 2 }, type: 'category', ...empty.axis },
      yaxis: { title: { text: '‖dW[l]‖' }, type: 'log', exponentformat: 'power',
               ...(values.length ? logTicks(Math.min(...values), Math.max(...values)) : {}), ...empty.axis },
      margin: { l: 56, r: 12, t: 8, b: 40 },
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.01, yanchor: 'bottom' },
    });
  }

  const chart = createSeriesChart(el, { name: 'compareLayers', minInterval: MIN_INTERVAL, axis: () => ({}), traces, layout },
    opts.env);
  chart.setShown(false);

  return {
    setVariants(names) {
      labels = [...names];
      norms = labels.map(() => null);
      chart.redraw();
    },
    /** A frame's variants, in order: their layer_grads (a REST answer has none: kept as they were). */
    update(variants) {
      let changed = false;
      variants.forEach((v, i) => {
        if (v.layer_grads === undefined || JSON.stringify(norms[i]) === JSON.stringify(v.layer_grads)) return;
        norms[i] = v.layer_grads;
        changed = true;
      });
      if (changed) chart.redraw();
    },
    /** Drawn only while on show (a hidden Plotly chart has no size to draw at). */
    setShown: (on) => chart.setShown(on),
  };
}
