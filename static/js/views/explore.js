// explore.js — what the output plot shows while a student explores the network diagram (TF Playground's
// "hover a unit: its map fills the big plot", with the course's notation): a hidden unit's or an input
// feature's map, its name, its formula and where its z = 0 line lies. DOM-free: `node --test tests/js/`.

const SUBSCRIPT = '₀₁₂₃₄₅₆₇₈₉';
/** 12 → "₁₂": a unit's index as the course writes it, a[1]₂. */
export const subscript = (n) => String(n).replace(/\d/g, (d) => SUBSCRIPT[+d]);

/** g(0) of a hidden activation: where its map crosses z = 0 (sigmoid: ½; the others: 0). */
export const activationAtZero = (activation) => (activation === 'sigmoid' ? 0.5 : 0);

/** Range text of a map's values, e.g. "−0.98 to 0.97" (the minus sign a real one). */
function range(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const f = (x) => (Number.isFinite(x) ? x.toFixed(2).replace('-', '−') : '?');
  return `${f(lo)} to ${f(hi)}`;
}

/**
 * Hidden unit `u` (0-based) of hidden layer `l` (0-based), from a decoded frame's `neurons[l]`
 * ({units, res, lo, hi, values}: unit-major res×res maps). Null while there is no map for it yet.
 * → {key, title, formula, note, grid: {shape, values}, scale, level} (title and formula one short line,
 * the note a second one): `scale` is the layer's, as its
 * thumbnails in the diagram are painted, so the big map is the same picture, bigger.
 */
export function unitMap(layer, l, u, { activation = 'tanh', dead = false } = {}) {
  if (!layer || u >= layer.units) return null;
  const n = layer.res * layer.res;
  const values = layer.values.subarray(u * n, (u + 1) * n);
  const [L, k] = [l + 1, subscript(u + 1)];
  const input = l === 0 ? 'x' : `a[${l}]`;
  return {
    key: `layer ${L} unit ${u + 1}`,
    title: `Unit ${u + 1} of layer ${L}`,
    formula: `a[${L}]${k} = ${activation}(z[${L}]${k})`,
    note: `${dead ? 'dead: 0 at every training point · ' : ''}z[${L}]${k} = W[${L}]${k}·${input} + b[${L}]${k}`
      + ` · a from ${range(values)} · line: z = 0`,
    grid: { shape: [layer.res, layer.res], values },
    scale: Math.max(Math.abs(layer.lo), Math.abs(layer.hi)) || 1,
    level: activationAtZero(activation),
  };
}

/** An input feature's map (decoded grid {shape, values, lo, hi}) → the same shape as unitMap's. */
export function featureMap(grid, feature) {
  if (!grid?.values) return null;
  return {
    key: `feature ${feature.name}`,
    title: `Input feature ${feature.label}`,
    formula: 'at each point (x₁, x₂)',
    note: `an input of layer 1 · from ${range(grid.values)}`,
    grid: { shape: grid.shape, values: grid.values },
    scale: Math.max(Math.abs(grid.lo ?? 0), Math.abs(grid.hi ?? 0)) || 1,
    level: 0,
  };
}

/** A link's value card: "w = 0.532" and what it connects, or "b = −0.120" and whose bias it is. */
export function linkText({ bias, value, from, to }) {
  const v = Number.isFinite(value) ? value.toFixed(3).replace('-', '−') : '?';
  return bias ? { value: `b = ${v}`, what: `bias of ${to}` } : { value: `w = ${v}`, what: `${from} → ${to}` };
}
