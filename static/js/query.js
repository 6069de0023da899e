// query.js — a state as the playground's query string and back, both driven by one table, URL_KEYS:
// each row names the URL key, the state field it carries and its type (how the value is written, and
// how a text is checked on reading). Fields equal to the defaults are left out; reading never throws,
// anything invalid keeps its default. DOM-free; imports only leaf modules (defaults.js, codec.js), and
// state.js re-exports toQuery and builds fromQuery (this reading, normalised) on readQuery.

import { decodePoints, decodeSplit, decodeWeights, encodePoints, encodeSplit, encodeWeights } from "./codec.js";
import { CUSTOM, defaultState, FALLBACK_CATALOG, SEED_MAX } from "./defaults.js";

// ------------------------------------------------------------------ types
// A type: write(value) → text, and read(text, ctx) → the value, or undefined when the text is not a
// valid one (a read that throws counts as invalid). ctx = {q: the URLSearchParams, catalog, limits,
// base: the state keys missing from the query keep, s: the state read so far (rows read in order)}.

/** A bound: a number, the name of a catalog limit, or a function of ctx. */
const bound = (b, ctx) => (typeof b === "string" ? ctx.limits[b] : typeof b === "function" ? b(ctx) : b);

/** A number in [lo, hi] (lo excluded with loOpen), written the shortest way that reads back the same. */
function number(lo, hi, { integer = false, loOpen = false } = {}) {
  return {
    write: (x) => String(x),
    read(text, ctx) {
      if (text.trim() === "") return undefined;
      const x = Number(text), min = bound(lo, ctx), max = bound(hi, ctx);
      if (!Number.isFinite(x) || (integer && !Number.isInteger(x)) || min === undefined || max === undefined) return undefined;
      return x < min || x > max || (loOpen && x === min) ? undefined : x;
    },
  };
}
const int = (lo, hi) => number(lo, hi, { integer: true });

/** null written as `word` (batch=full, speed=max), any other value as `type`. */
const orWord = (word, type) => ({
  write: (v) => (v === null ? word : type.write(v)),
  read: (text, ctx) => (text === word ? null : type.read(text, ctx)),
});

/** A page toggle: 1 or 0. */
const flag = {
  write: (v) => (v ? "1" : "0"),
  read: (text) => (text === "1" ? true : text === "0" ? false : undefined),
};

const names = (list) => (list ?? []).map((e) => e.name);
const NAME_LIKE = /^[a-z_]+$/;

/** A name from one of the catalog's registries; without that registry (a test's catalog, the fallback),
 *  any name-like text when `loose`, else none. */
const registryName = (registry, { loose = false } = {}) => ({
  write: (v) => v,
  read(text, ctx) {
    const known = names(ctx.catalog[registry]);
    if (known.length) return known.includes(text) ? text : undefined;
    return loose && NAME_LIKE.test(text) ? text : undefined;
  },
});

/** Own points and labels, base64url (codec.js), within the server's limits on count and extent. */
const ownPoints = {
  write: ({ points, labels }) => encodePoints(points ?? [], labels ?? []),
  read(text, ctx) {
    const { points, labels } = decodePoints(text);
    const inside = points.every(([a, b]) => Math.abs(a) <= ctx.limits.grid_extent && Math.abs(b) <= ctx.limits.grid_extent);
    return points.length <= ctx.limits.max_custom_points && inside ? { points, labels } : undefined;
  },
};

/** A generated data set by name, or "custom" — only together with own points that read. */
const dataset = {
  write: (v) => v,
  read(text, ctx) {
    if (text !== CUSTOM) return registryName("datasets", { loose: true }).read(text, ctx);
    return tryRead(ownPoints, ctx.q.get("pts"), ctx) === undefined ? undefined : CUSTOM;
  },
};

/** Own points' train/test parts, a bit a point (codec.js), for the points read before them. */
const ownSplit = {
  write: encodeSplit,
  read: (text, ctx) => decodeSplit(text, (ctx.s.points ?? []).length),
};

/** The features switched on: known names, in the catalog's order. */
const featureList = {
  write: (v) => v.join(","),
  read(text, ctx) {
    const known = names(ctx.catalog.features);
    const wanted = text.split(",").filter((x) => !known.length || known.includes(x));
    const ordered = known.length ? known.filter((x) => wanted.includes(x)) : [...new Set(wanted)];
    return ordered.length ? ordered : undefined;
  },
};

