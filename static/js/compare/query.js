// compare/query.js — the comparison as plain data and its URL form (DOM-free: `node --test tests/js/`).
//
// A comparison is {base, field, values, target, preset}: `base` is a playground state (state.js, so its
// URL keys are the playground's own), `field` the one setting that differs, `values` one per variant
// in the server's shape (what POST api/v1/comparisons takes), `target` the train cost to reach and
// `preset` a lesson's name while the experiment is still exactly that lesson's.
//
// The fields a comparison may vary are the server's: GET api/v1/catalog `vary_fields` (app/training/
// vary.py, which POST api/v1/comparisons validates from) names each with its label, its value shape
// (`kind`), its range or registry and the values it starts with. This module knows the kinds, never a
// field: a field's values are parsed and written by its kind's code below.
//
// URL: the playground's keys for the base, plus
//   vary=NAME  a field of the catalog's vary_fields (activation, learning_rate, layers…)
//   values=…   2–6 values, by kind: names (sigmoid,tanh), numbers (0.01,0.3), batch sizes (full,10),
//              layer lists (8-8|4|none; "8-8:relu" all layers relu, "8-8:relu.tanh" one activation a
//              layer; no suffix: the base's activation), regularizers (none|l2:0.01|l1:0.001)
//   target=0.1 the train cost whose first epoch the table reports
// or preset=NAME (a lesson; the playground's keys and vary/values/target given with it override it).

import { defaultState, effectiveOutput, fromConfig, fromQuery, normalize, toConfig, toQuery } from "../state.js";

/** The catalog's vary fields, in its order (the first is the default comparison's, as on the server). */
export const varyFields = (catalog) => catalog?.vary_fields ?? [];
/** Their names: what `vary=` may be. */
export const fieldNames = (catalog) => varyFields(catalog).map((f) => f.name);
/** One field's description ({name, label, kind, registry?, min?, max?, …, default_values}), or undefined. */
export const varyField = (catalog, name) => varyFields(catalog).find((f) => f.name === name);
/** The field a comparison varies when the URL names none. */
export const defaultField = (catalog) => varyFields(catalog)[0]?.name ?? null;
export const DEFAULT_TARGET = 0.1;
export const MIN_VALUES = 2;
export const MAX_VALUES = 6;
/** The keys this page adds to the playground's. */
export const COMPARE_KEYS = ["vary", "values", "target", "preset"];

const names = (catalog, key) => (catalog?.[key] ?? []).map((e) => e.name);
const num = (x) => String(x);
const NAME_RE = /^[a-z][a-z0-9_]*$/;

/** The hidden layers' activation a layer list without a suffix gets: the base's first. */
export function baseActivation(base, catalog) {
  return base.layers[0]?.activation ?? catalog?.defaults?.layers?.[0]?.activation ?? "tanh";
}

function number(text, lo, hi, { integer = false, loOpen = false } = {}) {
  if (typeof text !== "string" || text.trim() === "") return undefined;
  const x = Number(text);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) return undefined;
  if (x < lo || x > hi || (loOpen && x === lo)) return undefined;
  return x;
}

/** A number in a range the catalog describes ({min, max, min_exclusive, integer}). */
const inRange = (text, r) => number(text, r.min, r.max, { integer: r.integer, loOpen: r.min_exclusive });

function nameIn(catalog, key, text) {
  const list = names(catalog, key);
  return (list.length ? list.includes(text) : NAME_RE.test(text)) ? text : undefined;
}

// ------------------------------------------------------------------ one value: text ↔ server shape

