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
 * A pen that draws a polyline on `g` with no more than four points a pixel column (M4: each column's
 * first, lowest, highest and last point, in their order): what a one-pixel column of a solid
 * one-pixel stroke shows is the same (a thicker or dashed one nearly so), and a run of 1,000 noisy
 * points on a chart 300 px wide is ~3× fewer to rasterise — on a canvas, stroking is the whole cost
 * (a software raster at commit, not script: 7 gradient norms × 1,000 points, 17 ms a paint at full
 * speed, 4 paints a second). `column`: a pixel's width in the path's units (1/devicePixelRatio for
 * a context scaled to CSS px).
 */
export function columnPen(g, column = 1) {
  let down = false;  // a point drawn since the last lift: the next one is a lineTo
  let col = NaN;  // the column the points below belong to
  let n = 0;  // points seen in it
  let fx = 0, fy = 0, lx = 0, ly = 0;  // its first and last point
  let lo = 0, loX = 0, loY = 0, hi = 0, hiX = 0, hiY = 0;  // its lowest and highest, with their index
  const put = (x, y) => {
    if (down) g.lineTo(x, y);
    else { g.moveTo(x, y); down = true; }
  };
  function flush() {
    if (!n) return;
    put(fx, fy);
    const [a, b] = lo <= hi ? [[lo, loX, loY], [hi, hiX, hiY]] : [[hi, hiX, hiY], [lo, loX, loY]];
    for (const [i, x, y] of (a[0] === b[0] ? [a] : [a, b])) if (i > 0 && i < n - 1) put(x, y);
    if (n > 1) put(lx, ly);
    n = 0;
  }
  return {
    point(x, y) {
      const c = Math.floor(x / column);
      if (c !== col) { flush(); col = c; }
      if (n === 0) { fx = lx = x; fy = ly = y; lo = hi = 0; loX = hiX = x; loY = hiY = y; }
      else {
        lx = x; ly = y;
        if (y < loY) { lo = n; loX = x; loY = y; }
        if (y > hiY) { hi = n; hiX = x; hiY = y; }
      }
      n++;
    },
    /** A gap: what was drawn ends here, the next point starts a new piece. */
    lift() { flush(); down = false; col = NaN; },
    end() { flush(); },
  };
}

/**
 * Strokes each line: {x, y, color, width, dash, yAxis} with yAxis one of `axes.y` (by name: 'y', 'y2').
 * axes: {x, y: {name: axis}}, each with Plotly's c2p (data → px from the plotting area's corner);
 * a null, non-finite or (log) non-positive point lifts the pen; one far off the canvas (above a capped
 * axis) is drawn FAR px away, in the same direction. `g`: a 2D context already scaled to CSS px;
 * `column`: a device pixel's width in CSS px (columnPen).
 */
export function strokeLines(g, lines, axes, column = 1) {
  for (const line of lines) {
    const ya = axes.y[line.yAxis ?? 'y'];
    if (!ya) continue;
    g.beginPath();
    const pen = columnPen(g, column);
    for (let i = 0; i < line.x.length; i++) {
      const px = axes.x.c2p(line.x[i]);
      const py = line.y[i] === null ? NaN : ya.c2p(line.y[i]);
      if (!Number.isFinite(px) || !Number.isFinite(py)) { pen.lift(); continue; }
      pen.point(Math.max(-FAR, Math.min(FAR, px)), Math.max(-FAR, Math.min(FAR, py)));
    }
    pen.end();
    g.strokeStyle = line.color;
    g.lineWidth = line.width;
    g.setLineDash(dashPattern(line.dash, line.width));
    g.lineJoin = 'bevel';  // a noisy line is a join every pixel: round joins cost ~40 % more to rasterise
    g.stroke();
  }
}
