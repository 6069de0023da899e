// views/points.js — the boundary plot's data points, drawn on a canvas of their own (views/boundary.js)
// as Plotly drew them: plot.js's class colours and marker shapes with Plotly's symbol geometry, test
// points hollow in a darker shade, regression points coloured by value, in Plotly's drawing order.
// Why a canvas: "Show test data" or a new point made Plotly redraw ~500 SVG markers, 40–60 ms a click
// at 1× (bench/frames.py); the canvas repaints them in a millisecond or two. DOM-free: the drawing
// takes any object with the CanvasRenderingContext2D path methods, so it is unit-tested in Node.
import { CLASS_SYMBOLS, divergingScale, hexRgb } from '../plot.js';

export const OUTLINE = 'rgba(20,20,20,0.7)';

/** A darker shade of a colour, so hollow test points stand out on a map of their own class colour. */
export function darker(color, t = 0.35) {
  const [r, g, b] = hexRgb(color);
  return `rgb(${Math.round(r * (1 - t))},${Math.round(g * (1 - t))},${Math.round(b * (1 - t))})`;
}

/** The colour at `t` ∈ [0, 1] (clamped) of a Plotly colourscale [[stop, 'rgb(…)'], …], interpolated
 *  in RGB between its stops as Plotly does. */
export function scaleColor(scale, t) {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0.5));
  let i = 1;
  while (i < scale.length - 1 && scale[i][0] < u) i++;
  const [t0, c0] = scale[i - 1];
  const [t1, c1] = scale[i];
  const f = t1 > t0 ? (u - t0) / (t1 - t0) : 0;
  const a = hexRgb(c0), b = hexRgb(c1);
  return `rgb(${a.map((v, j) => Math.round(v + (b[j] - v) * f)).join(',')})`;
}

/** The markers in the order Plotly drew its traces (each class's train points, then each class's test
 *  points; regression: train, then test), test points only when shown. Each: {x1, x2, set, label,
 *  shape, open, fill, stroke, width} — `open` markers are stroked only, in their colour (Plotly's
 *  `-open` symbols); filled ones get an outline. */
export function markerList({ train, test, kind = 'binary', nClasses = 2 }, { colors, sizes, valueScale = 1, showTest = true }) {
  const out = [];
  const each = (set, fn) => (set?.x ?? []).forEach((p, i) => fn(p, set.y[i]));
  if (kind === 'regression') {
    const scale = divergingScale(colors[0], colors[1]);
    each(train, (p, v) => out.push({ x1: p[0], x2: p[1], set: 'train', label: `value ${+v.toFixed(3)}`, shape: CLASS_SYMBOLS[0],
                                     open: false, fill: scaleColor(scale, (v + valueScale) / (2 * valueScale)),
                                     stroke: OUTLINE, width: sizes.outline }));
    if (showTest) {
      each(test, (p, v) => out.push({ x1: p[0], x2: p[1], set: 'test', label: `value ${+v.toFixed(3)}`, shape: CLASS_SYMBOLS[0],
                                      open: true, fill: null, stroke: OUTLINE, width: sizes.ring * 0.75 || 1 }));
    }
    return out;
  }
  const sets = showTest ? [['train', train], ['test', test]] : [['train', train]];
  for (const [name, set] of sets) {
    for (let k = 0; k < nClasses; k++) {
      const c = colors[k % colors.length];
      const shape = CLASS_SYMBOLS[k % CLASS_SYMBOLS.length];
      const style = name === 'train' ? { open: false, fill: c, stroke: OUTLINE, width: sizes.outline }
        : { open: true, fill: null, stroke: darker(c), width: sizes.ring || 1 };
      each(set, (p, y) => { if (Math.round(y) === k) out.push({ x1: p[0], x2: p[1], set: name, label: `class ${k}`, shape, ...style }); });
    }
  }
  return out;
}

// Plotly's `x` symbol: a thick cross traced as one outline, in steps of rx (its arm's half width)
const X_STEPS = [[1, 1], [1, -1], [-1, -1], [1, -1], [-1, -1], [-1, 1], [-1, -1], [-1, 1], [1, 1], [-1, 1], [1, 1]];

/** Adds one marker's outline centred on (x, y), `r` half its size (Plotly's marker radius), to the
 *  current path. Sizes as Plotly's symbols: a diamond reaches 1.3 r, a triangle's base is 4r/√3 wide. */
export function tracePath(ctx, shape, x, y, r) {
  if (shape === 'square') {
    ctx.rect(x - r, y - r, 2 * r, 2 * r);
  } else if (shape === 'diamond') {
    const d = r * 1.3;
    ctx.moveTo(x + d, y); ctx.lineTo(x, y + d); ctx.lineTo(x - d, y); ctx.lineTo(x, y - d); ctx.closePath();
  } else if (shape === 'triangle-up') {
    const t = (r * 2) / Math.sqrt(3);
    ctx.moveTo(x - t, y + r / 2); ctx.lineTo(x + t, y + r / 2); ctx.lineTo(x, y - r); ctx.closePath();
  } else if (shape === 'x') {
    const s = (r * 0.8) / Math.SQRT2;
    let px = x, py = y + s;
    ctx.moveTo(px, py);
    for (const [dx, dy] of X_STEPS) { px += dx * s; py += dy * s; ctx.lineTo(px, py); }
    ctx.closePath();
  } else {
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.closePath();
  }
}

/** Draws the markers one by one (each fill then its outline, so a later marker covers an earlier
 *  one's outline, as Plotly's SVG did); `toPx(x1, x2)` → [px, py] on the canvas; `r` the radius. */
export function drawMarkers(ctx, list, toPx, r) {
  for (const m of list) {
    const [px, py] = toPx(m.x1, m.x2);
    ctx.beginPath();
    tracePath(ctx, m.shape, px, py, r);
    if (!m.open) { ctx.fillStyle = m.fill; ctx.fill(); }
    if (m.width > 0) { ctx.strokeStyle = m.stroke; ctx.lineWidth = m.width; ctx.stroke(); }
  }
}

/** The marker nearest (px, py) within `reach` px, or null; the one drawn last wins a tie (it is on top). */
export function nearestMarker(list, toPx, px, py, reach) {
  let best = null;
  let bestD = reach * reach;
  for (const m of list) {
    const [x, y] = toPx(m.x1, m.x2);
    const d = (x - px) ** 2 + (y - py) ** 2;
    if (d <= bestD) { best = m; bestD = d; }
  }
  return best;
}
