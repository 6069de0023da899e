// state.js — the experiment as plain data, its URL form, and what a change means for the server.
// DOM-free: `node --test tests/js/` runs it. The URL is the serialised state (query.js's table of keys:
// readable keys for the common fields, compact base64url for custom points and weights, defaults left out).

export { decodePoints, decodeSplit, decodeWeights, encodePoints, encodeSplit, encodeWeights, roundWeights } from "./codec.js";
// constants and defaults live in the leaf module defaults.js (query.js builds on them too: no import circle)
export {
  CUSTOM, defaultState, FALLBACK_CATALOG, hyperNames, LIVE_KEYS, sameJson, SEED_MAX, VIEW_KEYS,
} from "./defaults.js";
export { toQuery, URL_KEYS } from "./query.js";

import { CUSTOM, FALLBACK_CATALOG, defaultState, hyperNames, sameJson } from "./defaults.js";
import { readQuery } from "./query.js";

/** The learning rate a diverged or bouncing run starts again with (the banner's button). */
export const lowerRate = (lr) => Number((lr / 10).toPrecision(6));

/** Parse a query string (with or without "?") into a complete, valid state; keys missing from the
 *  query keep `base`'s values (the defaults, or a lesson preset's state). The keys: query.js's URL_KEYS. */
export function fromQuery(search, catalog = FALLBACK_CATALOG, base = defaultState(catalog)) {
  const s = readQuery(search, catalog, base);
  return s === base ? base : normalize(s, s, catalog);
}

// ------------------------------------------------------------------ store

/** A tiny store: `set(patch)` merges, runs `normalize(prev, next)` if given, then tells subscribers. */
export function createStore(initial, { normalize } = {}) {
  let state = initial;
  const subs = new Set();
  return {
    get: () => state,
    set(patch) {
      const prev = state;
      const merged = { ...prev, ...patch };
      state = normalize ? normalize(prev, merged) : merged;
      for (const fn of [...subs]) fn(state, prev);
    },
    subscribe(fn) { subs.add(fn); return () => subs.delete(fn); },
  };
}

// ------------------------------------------------------------------ problem kind

/** "binary", "multiclass" or "regression", as the server decides it (custom: from the labels). */
export function problemKind(state, catalog = FALLBACK_CATALOG) {
  if (state.dataset === CUSTOM) return labelsKind(state.labels ?? [], catalog.limits?.max_classes ?? 5);
  return (catalog.datasets ?? []).find((d) => d.name === state.dataset)?.kind ?? "binary";
}

function labelsKind(labels, maxClasses) {
  const whole = labels.length > 0 && labels.every((y) => Number.isInteger(y) && y >= 0 && y <= maxClasses - 1);
  if (!whole) return labels.length ? "regression" : "binary";
  return Math.max(...labels) + 1 > 2 ? "multiclass" : "binary";
}

/** Classes of the problem (0 for regression). */
export function classCount(state, catalog = FALLBACK_CATALOG) {
  const kind = problemKind(state, catalog);
  if (kind === "regression") return 0;
  if (state.dataset === CUSTOM) return Math.max(2, ...(state.labels ?? []).map((y) => y + 1));
  if (kind === "binary") return 2;
  const range = (catalog.datasets ?? []).find((d) => d.name === state.dataset)?.classes;
  return state.classes ?? range?.default ?? 3;
}

/** Why custom data cannot make a session yet, or null when it can. */
export function customProblem(state) {
  if (state.dataset !== CUSTOM) return null;
  const labels = state.labels ?? [];
  if (labels.length < 4) return `add at least 4 points (${labels.length} so far)`;
  if (new Set(labels).size < 2 && labels.every(Number.isInteger)) return "add points of at least two classes";
  const split = state.split;
  if (split && !split.includes("test")) return "add at least one test point (draw as “Test”)";
  if (split && !split.includes("train")) return "add at least one training point (draw as “Training”)";
  return null;
}

/** Own points' parts ("train" / "test"), one per point: the state's, else (an older link, a CSV)
 *  every k-th point a test point, as many as the training ratio leaves for testing. */
export function splitOf(state) {
  const n = (state.labels ?? []).length;
  if (Array.isArray(state.split) && state.split.length === n) return state.split;
  const rest = 1 - state.ratio;
  return Array.from({ length: n }, (_, i) => (Math.floor((i + 1) * rest + 1e-9) > Math.floor(i * rest + 1e-9) ? "test" : "train"));
}

/** The output activation and loss in effect (the state's, or what the problem defaults to). */
export function effectiveOutput(state, catalog = FALLBACK_CATALOG) {
  const kind = problemKind(state, catalog);
  const problem = catalog.problems?.[kind];
  const out = state.out ?? problem?.default_output ?? { binary: "sigmoid", multiclass: "softmax" }[kind] ?? "linear";
  const loss = state.loss ?? catalog.default_loss?.[out] ?? { sigmoid: "bce", softmax: "cross_entropy" }[out] ?? "mse";
  return { kind, out, loss };
}

// ------------------------------------------------------------------ normalising a change

