// The one seam to window.Plotly, plus the shared look: colour-blind-safe palette, marker shapes,
// colour scales, layout/config defaults and the once-per-animation-frame scheduler.
// Importable in Node (nothing touches the DOM at load time).

/** Okabe–Ito: class 0 orange, class 1 blue, then green, purple, vermilion. */
export const CLASS_COLORS = ['#E69F00', '#0072B2', '#009E73', '#CC79A7', '#D55E00'];
/** Classes differ by shape as well as colour; test points use the `-open` variants. */
export const CLASS_SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up', 'x'];
export const LIGHT = '#f4f4f1';  // the diverging scales' middle (p = 0.5, value 0)

export function plotly() {
  const P = globalThis.window && window.Plotly;
  if (!P) throw new Error('Plotly is not loaded: include vendor/plotly-*.min.js before the modules');
  return P;
}

export const symbol = (k, open = false) => CLASS_SYMBOLS[k % CLASS_SYMBOLS.length] + (open ? '-open' : '');

function cssVar(el, name) {
  if (typeof getComputedStyle !== 'function' || !el) return '';
  return getComputedStyle(el).getPropertyValue(name).trim();
}

/** Class colours, overridable by the CSS variables --class0 … --class4 (a projector theme). */
export function classColors(el = globalThis.document && document.documentElement) {
  return CLASS_COLORS.map((c, k) => cssVar(el, `--class${k}`) || c);
}

export function hexRgb(color) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(String(color).trim());
  if (!m) {
    const rgb = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(String(color));
    return rgb ? [+rgb[1], +rgb[2], +rgb[3]] : [128, 128, 128];
  }
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
const rgbText = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;

/** Plotly colourscale from `neg` (0) through light (0.5) to `pos` (1), e.g. for P(class 1). */
export function divergingScale(neg = CLASS_COLORS[0], pos = CLASS_COLORS[1], strength = 1) {
  const [a, l, b] = [hexRgb(neg), hexRgb(LIGHT), hexRgb(pos)];
  const stops = [];
  for (let i = 0; i <= 10; i++) {
    const t = i / 10;
    const c = t < 0.5 ? mix(l, a, (1 - 2 * t) * strength) : mix(l, b, (2 * t - 1) * strength);
    stops.push([t, rgbText(c)]);
  }
  return stops;
}

/** Line and marker sizes (px) from the page's CSS variables, so a projector theme thickens them:
 *  --line-width (a chart's curve; default 2) and --marker-size (a data point's diameter; default 7). */
export function lineWidth(el = globalThis.document && document.documentElement) {
  return parseFloat(cssVar(el, '--line-width')) || 2;
}
export function markerSize(el = globalThis.document && document.documentElement) {
  return parseFloat(cssVar(el, '--marker-size')) || 7;
}

/** The plots' font size in px: --plot-font-size, else the element's own font size, else 12. */
export function plotFontSize(el) {
  return parseFloat(cssVar(el, '--plot-font-size'))
    || (el && typeof getComputedStyle === 'function' ? parseFloat(getComputedStyle(el).fontSize) : 0) || 12;
}

/** The most x tick labels a chart `el` has room for beside its margins (`side` px): 3.2 font sizes
 *  each (a label of ~4 digits and its gap). Plotly's own choice for a narrow chart (a projector's 1024×768 cost
 *  curve, ~100 px wide) stood five labels on end and ran them together ("100150"). */
export function xTickRoom(el, side) {
  const width = (el?.clientWidth || 0) - side;
  return width > 0 ? Math.max(2, Math.min(10, Math.floor(width / (plotFontSize(el) * 3.2)))) : undefined;
}

/** Axis settings that keep the y axis' lowest tick label clear of the x axis' first one (both sit at
 *  the origin corner: "0" and "0", "−6" and "−6"): the y labels stand off by half a label's width. */
export function cornerSafe(el) {
  return { ticklabelstandoff: Math.round(plotFontSize(el) * 0.6) };
}

