// state.js — the experiment as plain data, its URL form, and what a change means for the server.
// DOM-free: `node --test tests/js/` runs it. The URL is the serialised state: readable keys for
// the common fields, compact base64url for custom points and weights, defaults left out.

import { decodePoints, decodeWeights, encodePoints, encodeWeights } from "./codec.js";

export { decodePoints, decodeWeights, encodePoints, encodeWeights, roundWeights } from "./codec.js";

// ------------------------------------------------------------------ defaults

/** Mirrors the server's SessionConfig() and limits, for use before (or without) the catalog. */
export const FALLBACK_CATALOG = {
  defaults: {
    dataset: { name: "spiral", n_samples: 500, noise: 0.0, train_ratio: 0.5, seed: 1, classes: null },
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
/** Fields PATCH changes on a live session; everything else of the config needs a new session. */
export const LIVE_KEYS = ["opt", "lr", "hyper", "batch", "reg", "rate", "dropout"];
/** Page-only fields: in the URL, never sent to the server. */
export const VIEW_KEYS = ["showTest", "discretize", "logScale", "speed"];
export const HYPER_NAMES = ["beta", "rho", "eps", "beta1", "beta2"];

/** The default state, from the catalog's defaults (or the built-in mirror of them). */
export function defaultState(catalog = FALLBACK_CATALOG) {
  const d = catalog.defaults ?? FALLBACK_CATALOG.defaults;
  return {
    dataset: d.dataset.name, n: d.dataset.n_samples, noise: d.dataset.noise, ratio: d.dataset.train_ratio,
    dseed: d.dataset.seed, classes: d.dataset.classes ?? null, points: null, labels: null,
    features: [...d.features],
    layers: d.layers.map((l) => ({ units: l.units, activation: l.activation })),
    out: d.output?.activation ?? null, loss: d.loss ?? null,
    opt: d.optimizer.name, lr: d.optimizer.learning_rate, hyper: {},
    batch: d.batch_size, reg: d.regularization.kind, rate: d.regularization.rate,
    dropout: d.dropout, init: d.init, seed: d.seed, weights: null,
    showTest: true, discretize: false, logScale: false, speed: 30,
  };
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
  return null;
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
  if (params) s.hyper = Object.fromEntries(Object.entries(s.hyper).filter(([k]) => params.some((p) => p.name === k)));
  const kind = problemKind(s, catalog);
  const outs = catalog.problems?.[kind]?.outputs;
  if (s.out !== null && outs && !outs.includes(s.out)) s.out = null;
  const out = effectiveOutput(s, catalog).out;
  const loss = (catalog.losses ?? []).find((l) => l.name === s.loss);
  if (s.loss !== null && loss && !loss.outputs.includes(out)) s.loss = null;
  if (s.dataset !== CUSTOM) { s.points = null; s.labels = null; }
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
  return Math.min(Math.max(pyRound(n * state.ratio), 1), n - 1);
}

// ------------------------------------------------------------------ the server's config

/** The SessionConfig JSON for POST api/v1/sessions (weights included when the state has them). */
export function toConfig(state) {
  const dataset = { name: state.dataset, n_samples: state.n, noise: state.noise, train_ratio: state.ratio,
    seed: state.dseed };
  if (state.dataset === CUSTOM) Object.assign(dataset, { points: state.points ?? [], labels: state.labels ?? [] });
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
  return Object.keys(patch).length ? patch : null;
}

/** The state a session's (complete) config describes; page-only fields kept from `base`. */
export function fromConfig(config, base) {
  const d = config.dataset;
  const hyper = {};
  for (const k of HYPER_NAMES) if (k in (base.hyper ?? {})) hyper[k] = config.optimizer[k];
  return {
    ...base, dataset: d.name, n: d.n_samples, noise: d.noise, ratio: d.train_ratio, dseed: d.seed,
    classes: d.classes ?? null, features: [...config.features],
    layers: config.layers.map((l) => ({ units: l.units, activation: l.activation })),
    opt: config.optimizer.name, lr: config.optimizer.learning_rate, hyper,
    batch: config.batch_size, reg: config.regularization.kind, rate: config.regularization.rate,
    dropout: config.dropout, init: config.init, seed: config.seed,
  };
}

function sameJson(a, b) { return JSON.stringify(a) === JSON.stringify(b); }


// ------------------------------------------------------------------ the URL

/** Numbers shown the shortest way that reads back to the same double. */
const num = (x) => String(x);
const DEFAULT_ACT = "tanh";

function defaultActs(defaults, n) {
  const first = defaults.layers[0]?.activation ?? DEFAULT_ACT;
  return Array.from({ length: n }, (_, i) => defaults.layers[i]?.activation ?? first);
}

/** The state as a query string (no leading "?"); fields equal to `defaults` are left out. */
export function toQuery(state, defaults = defaultState()) {
  const q = new URLSearchParams();
  const put = (key, value, dflt) => { if (!sameJson(value, dflt)) q.set(key, value === null ? "" : value); };
  put("dataset", state.dataset, defaults.dataset);
  if (state.dataset === CUSTOM) q.set("pts", encodePoints(state.points ?? [], state.labels ?? []));
  put("n", num(state.n), num(defaults.n));
  put("noise", num(state.noise), num(defaults.noise));
  if (state.classes !== null) q.set("classes", num(state.classes));
  put("ratio", num(state.ratio), num(defaults.ratio));
  put("dseed", num(state.dseed), num(defaults.dseed));
  put("features", state.features.join(","), defaults.features.join(","));
  const units = state.layers.map((l) => l.units), acts = state.layers.map((l) => l.activation);
  if (!sameJson(units, defaults.layers.map((l) => l.units))) q.set("layers", units.length ? units.join(",") : "none");
  if (units.length && !sameJson(acts, defaultActs(defaults, units.length))) {
    q.set("act", acts.every((a) => a === acts[0]) ? acts[0] : acts.join(","));
  }
  if (state.out !== null) q.set("out", state.out);
  if (state.loss !== null) q.set("loss", state.loss);
  put("opt", state.opt, defaults.opt);
  put("lr", num(state.lr), num(defaults.lr));
  for (const k of HYPER_NAMES) if (k in state.hyper) q.set(k, num(state.hyper[k]));
  put("batch", state.batch === null ? "full" : num(state.batch), defaults.batch === null ? "full" : num(defaults.batch));
  put("reg", state.reg, defaults.reg);
  put("rate", num(state.rate), num(defaults.rate));
  put("dropout", num(state.dropout), num(defaults.dropout));
  put("init", state.init, defaults.init);
  put("seed", num(state.seed), num(defaults.seed));
  if (state.weights) q.set("w", encodeWeights(state.weights));
  if (state.showTest !== defaults.showTest) q.set("test", state.showTest ? "1" : "0");
  if (state.discretize !== defaults.discretize) q.set("discrete", state.discretize ? "1" : "0");
  if (state.logScale !== defaults.logScale) q.set("log", state.logScale ? "1" : "0");
  put("speed", state.speed === null ? "max" : num(state.speed), defaults.speed === null ? "max" : num(defaults.speed));
  return q.toString();
}

// --- reading: every value checked; anything invalid falls back to its default, never throws

function number(text, lo, hi, { integer = false, loOpen = false } = {}) {
  if (text === null || text.trim() === "") return undefined;
  const x = Number(text);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) return undefined;
  if (x < lo || x > hi || (loOpen && x === lo)) return undefined;
  return x;
}

const names = (list) => (list ?? []).map((e) => e.name);
const oneOf = (text, list) => (text !== null && list.includes(text) ? text : undefined);

/** Parse a query string (with or without "?") into a complete, valid state; keys missing from the
 *  query keep `base`'s values (the defaults, or a lesson preset's state). */
export function fromQuery(search, catalog = FALLBACK_CATALOG, base = defaultState(catalog)) {
  let q;
  try { q = new URLSearchParams(String(search ?? "")); } catch { return base; }
  const s = { ...base };
  const L = { ...FALLBACK_CATALOG.limits, ...(catalog.limits ?? {}) };
  const pick = (key, value) => { if (value !== undefined) s[key] = value; };
  try { readData(q, s, catalog, L, pick); } catch { Object.assign(s, dataOf(base)); }
  readNetwork(q, s, base, catalog, L, pick);
  readTraining(q, s, base, catalog, L, pick);
  const w = q.get("w");
  if (w) { try { s.weights = decodeWeights(w); } catch { s.weights = null; } }
  if (q.get("test") === "0" || q.get("test") === "1") s.showTest = q.get("test") === "1";
  if (q.get("discrete") === "0" || q.get("discrete") === "1") s.discretize = q.get("discrete") === "1";
  if (q.get("log") === "0" || q.get("log") === "1") s.logScale = q.get("log") === "1";
  if (q.get("speed") === "max") s.speed = null;
  else pick("speed", number(q.get("speed"), 0.1, L.max_epochs_per_second ?? 10000));
  return normalize(s, s, catalog);
}

function dataOf(s) {
  const { dataset, n, noise, ratio, dseed, classes, points, labels } = s;
  return { dataset, n, noise, ratio, dseed, classes, points, labels };
}

function readData(q, s, catalog, L, pick) {
  const sets = catalog.datasets ?? [];
  const name = q.get("dataset");
  if (name === CUSTOM && q.get("pts") !== null) {
    const { points, labels } = decodePoints(q.get("pts"));
    if (points.length <= L.max_custom_points && points.every(([a, b]) => Math.abs(a) <= L.grid_extent && Math.abs(b) <= L.grid_extent)) {
      Object.assign(s, { dataset: CUSTOM, points, labels });
    }
  } else if (name !== CUSTOM) {
    pick("dataset", sets.length ? oneOf(name, names(sets)) : (/^[a-z_]+$/.test(name ?? "") ? name : undefined));
  }
  pick("n", number(q.get("n"), L.min_samples, L.max_samples, { integer: true }));
  pick("noise", number(q.get("noise"), 0, 1));
  pick("ratio", number(q.get("ratio"), 0.1, 0.9));
  pick("dseed", number(q.get("dseed"), 0, SEED_MAX, { integer: true }));
  const range = sets.find((d) => d.name === s.dataset)?.classes;
  if (range) pick("classes", number(q.get("classes"), range.min, range.max, { integer: true }));
}

function readNetwork(q, s, base, catalog, L, pick) {
  const feats = names(catalog.features);
  const f = q.get("features");
  if (f !== null) {
    const wanted = f.split(",").filter((x) => !feats.length || feats.includes(x));
    const ordered = feats.length ? feats.filter((x) => wanted.includes(x)) : [...new Set(wanted)];
    if (ordered.length) s.features = ordered;
  }
  const lt = q.get("layers");
  let units = s.layers.map((l) => l.units);
  if (lt === "none" || lt === "") units = [];
  else if (lt !== null) {
    const parsed = lt.split(",").map((u) => number(u, 1, L.max_units, { integer: true }));
    if (parsed.length <= L.max_layers && parsed.every((u) => u !== undefined)) units = parsed;
  }
  const acts = names(catalog.activations);
  const valid = (a) => (acts.length ? acts.includes(a) : /^[a-z_]+$/.test(a));
  let act = defaultActs(base, units.length);
  const at = q.get("act");
  if (at) {
    const parts = at.split(",");
    if (parts.every(valid) && (parts.length === 1 || parts.length === units.length)) {
      act = units.map((_, i) => parts.length === 1 ? parts[0] : parts[i]);
    }
  }
  s.layers = units.map((u, i) => ({ units: u, activation: act[i] }));
  const outs = names(catalog.output_activations);
  pick("out", outs.length ? oneOf(q.get("out"), outs) : (q.get("out") || undefined));
  const losses = names(catalog.losses);
  pick("loss", losses.length ? oneOf(q.get("loss"), losses) : (q.get("loss") || undefined));
  const inits = names(catalog.initializers);
  pick("init", inits.length ? oneOf(q.get("init"), inits) : (/^[a-z_]+$/.test(q.get("init") ?? "") ? q.get("init") : undefined));
  pick("seed", number(q.get("seed"), 0, SEED_MAX, { integer: true }));
}

function readTraining(q, s, base, catalog, L, pick) {
  const opts = catalog.optimizers ?? [];
  pick("opt", opts.length ? oneOf(q.get("opt"), names(opts)) : undefined);
  pick("lr", number(q.get("lr"), 0, 100, { loOpen: true }));
  const params = opts.find((o) => o.name === s.opt)?.params ?? [];
  const hyper = s.opt === base.opt ? { ...base.hyper } : {};
  for (const p of params) {
    const v = number(q.get(p.name), p.low, p.high);
    if (v !== undefined) hyper[p.name] = v;
  }
  s.hyper = hyper;
  const b = q.get("batch");
  if (b === "full") s.batch = null;
  else pick("batch", number(b, 1, L.max_samples, { integer: true }));
  const regs = names(catalog.regularizers);
  pick("reg", regs.length ? oneOf(q.get("reg"), regs) : undefined);
  pick("rate", number(q.get("rate"), 0, 10));
  pick("dropout", number(q.get("dropout"), 0, 0.9));
}
