// compare/model.js — what the compare page shows, as plain data (DOM-free: `node --test tests/js/`):
// each variant's colour and dash, its row of the live table, and how the small maps tile the space.

/** Okabe–Ito without yellow (too pale on white): one colour a variant, in this order. */
export const VARIANT_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
/** Plotly dash names, one a variant, so curves differ without colour too. */
export const VARIANT_DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'];
/** The same patterns as SVG stroke-dasharray for a line of width 1 (Plotly scales its own by the width). */
const DASHARRAY = { solid: '', dash: '9,9', dot: '3,3', dashdot: '9,3,3,3', longdash: '15,15', longdashdot: '15,3,3,3' };

export function variantStyle(i) {
  const dash = VARIANT_DASHES[i % VARIANT_DASHES.length];
  return { color: VARIANT_COLORS[i % VARIANT_COLORS.length], dash, dasharray: DASHARRAY[dash] };
}

/** SVG dasharray for a line of `width`. */
export const scaledDash = (dasharray, width) => dasharray.split(',').filter(Boolean).map((d) => Number(d) * width / 2).join(',');

// ------------------------------------------------------------------ numbers

/** A cost: 3 significant digits, exponent form when tiny or huge; "—" when missing. */
export function fmtCost(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** An accuracy: one decimal, none at 100%. */
export function fmtPercent(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x >= 1 ? '100%' : `${(x * 100).toFixed(1)}%`;
}

/** A gradient norm: 3 significant digits (exponent form below 0.01, where vanishing gradients live). */
export function fmtNorm(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x !== 0 && (Math.abs(x) < 0.01 || Math.abs(x) >= 1e4)) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** A variant (REST answer or stream frame) → the texts of its table row. */
export function tableRow(v) {
  const m = v.metrics ?? {};
  const diverged = v.status === 'diverged' || !!v.diverged_at;
  return {
    train: fmtCost(m.train?.cost),
    test: fmtCost(m.test?.cost),
    trainAcc: fmtPercent(m.train?.accuracy),
    testAcc: fmtPercent(m.test?.accuracy),
    target: v.target_epoch === null || v.target_epoch === undefined ? 'not yet' : String(v.target_epoch),
    reached: v.target_epoch !== null && v.target_epoch !== undefined,
    diverged: diverged ? (v.diverged_at ? `at epoch ${v.diverged_at.epoch}` : 'yes') : 'no',
    isDiverged: diverged,
    grad: fmtNorm(v.first_layer_grad),
  };
}

// ------------------------------------------------------------------ layout

/**
 * The largest square maps `n` cards can have in a w×h box: cards in `cols` columns, `gap` px apart, each
 * `extra` px taller than its map (its title). Returns {cols, rows, size}.
 */
export function fitGrid(n, w, h, { gap = 8, extra = 24, min = 60 } = {}) {
  let best = { cols: 1, rows: n, size: 0 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    const size = Math.floor(Math.min((w - gap * (cols - 1)) / cols, (h - gap * (rows - 1)) / rows - extra));
    if (size > best.size) best = { cols, rows, size };
  }
  return { ...best, size: Math.max(min, best.size) };
}

// ------------------------------------------------------------------ the embed's status message

/**
 * The comparison as one `nnp:status` message (messages.js): the furthest variant's epoch, `loss` the
 * mean train cost of the variants that have not diverged (null when none has a cost yet) and the
 * comparison's status (`running`, `idle`, or `diverged` once every variant has).
 */
export function comparisonStatus(variants, status) {
  const epoch = Math.max(0, ...variants.map((v) => v.epoch ?? 0));
  const costs = variants.filter((v) => v.status !== 'diverged' && !v.diverged_at)
    .map((v) => v.metrics?.train?.cost).filter(Number.isFinite);
  const loss = costs.length ? costs.reduce((a, b) => a + b, 0) / costs.length : null;
  return { type: 'nnp:status', epoch, loss, status };
}