/** Shared layout: transparent background, fonts and colours from the page's CSS variables. */
export function baseLayout(el, extra = {}) {
  const font = {
    family: cssVar(el, '--font-family') || (el && typeof getComputedStyle === 'function'
      ? getComputedStyle(el).fontFamily : 'system-ui, sans-serif'),
    // --plot-font-size (px) overrides; else the element's computed font size (px whatever the unit of --font-size-base)
    size: plotFontSize(el),
    color: cssVar(el, '--fg') || '#222',
  };
  const axis = { fixedrange: true, zeroline: false, color: font.color, gridcolor: cssVar(el, '--grid') || '#e4e4e4',
                 automargin: true, title: { font: { size: font.size } }, tickfont: { size: Math.max(10, font.size - 2) } };
  const merge = (a, b = {}) => ({ ...a, ...b, title: { ...a.title, ...b.title, font: { ...a.title.font, ...b.title?.font } } });
  const layout = {
    font, paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
    margin: { l: 40, r: 12, t: 8, b: 32 }, dragmode: false, hovermode: 'closest',
    xaxis: merge(axis), yaxis: merge(axis),
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', itemclick: false, itemdoubleclick: false,
              font: { size: Math.max(10, font.size - 2) }, ...extra.legend },
  };
  for (const [k, v] of Object.entries(extra)) {
    if (/^[xy]axis\d*$/.test(k)) layout[k] = merge(axis, v);
    else if (k !== 'legend') layout[k] = v;
  }
  return layout;
}

/** Layout parts for a chart with nothing to show yet: a note instead of empty axes. */
export function emptyLayout(empty, text = 'no epochs yet') {
  const axis = { showticklabels: !empty, showgrid: !empty, ticks: '' };
  return {
    annotations: empty ? [{ text, showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, opacity: 0.7 }] : [],
    axis,
  };
}

/** Shared config: no mode bar, interactive, resizes with its container. */
export const baseConfig = Object.freeze({
  displayModeBar: false, displaylogo: false, responsive: true, staticPlot: false,
  scrollZoom: false, doubleClick: false, showTips: false,
});

/** The plotting area of a drawn plot in client pixels, and its axis ranges. */
export function plotArea(div) {
  const full = div._fullLayout;
  if (!full || !full._size) return null;
  const box = div.getBoundingClientRect();
  const s = full._size;
  const xa = full.xaxis;
  const ya = full.yaxis;
  // with a square aspect the x domain may be narrowed: use the axes' own offsets and lengths
  return {
    left: box.left + (xa._offset ?? s.l), top: box.top + (ya._offset ?? s.t),
    width: xa._length ?? s.w, height: ya._length ?? s.h,
    x: xa.range.slice(), y: ya.range.slice(),
  };
}

/** A canvas filling a box that is placed over the plotting area later (hidden from assistive tech:
 *  the plot's own labels say what it shows); `extra` CSS for the box. */
export function overlayCanvas(className, extra = '') {
  const box = document.createElement('div');
  box.className = className;
  box.setAttribute('aria-hidden', 'true');
  box.style.cssText = `position:absolute;pointer-events:none;overflow:hidden;left:0;top:0;width:0;height:0;${extra}`;
  const canvas = document.createElement('canvas');
  canvas.style.cssText = 'position:absolute;left:0;top:0;width:100%;height:100%';
  box.append(canvas);
  return { box, canvas };
}

/** Client pixel → data coordinates (null outside the plotting area). */
export function toData(div, clientX, clientY) {
  const a = plotArea(div);
  if (!a) return null;
  const fx = (clientX - a.left) / a.width;
  const fy = (clientY - a.top) / a.height;
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  return [a.x[0] + fx * (a.x[1] - a.x[0]), a.y[1] - fy * (a.y[1] - a.y[0])];
}

/** Time spent in each view's draws (ms), for the dev page and diagnostics: {name: {count, total, last}}. */
export const drawStats = {};

let heavyFrame = -1;  // the animation frame (its timestamp) in which a chart last redrew
const DISPLAY_FRAME_MS = 1000 / 60;  // a frame that took no longer than one display frame cost nothing extra
const LONGEST_FRAME_MS = 500;  // the longest a heavy draw's frame is taken to have cost (4× throttled: ~150 ms)

/** The main thread's share the heavy draws may take together. A heavy draw that took d ms is
 *  followed by no other for d / share ms: on a fast machine (~10 ms a chart) that is under the
 *  charts' own minInterval and changes nothing; on a slow one (a 4× CPU throttle: ~40–100 ms a
 *  chart) the charts redraw less often instead of leaving the frames no time. */
export const HEAVY_SHARE = 0.25;

/** When heavy draws may run again: `spent(now, ms)` after one, `wait(now)` ms until the next may. */
export function heavyBudget(share = HEAVY_SHARE) {
  let next = -Infinity;
  return {
    spent(now, ms) { next = Math.max(next, now + ms / share); },
    wait(now) { return Math.max(0, next - now); },
  };
}
const heavyTurns = heavyBudget();