/** One value's text → its server JSON, or undefined when invalid (dispatched on the field's kind). */
export function parseValue(field, text, base, catalog) {
  const f = varyField(catalog, field);
  const t = String(text).trim();
  switch (f?.kind) {
    case "name": return nameIn(catalog, f.registry, t);
    case "number": return inRange(t, f);
    case "batch_size": return t === "full" ? null : inRange(t, f);
    case "regularizer": {
      if (t === "none") return { kind: "none", rate: 0 };
      const [kind, rateText, ...rest] = t.split(":");
      if (rest.length || kind === "none" || nameIn(catalog, f.registry, kind) === undefined) return undefined;
      const rate = rateText === undefined ? (base.rate || 0.01) : inRange(rateText, f.rate);
      return rate === undefined ? undefined : { kind, rate };
    }
    case "layers": {
      const [unitsText, actText, ...rest] = t.split(":");
      if (rest.length) return undefined;
      const units = unitsText === "none" ? [] : unitsText.split("-").map((u) => inRange(u, f.units));
      if (units.length > f.max_layers || units.some((u) => u === undefined)) return undefined;
      let acts = units.map(() => baseActivation(base, catalog));
      if (actText !== undefined) {
        const parts = actText.split(".").map((a) => nameIn(catalog, f.registry, a));
        if (parts.some((a) => a === undefined) || (parts.length !== 1 && parts.length !== units.length)) return undefined;
        acts = units.map((_, i) => parts[parts.length === 1 ? 0 : i]);
      }
      return units.map((u, i) => ({ units: u, activation: acts[i] }));
    }
    default: return undefined;
  }
}

/** One value (server JSON) → its text (dispatched on the field's kind). */
export function formatValue(field, value, base, catalog) {
  switch (varyField(catalog, field)?.kind) {
    case "batch_size": return value === null ? "full" : num(value);
    case "number": return num(value);
    case "regularizer": return value.kind === "none" ? "none" : `${value.kind}:${num(value.rate)}`;
    case "layers": {
      if (!value.length) return "none";
      const units = value.map((l) => l.units).join("-");
      const acts = value.map((l) => l.activation);
      if (acts.every((a) => a === baseActivation(base, catalog))) return units;
      return `${units}:${acts.every((a) => a === acts[0]) ? acts[0] : acts.join(".")}`;
    }
    default: return String(value);
  }
}

/** The separator written between values: "|" where a value reads like a list itself. */
export const separator = (field, catalog) => (["layers", "regularizer"].includes(varyField(catalog, field)?.kind)
  ? "|" : ",");

/** Text of 2–6 values (either separator) → {values} or {error} (a sentence for the form). */
export function parseValues(field, text, base, catalog) {
  const parts = String(text ?? "").split(/[|,]/).map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length < MIN_VALUES) return { error: `give at least ${MIN_VALUES} values` };
  if (parts.length > MAX_VALUES) return { error: `give at most ${MAX_VALUES} values` };
  const values = [];
  for (const p of parts) {
    const v = parseValue(field, p, base, catalog);
    if (v === undefined) {
      return { error: `“${p}” is not a valid ${varyField(catalog, field)?.label.toLowerCase() ?? field} value` };
    }
    values.push(v);
  }
  const keys = values.map((v) => JSON.stringify(v));
  if (new Set(keys).size !== keys.length) return { error: "each value may appear only once" };
  return { values };
}

export function formatValues(field, values, base, catalog) {
  return values.map((v) => formatValue(field, v, base, catalog)).join(separator(field, catalog));
}

/** The values a field starts with (the catalog's `default_values`); names the catalog lacks are left out. */
export function defaultValues(field, base, catalog) {
  const all = (varyField(catalog, field)?.default_values ?? []).map((v) => canonicalValue(field, v, base, catalog));
  const text = all.map((v) => formatValue(field, v, base, catalog))
    .filter((t) => parseValue(field, t, base, catalog) !== undefined);
  return parseValues(field, text.join(separator(field, catalog)), base, catalog).values ?? all;
}

/** A value given as the server accepts it (a preset's, the catalog's defaults) → the canonical shape this
 *  page uses: a name for an object naming one, a regulariser's kind alone with the base's rate, every layer
 *  with its activation (the base's where it has none, as the server does). */
