// disclosure.js — progressive disclosure for week 1 (issue 12), DOM-free: which settings wait behind
// "More settings", what they say when they differ from the defaults, and when the metrics' data term
// means something. `node --test tests/js/` runs it.

/** The "More settings" row, closed: what differs from the defaults there, so nothing a lesson or a link
 *  set is hidden silently ("Adam · L2 λ = 0.01 · dropout 20%"); "" when all are at their defaults. */
export function advancedSummary(state, defaults, catalog = {}) {
  const label = (list, name) => (catalog[list] ?? []).find((x) => x.name === name)?.label ?? name;
  const parts = [];
  if (state.opt !== defaults.opt || Object.keys(state.hyper ?? {}).length) parts.push(label("optimizers", state.opt));
  if (state.batch !== defaults.batch) parts.push(state.batch === null ? "full batch" : `batch ${state.batch}`);
  if (state.reg !== "none") parts.push(`${label("regularizers", state.reg)} λ = ${state.rate}`);
  if (state.dropout > 0) parts.push(`dropout ${Math.round(state.dropout * 100)}%`);
  if (state.init !== defaults.init) parts.push(`${label("initializers", state.init)} init`);
  if (state.seed !== defaults.seed) parts.push(`seed ${state.seed}`);
  if (state.out !== null) parts.push(`${label("output_activations", state.out)} output`);
  if (state.loss !== null) parts.push(label("losses", state.loss));
  return parts.join(" · ");
}

/** Whether the cost J differs from its data term (1/m)·Σ L: only with a regulariser of some strength.
 *  Without one the two columns would show the same numbers, so the page shows J alone. */
export const hasPenalty = (state) => state.reg !== "none" && state.rate > 0;