/** Keep a changed state consistent: output/loss fit the problem, stale hyper and weights dropped. */
export function normalize(prev, next, catalog = FALLBACK_CATALOG) {
  const s = { ...next };
  if (s.opt !== prev.opt && s.hyper === prev.hyper) s.hyper = {};
  const params = (catalog.optimizers ?? []).find((o) => o.name === s.opt)?.params;
  // only the chosen optimizer's parameters, in the catalog's order (so a link always lists them alike)
  if (params) {
    s.hyper = Object.fromEntries(hyperNames(catalog).filter((k) => k in s.hyper && params.some((p) => p.name === k))
      .map((k) => [k, s.hyper[k]]));
  }
  const kind = problemKind(s, catalog);
  const outs = catalog.problems?.[kind]?.outputs;
  if (s.out !== null && outs && !outs.includes(s.out)) s.out = null;
  const out = effectiveOutput(s, catalog).out;
  const loss = (catalog.losses ?? []).find((l) => l.name === s.loss);
  if (s.loss !== null && loss && !loss.outputs.includes(out)) s.loss = null;
  if (s.dataset !== CUSTOM) { s.points = null; s.labels = null; s.split = null; }
  const range = (catalog.datasets ?? []).find((d) => d.name === s.dataset)?.classes;
  if (catalog.datasets && !range) s.classes = null;
  if (s.weights && s.weights === prev.weights && sessionKey(s) !== sessionKey(prev)) s.weights = null;
  return s;
}

/** Python's round(): halves to even, as the server splits round(n·ratio) points off for training. */
function pyRound(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The batch size to send: the state's, or the whole training set when that is smaller. */
export function effectiveBatch(state) {
  const n = trainCount(state);
  return state.batch !== null && n > 0 && state.batch > n ? n : state.batch;
}

/** Training points the server will keep (0 when custom data is not usable yet). */
export function trainCount(state) {
  const n = state.dataset === CUSTOM ? (state.labels ?? []).length : state.n;
  if (n < 2) return 0;
  // own points drawn as training or test points: the server trains on those drawn as training points
  if (state.dataset === CUSTOM && Array.isArray(state.split) && state.split.length === n) {
    return state.split.filter((p) => p === "train").length;
  }
  return Math.min(Math.max(pyRound(n * state.ratio), 1), n - 1);
}

// ------------------------------------------------------------------ the server's config

/** The SessionConfig JSON for POST api/v1/sessions (weights included when the state has them). */
export function toConfig(state) {
  const dataset = { name: state.dataset, n_samples: state.n, noise: state.noise, train_ratio: state.ratio,
    seed: state.dseed };
  if (state.dataset === CUSTOM) {
    Object.assign(dataset, { points: state.points ?? [], labels: state.labels ?? [] });
    if (state.split) dataset.split = state.split;
  }
  else if (state.classes !== null) dataset.classes = state.classes;
  const config = {
    dataset, features: [...state.features],
    layers: state.layers.map((l) => ({ units: l.units, activation: l.activation })),
    output: { activation: state.out }, loss: state.loss,
    optimizer: { name: state.opt, learning_rate: state.lr, ...state.hyper },
    batch_size: effectiveBatch(state), regularization: { kind: state.reg, rate: state.rate },
    dropout: state.dropout, init: state.init, seed: state.seed,
  };
  if (state.weights) config.weights = { layers: state.weights };
  return config;
}

/** A string that changes exactly when the change needs a new session (POST) rather than a PATCH. */
export function sessionKey(state) {
  const c = toConfig({ ...state, weights: null });
  for (const k of ["optimizer", "batch_size", "regularization", "dropout"]) delete c[k];
  delete c.dataset.seed;  // PATCH dataset.seed: new points, the same network
  return JSON.stringify(c);
}

/** The PATCH body for live settings that differ between two states, or null when none do. */
export function livePatch(prev, next) {
  const patch = {};
  if (prev.opt !== next.opt || prev.lr !== next.lr || !sameJson(prev.hyper, next.hyper)) {
    patch.optimizer = { name: next.opt, learning_rate: next.lr, ...next.hyper };
  }
  if (prev.reg !== next.reg || prev.rate !== next.rate) patch.regularization = { kind: next.reg, rate: next.rate };
  if (effectiveBatch(prev) !== effectiveBatch(next)) patch.batch_size = effectiveBatch(next);
  if (prev.dropout !== next.dropout) patch.dropout = next.dropout;
  if (prev.dseed !== next.dseed) patch.dataset = { seed: next.dseed };
  return Object.keys(patch).length ? patch : null;
}

/** The state a session's (complete) config describes; page-only fields kept from `base`. */
export function fromConfig(config, base) {
  const d = config.dataset;
  const hyper = {};
  for (const k of Object.keys(base.hyper ?? {})) hyper[k] = config.optimizer[k];
  return {
    ...base, dataset: d.name, n: d.n_samples, noise: d.noise, ratio: d.train_ratio, dseed: d.seed,
    classes: d.classes ?? null, features: [...config.features],
    layers: config.layers.map((l) => ({ units: l.units, activation: l.activation })),
    opt: config.optimizer.name, lr: config.optimizer.learning_rate, hyper,
    batch: config.batch_size, reg: config.regularization.kind, rate: config.regularization.rate,
    dropout: config.dropout, init: config.init, seed: config.seed,
  };
}