const DEFAULT_ACT = "tanh";
/** The activations `n` hidden layers have when the URL names none: the defaults' (`base`'s), layer by layer. */
function defaultActs(base, n) {
  const first = base.layers[0]?.activation ?? DEFAULT_ACT;
  return Array.from({ length: n }, (_, i) => base.layers[i]?.activation ?? first);
}

/** The hidden layers' sizes (layers=8,3; "none": no hidden layer); each layer the base's activation. */
const hiddenUnits = {
  write: (layers) => (layers.length ? layers.map((l) => l.units).join(",") : "none"),
  read(text, ctx) {
    const units = text === "none" || text === "" ? [] : text.split(",").map((u) => int(1, "max_units").read(u, ctx));
    if (units.length > ctx.limits.max_layers || units.some((u) => u === undefined)) return undefined;
    const acts = defaultActs(ctx.base, units.length);
    return units.map((u, i) => ({ units: u, activation: acts[i] }));
  },
};

/** The hidden layers' activations (act=relu: one for all; act=relu,tanh: one a layer). */
const activations = {
  write(layers) {
    const acts = layers.map((l) => l.activation);
    return acts.every((a) => a === acts[0]) ? acts[0] : acts.join(",");
  },
  read(text, ctx) {
    const parts = text.split(","), layers = ctx.s.layers;
    const one = registryName("activations", { loose: true });
    if (!parts.every((a) => one.read(a, ctx) !== undefined)) return undefined;
    if (parts.length !== 1 && parts.length !== layers.length) return undefined;
    return layers.map((l, i) => ({ units: l.units, activation: parts.length === 1 ? parts[0] : parts[i] }));
  },
};

/** The chosen optimizer's hyperparameters, a key each under the catalog's own name (beta1=0.8&eps=1e-7),
 *  each within the catalog's range for it. A multi-key type: entries(value) → [[key, text]] to write,
 *  readAll(ctx) → the value. Another optimizer than the base's starts from none. */
const optimizerParams = {
  entries: (hyper) => Object.entries(hyper ?? {}).map(([k, v]) => [k, String(v)]),
  readAll(ctx) {
    const params = (ctx.catalog.optimizers ?? []).find((o) => o.name === ctx.s.opt)?.params ?? [];
    const hyper = ctx.s.opt === ctx.base.opt ? { ...ctx.base.hyper } : {};
    for (const p of params) {
      const v = ONE_KEY.has(p.name) ? undefined : tryRead(number(p.low, p.high), ctx.q.get(p.name), ctx);
      if (v !== undefined) hyper[p.name] = v;
    }
    return hyper;
  },
};

const weights = { write: encodeWeights, read: (text) => decodeWeights(text) };

// ------------------------------------------------------------------ the table

/**
 * The URL's keys, in the order a link writes them (and they are read: a row may look at the state read
 * so far — classes at the data set, act at the layers, the parameters at the optimizer).
 * Row: {key, field (a state field, or several carried by one key), type, and optionally
 *   when(state): the row applies only then, in writing and reading;
 *   write: "changed" (the default: when its text differs from the defaults'), "set" (when not null),
 *          "always";
 *   dflt(defaults, state): the default to compare with, when not the defaults' own field;
 *   invalid: the value an invalid text gives (else the base's stays);
 *   resets: fields a read of this key starts over}.
 * tests/js/query-table.test.mjs round-trips every row, so a key cannot be written and not read.
 */
