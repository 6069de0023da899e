// compare/layers.js — every variant's gradient norm layer by layer, ‖dW[l]‖ for l = 1…L on a log axis
// (each the mean over the last 10 epochs, a frame's `layer_grads`), one line a variant in its colour and
// dash: a deep sigmoid network's line falls by orders of magnitude towards layer 1, a ReLU network's
// stays level. The vanishing-gradients lesson opens on it. Redrawn (Plotly.react) at most 4× a second.
import { autoResize, baseConfig, baseLayout, emptyLayout, everyFrame, logTicks, plotly } from '../plot.js';
import { variantStyle } from './model.js';

const MIN_INTERVAL = 250;

export function createLayerChart(el) {
  const div = document.createElement('div');
  div.className = 'nnp-chart-plot';
  el.classList.add('nnp-chart');
  el.replaceChildren(div);
  autoResize(div);
  let labels = [];
  let norms = [];  // per variant: [‖dW[1]‖, …, ‖dW[L]‖] or null
  let shown = false;

  const cssNumber = (name) => parseFloat(getComputedStyle(el).getPropertyValue(name)) || 0;

  const draw = everyFrame(() => {
    if (!shown) return;
    const width = Math.max(2.25, cssNumber('--line-width'));
    const depth = Math.max(0, ...norms.map((n) => n?.length ?? 0));
    const names = Array.from({ length: depth }, (_, l) => (l === depth - 1 ? 'output' : `layer ${l + 1}`));
    const data = labels.map((label, i) => {
      const { color, dash } = variantStyle(i);
      const y = (norms[i] ?? []).map((g) => (g > 0 ? g : null));  // log axis: zero is not drawable
      return { type: 'scatter', mode: 'lines+markers', name: label, x: names.slice(0, y.length), y,
               line: { color, dash, width }, marker: { color, size: 4 + 2 * width },
               hovertemplate: `${label.replace(/%/g, '%%')}: %{y:.3g}<extra></extra>` };
    });
    const values = norms.flat().filter((g) => g > 0);
    const empty = emptyLayout(values.length === 0, 'no updates yet');
    plotly().react(div, data, baseLayout(el, {
      annotations: empty.annotations,
      xaxis: { title: { text: 'layer (input side → output)', standoff: 2 }, type: 'category', ...empty.axis },
      yaxis: { title: { text: '‖dW[l]‖' }, type: 'log', exponentformat: 'power',
               ...(values.length ? logTicks(Math.min(...values), Math.max(...values)) : {}), ...empty.axis },
      margin: { l: 56, r: 12, t: 8, b: 40 },
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.01, yanchor: 'bottom' },
    }), baseConfig);
  }, 'compareLayers', { minInterval: MIN_INTERVAL, heavy: true });

  return {
    setVariants(names) {
      labels = [...names];
      norms = labels.map(() => null);
      draw();
    },
    /** A frame's variants, in order: their layer_grads (a REST answer has none: kept as they were). */
    update(variants) {
      let changed = false;
      variants.forEach((v, i) => {
        if (v.layer_grads === undefined || JSON.stringify(norms[i]) === JSON.stringify(v.layer_grads)) return;
        norms[i] = v.layer_grads;
        changed = true;
      });
      if (changed) draw();
    },
    /** Drawn only while on show (a hidden Plotly chart has no size to draw at). */
    setShown(on) {
      shown = !!on;
      el.hidden = !shown;
      if (shown) draw();
    },
  };
}
