// views/lineCanvas.js — a line chart's curves painted on a canvas over Plotly's plotting area, for
// seriesChart.js: Plotly keeps the axes, the legend and the hover; the curves it would redraw in full
// for every point appended (extendTraces recalculates and redraws the whole plot, 10–15 ms a chart,
// 4× that on a slow laptop) are a few canvas strokes instead. The axes' ranges move in steps
// (steppedRange), so Plotly redraws only when the data leaves them, not for every new epoch.
// DOM-free: the canvas' 2D context and Plotly's axes (their c2p) come in as arguments (node tests).

// a step grows an axis by at most 5/3 (3 → 5): the curves keep ≥ 60 % of the width, and a run at
// full speed (~1,000 epochs/s) moves its x axis ~6 times a decade of epochs, each a Plotly redraw
const MANTISSAS = [1, 1.5, 2, 3, 5, 7.5, 10];

/** The smallest of 1, 1.5, 2, 3, 5, 7.5 × 10^k that is ≥ v (1 for v ≤ 0); at most 5/3 × v. */
export function niceUp(v) {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const k = Math.floor(Math.log10(v));
  const m = v / 10 ** k;
  const step = MANTISSAS.find((s) => s >= m * (1 - 1e-12));
  return +(step * 10 ** k).toPrecision(12);
}

const LOG_PAD = 0.02;  // decades kept clear above and below the data, as Plotly's autorange does

/** An axis range holding [lo, hi] that changes only in steps: linear [0, niceUp(hi)] (the charts start
 *  at zero); log (Plotly's range is in decades) [lo, hi] widened to whole decades, as its ticks are
 *  (a gradient norm jumps about within a decade every epoch). null: no data. */
export function steppedRange(lo, hi, log = false) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (!log) return [0, niceUp(Math.max(hi, 0) * 1.02)];
  if (!(lo > 0)) return null;
  const a = Math.floor(Math.log10(lo) - LOG_PAD);
  const b = Math.ceil(Math.log10(hi) + LOG_PAD);
  return [a + 0, Math.max(b, a + 1) + 0];  // + 0: no −0 (Math.ceil(−0.3))
}

/** Whether a range from steppedRange still holds [lo, hi]. */
export function holds(range, lo, hi, log = false) {
  if (!range) return false;
  if (!log) return lo >= range[0] && hi <= range[1];
  return lo > 0 && Math.log10(lo) >= range[0] && Math.log10(hi) <= range[1];
}

/** The lowest and highest finite value (positive only, for a log axis) of the arrays. */
export function extent(arrays, log = false) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (const v of a) {
      if (v === null || !Number.isFinite(v) || (log && !(v > 0))) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return { lo, hi };
}

/** Plotly's dash names as canvas line dashes, in px for a line `width` wide (Plotly's own lengths). */
export function dashPattern(dash, width) {
  const w = Math.max(width, 3);
  switch (dash) {
    case 'dot': return [w, w];
    case 'dash': return [3 * w, 3 * w];
    case 'longdash': return [5 * w, 5 * w];
    case 'dashdot': return [3 * w, w, w, w];
    case 'longdashdot': return [5 * w, 2 * w, w, 2 * w];
    default: return [];
  }
}

const FAR = 1e5;  // px: a point far off the canvas (a diverging run under a capped axis) is drawn this far

/**
 * Strokes each line: {x, y, color, width, dash, yAxis} with yAxis one of `axes.y` (by name: 'y', 'y2').
 * axes: {x, y: {name: axis}}, each with Plotly's c2p (data → px from the plotting area's corner);
 * a null, non-finite or (log) non-positive point lifts the pen; one far off the canvas (above a capped
 * axis) is drawn FAR px away, in the same direction. `g`: a 2D context already scaled to CSS px.
 */
export function strokeLines(g, lines, axes) {
  for (const line of lines) {
    const ya = axes.y[line.yAxis ?? 'y'];
    if (!ya) continue;
    g.beginPath();
    let pen = false;
    for (let i = 0; i < line.x.length; i++) {
      const px = axes.x.c2p(line.x[i]);
      const py = line.y[i] === null ? NaN : ya.c2p(line.y[i]);
      if (!Number.isFinite(px) || !Number.isFinite(py)) { pen = false; continue; }
      const [cx, cy] = [Math.max(-FAR, Math.min(FAR, px)), Math.max(-FAR, Math.min(FAR, py))];
      if (pen) g.lineTo(cx, cy);
      else g.moveTo(cx, cy);
      pen = true;
    }
    g.strokeStyle = line.color;
    g.lineWidth = line.width;
    g.setLineDash(dashPattern(line.dash, line.width));
    g.lineJoin = 'round';
    g.stroke();
  }
}
