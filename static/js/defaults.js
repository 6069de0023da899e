// defaults.js — the page's constants and default state: a leaf module (it imports nothing), so
// state.js and query.js can both build on it without importing each other. DOM-free.

/** Mirrors the server's SessionConfig() and limits, for use without the catalog (node tests, a default
 *  argument): every page reads its defaults from GET api/v1/catalog's `defaults` (defaultState(catalog)),
 *  and tests/api/test_api_sessions.py checks this copy against them. */
export const FALLBACK_CATALOG = {
  defaults: {
    dataset: { name: "circle", n_samples: 500, noise: 0.0, train_ratio: 0.5, seed: 1, classes: null },
    features: ["x1", "x2"],
    layers: [{ units: 4, activation: "tanh" }, { units: 2, activation: "tanh" }],
    output: { activation: null }, loss: null,
    optimizer: { name: "sgd", learning_rate: 0.03 },
    batch_size: 10, regularization: { kind: "none", rate: 0.0 }, dropout: 0.0, init: "xavier", seed: 1,
  },
  limits: { max_layers: 8, max_units: 64, max_classes: 5, min_samples: 10, max_samples: 2000,
    max_custom_points: 2000, grid_extent: 6.0, max_epochs_per_second: 10000 },
};

export const SEED_MAX = 2 ** 31 - 1;
export const CUSTOM = "custom";
/** Fields PATCH changes on a live session; everything else of the config needs a new session. The
 *  data seed is one: Regenerate draws new points for the trained network (the TF Playground's way). */
export const LIVE_KEYS = ["opt", "lr", "hyper", "batch", "reg", "rate", "dropout", "dseed"];
/** Page-only fields: in the URL, never sent to the server (`more`: the "More settings" row is open). */
export const VIEW_KEYS = ["showTest", "discretize", "logScale", "speed", "more"];

/** The optimizers' hyperparameter names (β, ρ, ε, β₁, β₂ …) as the catalog describes them: each name
 *  once, in the catalog's order (the order a link writes them in); none without a catalog. */
export function hyperNames(catalog = FALLBACK_CATALOG) {
  const names = (catalog.optimizers ?? []).flatMap((o) => (o.params ?? []).map((p) => p.name));
  return [...new Set(names)];
}

/** The default state, from the catalog's defaults (or the built-in mirror of them). */
export function defaultState(catalog = FALLBACK_CATALOG) {
  const d = catalog.defaults ?? FALLBACK_CATALOG.defaults;
  return {
    dataset: d.dataset.name, n: d.dataset.n_samples, noise: d.dataset.noise, ratio: d.dataset.train_ratio,
    dseed: d.dataset.seed, classes: d.dataset.classes ?? null, points: null, labels: null, split: null,
    features: [...d.features],
    layers: d.layers.map((l) => ({ units: l.units, activation: l.activation })),
    out: d.output?.activation ?? null, loss: d.loss ?? null,
    opt: d.optimizer.name, lr: d.optimizer.learning_rate, hyper: {},
    batch: d.batch_size, reg: d.regularization.kind, rate: d.regularization.rate,
    dropout: d.dropout, init: d.init, seed: d.seed, weights: null,
    showTest: true, discretize: false, logScale: false, speed: 30, more: false,
  };
}

export function sameJson(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