export function canonicalValue(field, value, base, catalog) {
  const kind = varyField(catalog, field)?.kind;
  if (kind === "name" && value && typeof value === "object") return value.name;
  if (kind === "regularizer" && typeof value === "string") {
    return value === "none" ? { kind: "none", rate: 0 } : { kind: value, rate: base.rate || 0.01 };
  }
  if (kind === "layers" && Array.isArray(value)) {
    return value.map((l) => ({ units: l.units, activation: l.activation ?? baseActivation(base, catalog) }));
  }
  return value;
}

// ------------------------------------------------------------------ the whole comparison

/** Parse a query string into a complete, valid comparison (never throws; `preset` only named here). */
export function fromCompareQuery(search, catalog) {
  let q;
  try { q = new URLSearchParams(String(search ?? "")); } catch { q = new URLSearchParams(); }
  const base = { ...fromQuery(search, catalog), weights: null };
  const field = fieldNames(catalog).includes(q.get("vary")) ? q.get("vary") : defaultField(catalog);
  const parsed = q.get("values") !== null ? parseValues(field, q.get("values"), base, catalog) : {};
  const values = parsed.values ?? defaultValues(field, base, catalog);
  const target = number(q.get("target") ?? "", 0, 1000, { loOpen: true }) ?? DEFAULT_TARGET;
  const preset = /^[a-z0-9][a-z0-9_-]{0,63}$/.test(q.get("preset") ?? "") ? q.get("preset") : null;
  return { base, field, values, target, preset };
}

/** Only the page's view settings (speed, log scale…) as playground keys. */
function viewQuery(base, catalog) {
  const d = defaultState(catalog);
  return toQuery({ ...d, showTest: base.showTest, discretize: base.discretize, logScale: base.logScale,
    speed: base.speed }, d);
}

/** `,` `|` `:` stay readable in the URL (`encoded`: text already percent-encoded). */
const readable = (text, encoded = false) => (encoded ? text : encodeURIComponent(text))
  .replace(/%2C/g, ",").replace(/%7C/g, "|").replace(/%3A/g, ":");

/** The comparison as a query string (no "?"): `preset=NAME` (+ view keys) while it is a lesson's, else
 *  the playground's keys for the base and vary, values, target. */
export function toCompareQuery(c, catalog) {
  if (c.preset) {
    const view = viewQuery(c.base, catalog);
    return `preset=${readable(c.preset)}${view ? `&${view}` : ""}`;
  }
  const q = readable(toQuery(c.base, defaultState(catalog)), true);
  const own = `vary=${c.field}&values=${readable(formatValues(c.field, c.values, c.base, catalog))}&target=${num(c.target)}`;
  return q ? `${q}&${own}` : own;
}

/** A partial session config (a preset's) completed with the catalog's defaults, as the server does. */
export function fillConfig(partial, defaults) {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(partial ?? {})) {
    const d = defaults?.[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && d && typeof d === "object" && !Array.isArray(d)
      ? fillConfig(v, d) : v;
  }
  return out;
}

/** A playground state from a complete session config; page-only fields (and custom points) from `base`.
 *  An output and loss the problem would choose anyway stay "automatic" (null), as in the playground. */
export function stateOf(config, base, catalog) {
  const s = { ...fromConfig(config, base), out: null, loss: null, weights: null };
  const out = config.output?.activation ?? null;
  if (out !== null && out !== effectiveOutput(s, catalog).out) s.out = out;
  const loss = config.loss ?? null;
  if (loss !== null && loss !== effectiveOutput(s, catalog).loss) s.loss = loss;
  return normalize(s, s, catalog);
}

/**
 * A lesson preset (GET api/v1/presets/NAME) → the comparison, with the URL's own keys applied over it.
 * A session preset becomes the base of the comparison the URL (or the default race) describes.
 */