/** `draw` runs at most once per animation frame however often the returned function is called,
 *  and at most once per `minInterval` ms (charts need not redraw at the stream's full rate).
 *  `heavy` draws (the charts' full Plotly redraws, ~10 ms each) take turns: one per animation frame,
 *  and all of them together at most HEAVY_SHARE of the main thread. */
export function everyFrame(draw, name = 'draw', { minInterval = 0, heavy = false } = {}) {
  let pending = false;
  let last = -Infinity;
  const stats = (drawStats[name] ||= { count: 0, total: 0, last: 0 });
  function run(now) {
    const budget = heavy ? heavyTurns.wait(now) : 0;
    const wait = Math.max(minInterval - (now - last), budget >= 1 ? budget : 0);  // under 1 ms: noise
    if (wait > 0) {
      setTimeout(() => requestAnimationFrame(run), wait);
      return;
    }
    if (heavy && heavyFrame === now) { requestAnimationFrame(run); return; }
    if (heavy) heavyFrame = now;
    pending = false;
    last = now;
    const t0 = performance.now();
    draw();
    stats.last = performance.now() - t0;
    stats.total += stats.last;
    stats.count++;
    if (heavy) {
      heavyTurns.spent(now, stats.last);
      // what the draw left to the browser (a canvas's strokes are rasterised at commit, a Plotly svg
      // laid out and painted) is in its frame but not in its script time: the gradient chart's paint
      // at full speed was 4 ms of script and 6 ms of raster. The next frame's start says how long this
      // one took; all of it beyond a display frame counts against the budget too.
      // (a next frame later than LONGEST_FRAME_MS is a hidden tab or a sleeping laptop, not work:
      // five minutes away would otherwise hold the charts for twenty)
      requestAnimationFrame((next) => heavyTurns.spent(now, Math.min(next - now, LONGEST_FRAME_MS) - DISPLAY_FRAME_MS));
    }
  }
  return function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(run);
  };
}

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
const sup = (k) => String(k).replace(/./g, (c) => SUPERSCRIPT[c]);
const powerText = (v) => {
  const k = Math.round(Math.log10(v));
  return k === 0 ? '1' : k === 1 ? '10' : `10${sup(k)}`;
};
const shortText = (v) => {
  if (v >= 1e-3 && v < 1e4) return String(+v.toPrecision(3));
  const k = Math.floor(Math.log10(v) + 1e-9);
  const m = +(v / 10 ** k).toPrecision(2);
  return m === 1 ? `10${sup(k)}` : `${m}×10${sup(k)}`;
};

/** Readable ticks for a small log-scale chart over data in [lo, hi] (both > 0): powers of ten when
 *  the data spans more than a decade, else a few round numbers (Plotly's own choice crowds small plots);
 *  `most`: the most labels the axis has room for (a chart ~125 px tall: 3). */
export function logTicks(lo, hi, target = 4, most = Infinity) {
  if (!(lo > 0 && hi >= lo)) return {};
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const span = Math.log10(hi / lo);
  if (span > 2) {
    const every = Math.max(1, Math.ceil((b - a) / target), Math.ceil((b - a) / Math.max(1, most - 1)));
    const tickvals = [];
    // from the first multiple of `every` on the axis (floor started under it: a label off the axis)
    for (let k = Math.ceil(a / every) * every; k <= b; k += every) tickvals.push(Number(`1e${k}`));
    return { tickvals, ticktext: tickvals.map(powerText) };
  }
  if (span > 0.6) {  // 1, 2, 5 in each decade; 1 and 3, or 1, where the axis has room for fewer
    const count = (ms) => (b - a) * ms.length + 1;  // on an axis of whole decades, 10^a to 10^b
    const ms = [[1, 2, 5], [1, 3], [1]].find((m) => count(m) <= most) ?? [1];
    const tickvals = [];
    for (let k = a; k <= b; k++) for (const m of ms) tickvals.push(Number(`${m}e${k}`));
    return { tickvals, ticktext: tickvals.map(shortText) };
  }
  const raw = (hi - lo) / target || hi / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const tickvals = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step; v += step) if (v > 0) tickvals.push(+v.toPrecision(6));
  return { tickvals, ticktext: tickvals.map(shortText) };
}

/** Keeps a plot sized to its container (Plotly's `responsive` only follows window resizes). */
export function autoResize(div) {
  let pending = false;
  new ResizeObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      if (div._fullLayout && div.isConnected && div.offsetParent) plotly().Plots.resize(div)?.catch?.(() => {});
    });
  }).observe(div);
}
