// compare/charts.js — the compare page's chart panel: the variants' cost curves (train or test) or
// their gradient norm by layer, the log-scale box, and the feed that fills the curves (chartFeed.js:
// the history on (re)connect, then frames; epochs the stream skipped from history?since=).
import { plotlyReady } from '../boot.js';
import { comparisonSets, createChartFeed } from '../chartFeed.js';
import { frameRow } from '../decimate.js';
import { compareApi } from './client.js';
import { createCurves } from './curves.js';
import { createLayerChart } from './layers.js';

const $ = (id) => document.getElementById(id);

/**
 * logScale: the log box's first value; onLogScale(on): the box was toggled (the page keeps it in its URL).
 * Returns {show(which), start(r, labels, target, isCurrent), update(variants), frame(f), refill()}.
 */
export function createCharts({ logScale, onLogScale }) {
  const curvesP = plotlyReady.then(() => {
    const curves = createCurves($('curves'));
    curves.setLogScale(logScale);
    return curves;
  });
  const layersP = plotlyReady.then(() => createLayerChart($('layer-chart')));
  const feed = createChartFeed({ history: (id, since) => compareApi.history(id, since), views: curvesP,
    sets: comparisonSets });
  const logBox = $('cmp-log');

  /** The chart on show: "train" or "test" cost over the epochs, or ‖dW[l]‖ by "layers". */
  function show(which) {
    const radio = document.querySelector(`input[name="cmp-metric"][value="${which}"]`);
    if (radio) radio.checked = true;
    $('curves').hidden = which === 'layers';
    if (logBox) logBox.disabled = which === 'layers';
    layersP.then((v) => v.setShown(which === 'layers'));
    if (which !== 'layers') curvesP.then((v) => v.setMetric(which));
    document.documentElement.dataset.chart = which;
    const title = $('curves-title');
    if (title) title.textContent = which === 'layers' ? 'Gradient norm by layer' : 'Cost over the epochs';
  }
  if (logBox) logBox.checked = logScale;
  logBox?.addEventListener('change', () => {
    onLogScale(logBox.checked);
    curvesP.then((v) => v.setLogScale(logBox.checked));
  });
  for (const radio of document.querySelectorAll('input[name="cmp-metric"]')) {
    radio.addEventListener('change', () => { if (radio.checked) show(radio.value); });
  }

  return {
    show,
    /** A new comparison (its REST answer `r`): its variants' names and target, its curves from epoch 0
     *  on; `isCurrent()` false once another one replaced it (Plotly may still be loading). */
    start(r, labels, target, isCurrent) {
      layersP.then((v) => { if (isCurrent()) v.setVariants(labels); });
      curvesP.then((v) => {
        if (!isCurrent()) return;
        v.setVariants(labels);
        v.setTarget(target);
      });
      feed.start(r.id, r.variants.map((v) => frameRow(v)));  // its resets wait for the curves too, after setVariants (registered first)
    },
    /** The layer chart from a frame's variants (a REST answer has no layer_grads: it waits). */
    update(variants) { layersP.then((v) => v.update(variants)); },
    /** A frame's costs: a reset starts the curves over; skipped epochs come from the history. */
    frame: (f) => feed.frame(f),
    /** After a (re)connect: every curve from the server's history. */
    refill: () => feed.refill(),
  };
}
