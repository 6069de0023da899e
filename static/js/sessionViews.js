// sessionViews.js — what session.js hands the views: the diagram's spec, own points before the server
// has split them, no-op stand-ins for views a page does not have.

import { classCount, problemKind } from "./state.js";

/** Views a page does not have become no-ops (an embed has only the boundary, maybe the loss chart). */
const NOOP = new Proxy({}, { get: () => () => {} });
export function withStubs(v) {
  return { boundary: v.boundary, network: v.network ?? NOOP, loss: v.loss ?? NOOP, grad: v.grad ?? NOOP };
}

export function pick(obj, keys) {
  return Object.fromEntries(keys.filter((k) => k in obj).map((k) => [k, obj[k]]));
}

/** The diagram's spec: every feature (on or off) with its map, the hidden layers (each activation's
 *  label and short symbol: a narrow column's head says "σ" for "sigmoid"), the outputs. */
const featureMaps = new WeakMap();
export function networkSpec(catalog, s, created) {
  if (!featureMaps.has(catalog)) featureMaps.set(catalog, Object.fromEntries(catalog.features.map((f) => [f.name, f.map])));
  // an activation's label and symbol from the catalog (its name where the catalog has none)
  const named = (list, name) => {
    const a = list.find((x) => x.name === name);
    return { label: a?.label || name, symbol: a?.symbol || name };
  };
  const output = created.config.output.activation;
  return {
    features: catalog.features.map((f) => ({ name: f.name, label: f.label, on: s.features.includes(f.name) })),
    featureMaps: featureMaps.get(catalog),
    hidden: s.layers.map((l) => ({ ...l, ...named(catalog.activations, l.activation) })),
    outputs: { units: created.sizes.at(-1), activation: output, ...named(catalog.output_activations, output) },
    limits: { maxLayers: catalog.limits.max_layers, maxUnits: catalog.limits.max_units },
  };
}

/** Own points drawn at once, before the server has them: each in the part it was drawn as (else,
 *  for an older link's points, the part the server gave it). */
export function localPoints(catalog, s, data) {
  const where = new Map();
  const key = ([a, b]) => `${a},${b}`;
  for (const part of ["train", "test"]) data?.[part]?.x.forEach((p) => where.set(key(p), part));
  const sets = { train: { x: [], y: [] }, test: { x: [], y: [] } };
  const drawn = Array.isArray(s.split) && s.split.length === (s.points ?? []).length ? s.split : null;
  (s.points ?? []).forEach((p, i) => {
    const part = drawn?.[i] ?? where.get(key(p)) ?? "train";
    sets[part].x.push(p);
    sets[part].y.push(s.labels[i]);
  });
  return { ...sets, kind: problemKind(s, catalog), nClasses: classCount(s, catalog) };
}