export function fromPreset(preset, search, catalog) {
  const q = new URLSearchParams(String(search ?? ""));
  const cfg = preset.kind === "comparison" ? preset.config : { base: preset.config };
  const d = defaultState(catalog);
  const presetBase = stateOf(fillConfig(cfg.base ?? {}, catalog.defaults), d, catalog);
  const merged = new URLSearchParams(toQuery(presetBase, d));
  for (const [k, v] of q) if (!COMPARE_KEYS.includes(k)) merged.set(k, v);
  for (const k of ["vary", "values", "target"]) if (q.has(k)) merged.set(k, q.get(k));
  const c = fromCompareQuery(merged.toString(), catalog);
  if (!q.has("vary") && !q.has("values") && cfg.vary && fieldNames(catalog).includes(cfg.vary.field)) {
    c.field = cfg.vary.field;
    const text = cfg.vary.values.map((v) => formatValue(c.field, canonicalValue(c.field, v, c.base, catalog), c.base,
      catalog)).join(separator(c.field, catalog));
    c.values = parseValues(c.field, text, c.base, catalog).values ?? defaultValues(c.field, c.base, catalog);
  }
  if (!q.has("target") && cfg.target_loss !== undefined && cfg.target_loss !== null) c.target = cfg.target_loss;
  c.preset = preset.name;
  return c;
}

/** What the server trains: equal keys mean the same experiment (view settings aside). */
export function experimentKey(c) {
  return JSON.stringify([toConfig({ ...c.base, weights: null }), c.field, c.values, c.target]);
}

/** POST api/v1/comparisons body. */
export function comparisonBody(c) {
  return { base: toConfig({ ...c.base, weights: null }), vary: { field: c.field, values: c.values },
    target_loss: c.target };
}

/** The playground query of one variant (its complete config from the server), view settings kept. */
export function playgroundQuery(config, base, catalog) {
  return toQuery(stateOf(config, base, catalog), defaultState(catalog));
}

/** The server's labels, told apart where they would read the same (layer lists that differ in activation:
 *  a layer list is the one value that is a list). */
export function variantLabels(field, values, serverLabels) {
  const labels = [...serverLabels];
  const repeated = new Set(labels.filter((l, i) => labels.indexOf(l) !== i));
  if (values.length && values.every(Array.isArray)) {
    values.forEach((v, i) => { if (!v.length) labels[i] = "no hidden layer"; });
    labels.forEach((l, i) => {
      if (!repeated.has(l)) return;
      const acts = [...new Set(values[i].map((x) => x.activation))];
      labels[i] = `${l} ${acts.join("/")}`;
    });
  }
  return labels;
}

/** One line about the base, leaving out what the variants vary. */
export function describeBase(base, field, catalog) {
  const label = (key, name) => ((catalog?.[key] ?? []).find((e) => e.name === name)?.label ?? name)
    .replace(/\s*\(.*\)$/, "");
  const parts = [base.dataset === "custom" ? `your own ${(base.labels ?? []).length} points`
    : `${base.dataset}, ${base.n} points${base.noise ? `, noise ${num(base.noise)}` : ""}`];
  if (field !== "layers") {
    const units = base.layers.length ? `[${base.layers.map((l) => l.units).join(", ")}]` : "no hidden layer";
    const acts = [...new Set(base.layers.map((l) => l.activation))];
    parts.push(field === "activation" || !acts.length ? units : `${units} ${acts.map((a) => label("activations", a)).join("/")}`);
  }
  if (field !== "optimizer") parts.push(field === "learning_rate" ? label("optimizers", base.opt)
    : `${label("optimizers", base.opt)}, α = ${num(base.lr)}`);
  else parts.push(`α = ${num(base.lr)}`);
  if (field !== "batch_size") parts.push(base.batch === null ? "full batch" : `batch ${base.batch}`);
  if (field !== "regularization" && base.reg !== "none") parts.push(`${base.reg.toUpperCase()} λ = ${num(base.rate)}`);
  if (field !== "dropout" && base.dropout > 0) parts.push(`dropout ${num(base.dropout)}`);
  if (field !== "init") parts.push(`${label("initializers", base.init)} init`);
  parts.push(`seed ${base.seed}`);
  return parts.join(" · ");
}