export const URL_KEYS = Object.freeze([
  { key: "dataset", field: "dataset", type: dataset },
  { key: "pts", field: ["points", "labels"], type: ownPoints, when: (s) => s.dataset === CUSTOM, write: "always",
    resets: { split: null } },
  { key: "split", field: "split", type: ownSplit, when: (s) => s.dataset === CUSTOM, write: "set", invalid: null },
  { key: "n", field: "n", type: int("min_samples", "max_samples") },
  { key: "noise", field: "noise", type: number(0, 1) },
  { key: "classes", field: "classes", write: "set",
    type: int((c) => classRange(c)?.min, (c) => classRange(c)?.max) },
  { key: "ratio", field: "ratio", type: number(0.1, 0.9) },
  { key: "dseed", field: "dseed", type: int(0, SEED_MAX) },
  { key: "features", field: "features", type: featureList },
  { key: "layers", field: "layers", type: hiddenUnits },
  { key: "act", field: "layers", type: activations, when: (s) => s.layers.length > 0,
    dflt: (d, s) => { const acts = defaultActs(d, s.layers.length); return s.layers.map((l, i) => ({ ...l, activation: acts[i] })); } },
  { key: "out", field: "out", type: registryName("output_activations", { loose: true }), write: "set" },
  { key: "loss", field: "loss", type: registryName("losses", { loose: true }), write: "set" },
  { key: "opt", field: "opt", type: registryName("optimizers") },
  { key: "lr", field: "lr", type: number(0, 100, { loOpen: true }) },
  { key: "*", field: "hyper", type: optimizerParams },  // a key per parameter: beta, eps, beta1 …
  { key: "batch", field: "batch", type: orWord("full", int(1, "max_samples")) },
  { key: "reg", field: "reg", type: registryName("regularizers") },
  { key: "rate", field: "rate", type: number(0, 10) },
  { key: "dropout", field: "dropout", type: number(0, 0.9) },
  { key: "init", field: "init", type: registryName("initializers", { loose: true }) },
  { key: "seed", field: "seed", type: int(0, SEED_MAX) },
  { key: "w", field: "weights", type: weights, write: "set", invalid: null },
  { key: "test", field: "showTest", type: flag },
  { key: "discrete", field: "discretize", type: flag },
  { key: "log", field: "logScale", type: flag },
  { key: "speed", field: "speed", type: orWord("max", number(0.1, "max_epochs_per_second")) },
  { key: "more", field: "more", type: flag },
].map(Object.freeze));

/** The table's one-key rows' keys: a hyperparameter named like one of them would be ambiguous, so none is. */
const ONE_KEY = new Set(URL_KEYS.filter((r) => !r.type.entries).map((r) => r.key));

function classRange(ctx) {
  return (ctx.catalog.datasets ?? []).find((d) => d.name === ctx.s.dataset)?.classes;
}

function tryRead(type, text, ctx) {
  if (text === null || text === undefined) return undefined;
  try { return type.read(text, ctx); } catch { return undefined; }
}

const valueOf = (s, row) => (Array.isArray(row.field) ? Object.fromEntries(row.field.map((f) => [f, s[f]])) : s[row.field]);

// ------------------------------------------------------------------ both ways

/** The state as a query string (no leading "?"); fields equal to `defaults` are left out. */
export function toQuery(state, defaults = defaultState()) {
  const q = new URLSearchParams();
  for (const row of URL_KEYS) {
    if (row.when && !row.when(state)) continue;
    const value = valueOf(state, row);
    if (row.type.entries) {
      for (const [k, text] of row.type.entries(value)) if (!ONE_KEY.has(k)) q.set(k, text);
      continue;
    }
    const mode = row.write ?? "changed";
    if (mode === "set" && (value === null || value === undefined)) continue;
    const text = row.type.write(value);
    if (mode === "changed" && text === row.type.write(row.dflt ? row.dflt(defaults, state) : valueOf(defaults, row))) continue;
    q.set(row.key, text);
  }
  return q.toString();
}

/** A query string (with or without "?") read over `base`: keys missing from it keep base's values,
 *  invalid ones too (or their row's `invalid` value). Not normalised: state.js's fromQuery is. */
export function readQuery(search, catalog = FALLBACK_CATALOG, base = defaultState(catalog)) {
  let q;
  try { q = new URLSearchParams(String(search ?? "")); } catch { return base; }
  const s = { ...base };
  const ctx = { q, catalog, base, s, limits: { ...FALLBACK_CATALOG.limits, ...(catalog.limits ?? {}) } };
  for (const row of URL_KEYS) {
    if (row.when && !row.when(s)) continue;
    let value;
    if (row.type.readAll) value = row.type.readAll(ctx);
    else if (q.has(row.key)) {
      value = tryRead(row.type, q.get(row.key), ctx);
      if (value === undefined && "invalid" in row) value = row.invalid;
    }
    if (value === undefined) continue;
    if (Array.isArray(row.field)) Object.assign(s, row.resets ?? {}, value);
    else Object.assign(s, row.resets ?? {}, { [row.field]: value });
  }
  return s;
}
