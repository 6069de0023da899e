// lessons.js — lesson presets and server configs as page state. DOM-free: `node --test tests/js/` runs it.
// A preset (GET api/v1/presets/{name}) is a partial session config plus page hints; a session's own
// config (GET / fork) is a complete one. Both become a state the same way: fields the config leaves
// out keep `base`'s values, a dataset's missing fields take the server's defaults.

import {
  CUSTOM, defaultState, effectiveOutput, FALLBACK_CATALOG, normalize, problemKind, VIEW_KEYS,
} from "./state.js";

/** Preset names as the server spells them (also what a URL or a postMessage may ask for). */
export const PRESET_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const isPresetName = (name) => typeof name === "string" && PRESET_NAME.test(name);

/** Page hints a preset may carry (`view`), with their checks. */
const VIEW_HINTS = {
  speed: (v) => v === null || (typeof v === "number" && v > 0),
  showTest: (v) => typeof v === "boolean",
  discretize: (v) => typeof v === "boolean",
  logScale: (v) => typeof v === "boolean",
};

/** A session config (partial or complete) as a state; `base` supplies what the config leaves out. */
export function configToState(config, base, catalog = FALLBACK_CATALOG) {
  const d0 = defaultState(catalog);
  const s = { ...base, weights: null };
  const d = config.dataset;
  if (d) {
    Object.assign(s, {
      dataset: d.name ?? d0.dataset, n: d.n_samples ?? d0.n, noise: d.noise ?? d0.noise,
      ratio: d.train_ratio ?? d0.ratio, dseed: d.seed ?? d0.dseed, classes: d.classes ?? null, points: null, labels: null,
      split: null,
    });
    if (d.name === CUSTOM && Array.isArray(d.points) && Array.isArray(d.labels)) {
      s.points = d.points.map(([a, b]) => [a, b]);
      s.labels = [...d.labels];
      if (Array.isArray(d.split) && d.split.length === d.labels.length) s.split = [...d.split];
    }
  }
  if (Array.isArray(config.features)) s.features = [...config.features];
  if (Array.isArray(config.layers)) {
    s.layers = config.layers.map((l) => ({ units: l.units, activation: l.activation ?? d0.layers[0]?.activation ?? "tanh" }));
  }
  if ("output" in config) s.out = config.output?.activation ?? null;
  if ("loss" in config) s.loss = config.loss ?? null;
  const o = config.optimizer;
  if (o) {
    s.opt = o.name ?? d0.opt;
    s.lr = o.learning_rate ?? d0.lr;
    // the optimizer's parameters as the catalog describes them: the server fills in every one; only the
    // ones that differ from their default go in the state
    const params = (catalog.optimizers ?? []).find((x) => x.name === s.opt)?.params ?? [];
    s.hyper = Object.fromEntries(params.filter((p) => typeof o[p.name] === "number" && o[p.name] !== p.default)
      .map((p) => [p.name, o[p.name]]));
  }
  if ("batch_size" in config) s.batch = config.batch_size ?? null;
  if (config.regularization) {
    s.reg = config.regularization.kind ?? d0.reg;
    s.rate = config.regularization.rate ?? d0.rate;
  }
  for (const [key, field] of [["dropout", "dropout"], ["init", "init"], ["seed", "seed"]]) {
    if (config[key] !== undefined && config[key] !== null) s[field] = config[key];
  }
  // the server also fills in the problem's default output and loss: null keeps a link short
  if (s.out !== null && catalog.problems?.[problemKind(s, catalog)]?.default_output === s.out) s.out = null;
  if (s.loss !== null && catalog.default_loss?.[effectiveOutput(s, catalog).out] === s.loss) s.loss = null;
  return normalize(s, s, catalog);
}

/** The state a session preset starts from: its config over the defaults, and its page hints. */
export function presetState(preset, catalog = FALLBACK_CATALOG) {
  const s = configToState(preset.config ?? {}, defaultState(catalog), catalog);
  for (const [k, ok] of Object.entries(VIEW_HINTS)) if (k in (preset.view ?? {}) && ok(preset.view[k])) s[k] = preset.view[k];
  return s;
}

/** What the page needs of a preset: {name, kind, title, week, epochs, state (session presets only), view,
 *  shows (the quantities its claim is about: quantities.js)}. */
export function lessonOf(preset, catalog = FALLBACK_CATALOG) {
  return {
    name: preset.name, kind: preset.kind, title: preset.title, week: preset.week,
    epochs: Number.isInteger(preset.epochs) && preset.epochs > 0 ? preset.epochs : null,
    shows: Array.isArray(preset.shows) ? preset.shows.filter((k) => typeof k === "string") : [],
    state: preset.kind === "session" ? presetState(preset, catalog) : null,
    view: Object.fromEntries(Object.entries(preset.view ?? {}).filter(([k, v]) => VIEW_HINTS[k]?.(v))),
  };
}

/** The store patch that opens `lesson` on a page showing `current`: the lesson's experiment; the page's
 *  own display settings (speed, test points, discretise, log scale) kept unless the lesson sets them. */
export function lessonPatch(lesson, current) {
  const keep = Object.fromEntries(VIEW_KEYS.filter((k) => k in current).map((k) => [k, current[k]]));
  return { ...lesson.state, ...keep, ...(lesson.view ?? {}) };
}

/** "Week 3", or what week 5 means: beyond the first course. */
export function weekLabel(week) {
  return week >= 5 ? "Beyond the first course" : `Week ${week}`;
}

/** One line about a state, for a follower: "flower · [4] tanh · sgd α = 1.2 · batch 10". */
export function summary(state, catalog = FALLBACK_CATALOG) {
  const label = (list, name) => (catalog[list] ?? []).find((x) => x.name === name)?.label ?? name;
  const acts = [...new Set(state.layers.map((l) => l.activation))].map((a) => label("activations", a)).join("/");
  const net = state.layers.length ? `[${state.layers.map((l) => l.units).join(", ")}] ${acts}` : "no hidden layer";
  const parts = [label("datasets", state.dataset), net, `${label("optimizers", state.opt)} α = ${state.lr}`,
    state.batch === null ? "full batch" : `batch ${state.batch}`];
  if (state.reg !== "none") parts.push(`${label("regularizers", state.reg)} λ = ${state.rate}`);
  if (state.dropout > 0) parts.push(`dropout ${state.dropout}`);
  return parts.join(" · ");
}
