// query.js — a state as the playground's query string and back: readable keys for the common fields,
// compact base64url (codec.js) for custom points and weights, fields equal to the defaults left out;
// reading never throws, anything invalid keeps its default. DOM-free; state.js re-exports both.

import { decodePoints, decodeSplit, decodeWeights, encodePoints, encodeSplit, encodeWeights } from "./codec.js";
import { CUSTOM, defaultState, FALLBACK_CATALOG, HYPER_NAMES, normalize, sameJson, SEED_MAX } from "./state.js";

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
  if (state.dataset === CUSTOM && state.split) q.set("split", encodeSplit(state.split));
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
  if (!!state.more !== !!defaults.more) q.set("more", state.more ? "1" : "0");
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
  if (q.get("more") === "0" || q.get("more") === "1") s.more = q.get("more") === "1";
  if (q.get("speed") === "max") s.speed = null;
  else pick("speed", number(q.get("speed"), 0.1, L.max_epochs_per_second ?? 10000));
  return normalize(s, s, catalog);
}

function dataOf(s) {
  const { dataset, n, noise, ratio, dseed, classes, points, labels, split } = s;
  return { dataset, n, noise, ratio, dseed, classes, points, labels, split };
}

function readData(q, s, catalog, L, pick) {
  const sets = catalog.datasets ?? [];
  const name = q.get("dataset");
  if (name === CUSTOM && q.get("pts") !== null) {
    const { points, labels } = decodePoints(q.get("pts"));
    if (points.length <= L.max_custom_points && points.every(([a, b]) => Math.abs(a) <= L.grid_extent && Math.abs(b) <= L.grid_extent)) {
      Object.assign(s, { dataset: CUSTOM, points, labels });
      try { s.split = q.get("split") === null ? null : decodeSplit(q.get("split"), points.length); } catch { s.split = null; }
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
