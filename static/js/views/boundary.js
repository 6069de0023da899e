// The decision boundary: the output map over [−extent, extent]² painted on a canvas of its own under
// the Plotly plot (whose background is transparent), the data points on a second canvas over the plot
// (views/points.js), the ŷ = 0.5 line an SVG over them; click/touch/keyboard picks, a card on hover.
// Plotly draws only the axes, the legend (from traces without data), the hint and the crosshair.
// A frame repaints only the map's canvas and the line's path; new points or "Show test data" repaint
// the points' canvas; Plotly.react runs only when the legend, the crosshair, the hint or the theme
// change (bench/frames.py: a layout image per frame cost a PNG encode, an image decode and a
// Plotly.react every frame; a Plotly redraw of ~500 markers cost 40–60 ms a "Show test data" click).
import { autoResize, baseConfig, baseLayout, classColors, cornerSafe, divergingScale, everyFrame, lineWidth, markerSize,
         overlayCanvas, plotArea, plotly, symbol, toData } from '../plot.js';
import { boundaryLines, levelLines } from './contour.js';
import { classLUTs, divergingLUT, outputSize, paintOutput } from './paint.js';
import { darker, drawMarkers, markerList, nearestMarker, OUTLINE } from './points.js';

const MAP_STRENGTH = 0.7;  // the map stays paler than the points drawn on it
const PICK_SLOP = 8;  // px a press may move and still count as a pick, not a drag
const HOVER_REACH = 3;  // px beyond a marker's edge the pointer may be and still show its card
const TOUCH_REACH = 12;  // a finger is less precise

const LINE = '#151515';  // ŷ = 0.5, on a white halo: visible on either class's colour, from the back of a room
const HALO = 'rgba(255,255,255,0.85)';

function markers(name, pts, marker, extra = {}) {
  return { type: 'scatter', mode: 'markers', name, hoverinfo: 'x+y+name', x: pts.x, y: pts.y, marker, ...extra };
}

function split(set, kind, k) {
  const x = [];
  const y = [];
  const v = [];
  if (!set || !set.x) return { x, y, v };
  set.x.forEach((p, i) => {
    if (kind === 'regression' || Math.round(set.y[i]) === k) { x.push(p[0]); y.push(p[1]); v.push(set.y[i]); }
  });
  return { x, y, v };
}

export function createBoundaryView(el, opts = {}) {
  const extent = opts.extent ?? 6;
  const step = opts.keyStep ?? extent / 24;
  const div = document.createElement('div');
  div.className = 'nnp-boundary-plot';
  const live = document.createElement('p');
  live.className = 'nnp-visually-hidden';
  live.setAttribute('aria-live', 'polite');
  el.classList.add('nnp-boundary');
  el.tabIndex = 0;
  el.setAttribute('role', 'application');  // its arrow keys move the crosshair, not a screen reader's cursor
  el.setAttribute('aria-roledescription', 'plot');
  el.setAttribute('aria-label', opts.label ?? 'Decision boundary. Arrow keys move a crosshair; Enter picks the point under it.');
  el.dataset.showing = 'output';  // or the unit/feature whose map is shown instead (showMap)
  const SVG = 'http://www.w3.org/2000/svg';
  const lineSvg = document.createElementNS(SVG, 'svg');
  lineSvg.setAttribute('class', 'nnp-boundary-line');
  lineSvg.setAttribute('aria-hidden', 'true');
  lineSvg.setAttribute('preserveAspectRatio', 'none');
  lineSvg.style.cssText = 'position:absolute;pointer-events:none;overflow:hidden;left:0;top:0;width:0;height:0';
  const linePaths = [HALO, LINE].map((color) => {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', color);
    path.setAttribute('stroke-linejoin', 'round');
    path.setAttribute('vector-effect', 'non-scaling-stroke');  // widths in px whatever the data scale
    lineSvg.append(path);
    return path;
  });
  // the map: a canvas clipped to the plotting area, laid under the plot (before it, both positioned)
  const { box: mapBox, canvas } = overlayCanvas('nnp-boundary-map', 'display:none');
  // the data points: a canvas the size of the plotting area (in device pixels: crisp), over the plot's
  // gridlines as Plotly's markers were, under the line
  const { box: dotBox, canvas: dots } = overlayCanvas('nnp-boundary-points');
  // what Plotly's hover label said of a point: its class (or value), train or test, x₁ and x₂
  const card = document.createElement('div');
  card.className = 'nnp-point-card';
  card.hidden = true;
  card.style.cssText = 'position:absolute;pointer-events:none;z-index:2;padding:2px 6px;border-radius:3px;white-space:nowrap;'
    + 'font-size:0.85em;line-height:1.3;background:var(--bg,#fff);color:var(--fg,#222);border:1px solid currentColor;'
    + 'box-shadow:0 1px 3px rgba(0,0,0,0.3)';
  el.replaceChildren(mapBox, div, dotBox, lineSvg, card, live);
  el.dataset.plotlyDraws = '0';  // Plotly.react calls so far (tests: a toggle or a frame must not add one)
  autoResize(div);

  let colors = classColors(el);
  let sizes = readSizes();
  let luts = { diverging: divergingLUT(colors[0], colors[1], MAP_STRENGTH), classes: classLUTs(colors, MAP_STRENGTH) };
  let points = { train: null, test: null, kind: 'binary', nClasses: 2 };
  let options = { showTest: true, discretize: false };
  let output = null;
  let map = null;  // a hidden unit's or a feature's map shown instead of the output (explore.js: network hover)
  // painted as its thumbnail in the diagram is: a diverging scale round 0, the layer's largest |a| at the ends
  const shownMap = () => (map ? { kind: 'regression', value: map.grid } : output);
  let valueScale = 1;
  let hint = null;  // lines shown on the plot while it has no map (setHint)
  let traces = [];
  let legendKey = '';  // the legend traces last given to Plotly: a change means a Plotly.react
  let drawn = [];  // the markers on the points' canvas (views/points.js markerList)
  let dotsDirty = true;
  let area = null;  // the plotting area the points' canvas was last laid over (plot.js plotArea)
  let hasImage = false;  // a map is painted on the canvas (else the plot shows gridlines and the hint)
  let cross = { x1: 0, x2: 0, on: false };
  let pick = null;
  const ctx = canvas.getContext('2d');
  let image = null;
  let imageDirty = false;  // the map's pixels need painting again (a new grid or map, the theme, discretize)
  let lineDirty = true;  // the ŷ = 0.5 line's path too (a new grid or map, the theme's widths)
  let plotDirty = true;  // the legend's traces, the crosshair or the layout changed: Plotly.react at the next draw
  let placed = '';  // the plotting area and map size the canvas and the line were last laid over
  let staticLayout = null;  // everything but the map image; rebuilt when the legend or theme change

  // what the points' canvas shows, read-only: [{x1, x2, set, label}] (tests read it instead of Plotly's data)
  Object.defineProperty(dots, 'points', { get: () => drawn.map(({ x1, x2, set, label }) => ({ x1, x2, set, label })) });

  /** Marker diameter and outline widths from --marker-size and --line-width (thicker on a projector). */
  function readSizes() {
    const lw = lineWidth(el);
    return { size: markerSize(el), outline: Math.max(1, lw / 2), ring: Math.max(2, lw * 0.75) };
  }

  /** The ŷ = 0.5 line (binary maps) or a shown map's level line as polylines in data coordinates,
   *  simplified to `tolerance` (data units); [] when there is none. */
  function linePolylines(tolerance = 0) {
    if (map) return levelLines(map.grid, extent, map.level, tolerance);
    return (output && boundaryLines(output, extent, tolerance)) || [];
  }

  /** The line's widths, the halo's and the line's: thicker on a projector. */
  const lineWidths = () => {
    const width = Math.max(2.5, sizes.outline * 2.5);
    return [width + 2.5, width];
  };

  /** The line over the points as Plotly traces (toImage), so it reads from the back of a room: a
   *  halo, then the line (the two traces before the crosshair's two). */
  function lineTraces() {
    const x = [], y = [];
    for (const l of linePolylines()) {
      for (let k = 0; k < l.length; k += 2) { x.push(l[k]); y.push(l[k + 1]); }
      x.push(null); y.push(null);
    }
    return [HALO, LINE].map((color, i) => ({
      type: 'scatter', mode: 'lines', name: 'boundary ŷ = 0.5', showlegend: false, hoverinfo: 'skip',
      x, y, line: { color, width: lineWidths()[i] }, connectgaps: false }));
  }

  /** The points' traces (their data only for toImage: on the page they carry the legend alone, the
   *  points' canvas draws the points), in the order Plotly drew them. */
  function pointTraces(withData) {
    const { kind, nClasses, train, test } = points;
    const { size, outline, ring } = sizes;
    // without data: one blank point (Plotly leaves a trace without points out of the legend)
    const pts = (set, k) => (withData ? split(set, kind, k) : { x: [null], y: [null], v: [] });
    const out = [];
    if (kind === 'regression') {
      const a = pts(train, 0);
      const b = pts(test, 0);
      // the legend's swatch takes the first value's colour, as it did with the data in the trace
      const color = withData ? a.v : (train?.y?.length ? [train.y[0]] : []);
      out.push(markers('train', a, { size, symbol: symbol(0), color, cmin: -valueScale, cmax: valueScale,
                                     colorscale: divergingScale(colors[0], colors[1]), line: { color: OUTLINE, width: outline } }));
      out.push(markers('test', b, { size, symbol: symbol(0, true), color: OUTLINE, line: { width: ring * 0.75 } },
                       { visible: options.showTest }));
    } else {
      for (let k = 0; k < nClasses; k++) {
        const c = colors[k % colors.length];
        out.push(markers(`class ${k}`, pts(train, k), { size, symbol: symbol(k), color: c, line: { color: OUTLINE, width: outline } }));
      }
      for (let k = 0; k < nClasses; k++) {
        const c = darker(colors[k % colors.length]);
        // on the page the test legend entry stays and is hidden (markLegend): a toggle redraws no Plotly
        out.push(markers('test', pts(test, k), { size, symbol: symbol(k, true), color: c, line: { color: c, width: ring } },
                         { visible: withData ? options.showTest : true, showlegend: k === 0 }));
      }
    }
    return out;
  }

  function buildTraces() {
    const { size, ring } = sizes;
    traces = pointTraces(false);
    // the keyboard crosshair: a pale halo under a dark cross, visible on any map colour
    for (const [color, width] of [['rgba(255,255,255,0.9)', 3 + ring], [OUTLINE, ring]]) {
      traces.push({ type: 'scatter', mode: 'markers', name: 'crosshair', showlegend: false, hoverinfo: 'skip',
                    x: [cross.x1], y: [cross.x2], visible: cross.on,
                    marker: { symbol: 'cross-thin-open', size: 4 * size, color, line: { width, color } } });
    }
  }

  /** The legend's "test" entry shown only with the test points (classes: its trace stays in the plot). */
  function markLegend() {
    for (const item of div.querySelectorAll('.legend .traces')) {
      if (item.querySelector('.legendtext')?.textContent === 'test') item.style.visibility = options.showTest ? '' : 'hidden';
    }
  }

  const toPx = (x1, x2) => [((x1 - area.x[0]) / (area.x[1] - area.x[0])) * area.width,
                            ((area.y[1] - x2) / (area.y[1] - area.y[0])) * area.height];

  /** Repaints the points' canvas: device pixels for a crisp picture, CSS pixels for the geometry. */
  function paintDots() {
    dotsDirty = false;
    drawn = markerList(points, { colors, sizes, valueScale, showTest: options.showTest });
    if (el.dataset.pointsDrawn !== String(drawn.length)) el.dataset.pointsDrawn = String(drawn.length);
    if (!card.hidden) card.hidden = true;  // the point it described may be gone
    if (!area) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(area.width * dpr), h = Math.round(area.height * dpr);
    if (dots.width !== w || dots.height !== h) { dots.width = w; dots.height = h; }
    const g = dots.getContext('2d');
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, w, h);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawMarkers(g, drawn, toPx, sizes.size / 2);
  }

  function renderImage() {
    if (!imageDirty) return;
    imageDirty = false;
    const shown = shownMap();
    if (!!shown !== hasImage) { hasImage = !!shown; plotDirty = true; }  // gridlines and the hint come or go
    const display = shown ? '' : 'none';
    if (mapBox.style.display !== display) mapBox.style.display = display;  // a style write is a layout of the plot
    if (!shown) return;
    const r = outputSize(shown);
    if (!image || image.width !== r) {
      canvas.width = canvas.height = r;
      image = ctx.createImageData(r, r);
    }
    paintOutput(image.data, shown, { luts, hard: options.discretize, scale: map ? map.scale : valueScale });
    ctx.putImageData(image, 0, 0);
  }

  /** The plot's layout; `source`: the map as an image under the points (toImage only: on the page the
   *  canvas under the plot carries it). */
  function layout(source = '') {
    const shown = shownMap();
    const half = shown ? extent / (outputSize(shown) - 1) : 0;  // grid points are cell centres
    staticLayout ||= layoutWithoutImage();
    return { ...staticLayout, ...withoutMap(),
             images: source ? [{ source, xref: 'x', yref: 'y', x: -extent - half, y: extent + half,
                                 sizex: 2 * (extent + half), sizey: 2 * (extent + half), sizing: 'stretch',
                                 xanchor: 'left', yanchor: 'top', layer: 'below' }] : [] };
  }

  /** No map to show (own points not ready yet, or all cleared): gridlines and what to do, instead of
   *  an empty white square. */
  function withoutMap() {
    if (hasImage) return {};
    return { xaxis: { ...staticLayout.xaxis, showgrid: true }, yaxis: { ...staticLayout.yaxis, showgrid: true },
             annotations: hint ? [{ text: hint.join('<br>'), showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.97,
                                    yanchor: 'top', bgcolor: 'rgba(255,255,255,0.85)', borderpad: 4 }] : [] };
  }

  function layoutWithoutImage() {
    const range = [-extent, extent];
    return baseLayout(el, {
      xaxis: { range, title: { text: 'x₁', standoff: 2 }, showgrid: false, constrain: 'domain', dtick: 2 },
      yaxis: { range, title: { text: 'x₂', standoff: 2 }, showgrid: false, scaleanchor: 'x', scaleratio: 1,
               constrain: 'domain', dtick: 2, ...cornerSafe(el) },
      margin: { l: 36, r: 8, t: 2, b: 30 },
      legend: { traceorder: 'normal', y: 1, yanchor: 'bottom', x: -0.1, xanchor: 'left' },  // over the y labels too: one row for 3 classes
      showlegend: points.kind !== 'regression' || options.showTest,
      hovermode: false,  // the points' card (showCard) says what Plotly's hover label said
    });
  }

  /** `image`: only the map changed; else the points or options did (their canvas is repainted, Plotly
   *  redraws only when the legend or the layout changes; the map and its line only when `repaint`:
   *  a "Show test data" click repainted both, unchanged, for nothing); `theme`: fonts and colours too. */
  function changed({ image = false, theme = false, repaint = image || theme } = {}) {
    if (!image) {
      dotsDirty = true;
      const key = JSON.stringify([pointTraces(false), points.kind === 'regression' && options.showTest]);
      if (theme || key !== legendKey) { legendKey = key; staticLayout = null; buildTraces(); plotDirty = true; }
      markLegend();
    }
    if (repaint) { imageDirty = true; lineDirty = true; }
    draw();
  }

  /** The line's path in data coordinates (y up: the svg's viewBox is flipped), its halo under it,
   *  simplified to half a pixel and written only when it changed: a path's new `d` is a layout
   *  of the page (and a hover test under the pointer), once a frame at full speed. */
  function drawLine() {
    if (!lineDirty) return;
    lineDirty = false;
    const perPx = area && area.width > 0 ? (area.x[1] - area.x[0]) / area.width : 0;  // data units a CSS px
    const lines = linePolylines(perPx / 2);
    const digits = perPx > 0 ? Math.max(0, Math.min(6, Math.ceil(-Math.log10(perPx / 20)))) : 4;
    const scale = 10 ** digits;
    const num = (v) => Math.round(v * scale) / scale;
    let d = '';
    for (const l of lines) {
      d += `M${num(l[0])} ${num(-l[1])}L`;
      for (let k = 2; k < l.length; k += 2) d += `${num(l[k])} ${num(-l[k + 1])} `;
    }
    const widths = lineWidths().map(String);
    linePaths.forEach((path, i) => {
      if (path.getAttribute('d') !== d) path.setAttribute('d', d);
      if (path.getAttribute('stroke-width') !== widths[i]) path.setAttribute('stroke-width', widths[i]);
    });
  }

  /** Lays the line's svg and the map's canvas over the plotting area: after every Plotly draw (a
   *  resize moves it) and when the map's size changes; a frame reads no layout. */
  function place() {
    const a = plotArea(div);
    if (!a) return;
    const box = el.getBoundingClientRect();
    const at = { left: `${a.left - box.left - el.clientLeft}px`, top: `${a.top - box.top - el.clientTop}px`,
                 width: `${a.width}px`, height: `${a.height}px` };
    const r = image ? image.width : 0;
    const key = JSON.stringify([at, a.x, a.y, r, window.devicePixelRatio]);
    markLegend();  // a Plotly draw makes the legend anew
    if (key === placed) return;
    placed = key;
    area = a;
    lineDirty = true;  // simplified and rounded for the old size: again for this one
    drawLine();
    Object.assign(dotBox.style, at);
    paintDots();
    Object.assign(lineSvg.style, at);
    lineSvg.setAttribute('viewBox', `${a.x[0]} ${-a.y[1]} ${a.x[1] - a.x[0]} ${a.y[1] - a.y[0]}`);
    Object.assign(mapBox.style, at);
    if (r > 1) Object.assign(canvas.style, mapPlacement(a, r));
  }

  /** The canvas inside the plotting area: its pixels' centres on the grid points, so the outer
   *  half-cells spill over the edges (clipped), as the layout image of toImage does. */
  function mapPlacement(a, r) {
    const half = extent / (r - 1);
    const [x0, x1] = a.x, [y0, y1] = a.y;
    const pct = (v) => `${(v * 100).toFixed(4)}%`;
    return { left: pct((-extent - half - x0) / (x1 - x0)), width: pct((2 * (extent + half)) / (x1 - x0)),
             top: pct((y1 - extent - half) / (y1 - y0)), height: pct((2 * (extent + half)) / (y1 - y0)) };
  }

  let listening = false;
  const draw = everyFrame(() => {
    const size = image ? image.width : 0;
    renderImage();
    drawLine();
    if (plotDirty) {
      plotDirty = false;
      plotly().react(div, traces, layout(), baseConfig);
      el.dataset.plotlyDraws = String(+el.dataset.plotlyDraws + 1);
      place();
    } else if (image && image.width !== size) {
      place();
    }
    if (dotsDirty) paintDots();
    if (!listening && div.on) { listening = true; div.on('plotly_afterplot', place); }
  }, 'boundary');

  function moveCross(x1, x2, announce = true) {
    const clamp = (v) => Math.max(-extent, Math.min(extent, Math.round(v / step) * step));
    cross = { ...cross, x1: clamp(x1), x2: clamp(x2) };
    for (const t of traces.slice(-2)) { t.x = [cross.x1]; t.y = [cross.x2]; t.visible = cross.on; }
    if (announce) live.textContent = `x₁ ${cross.x1.toFixed(2)}, x₂ ${cross.x2.toFixed(2)}`;
    plotDirty = true;
    draw();
  }

  // ---- picking: click or touch (pointer events), and the keyboard crosshair
  // Plotly's drag cover takes the pointer after a press, so the release is watched on the window
  let down = null;
  div.addEventListener('pointerdown', (e) => { if (e.isPrimary) down = { x: e.clientX, y: e.clientY, id: e.pointerId }; });
  window.addEventListener('pointerup', (e) => {
    if (!down || e.pointerId !== down.id) return;
    const at = Math.hypot(e.clientX - down.x, e.clientY - down.y) <= PICK_SLOP && toData(div, down.x, down.y);
    down = null;
    if (!at) return;
    if (e.pointerType === 'touch') showCard(e.clientX, e.clientY, TOUCH_REACH);  // a tap: no hover on a touch screen
    cross = { ...cross, x1: at[0], x2: at[1] };  // the keyboard carries on from the last pick
    if (pick) pick(at[0], at[1]);
  }, true);
  window.addEventListener('pointercancel', () => { down = null; }, true);
  div.addEventListener('pointermove', (e) => { if (e.pointerType !== 'touch') showCard(e.clientX, e.clientY, HOVER_REACH); });
  div.addEventListener('pointerleave', () => { card.hidden = true; });

  const coordinate = (v) => v.toFixed(2).replace('-', '−');

  /** The card of the point nearest the pointer (within `reach` px of its marker's edge), beside it. */
  function showCard(clientX, clientY, reach) {
    const a = plotArea(div);
    const at = a && ((x1, x2) => [a.left + ((x1 - a.x[0]) / (a.x[1] - a.x[0])) * a.width,
                                  a.top + ((a.y[1] - x2) / (a.y[1] - a.y[0])) * a.height]);
    const m = at && nearestMarker(drawn, at, clientX, clientY, sizes.size / 2 + reach);
    if (!m) { card.hidden = true; return; }
    const [px, py] = at(m.x1, m.x2);
    card.replaceChildren(`${m.label} · ${m.set}`, document.createElement('br'), `x₁ ${coordinate(m.x1)}, x₂ ${coordinate(m.x2)}`);
    card.hidden = false;
    const box = el.getBoundingClientRect();
    const x = px - box.left - el.clientLeft, y = py - box.top - el.clientTop;
    const off = sizes.size / 2 + 6;
    const left = x + off + card.offsetWidth <= el.clientWidth ? x + off : x - off - card.offsetWidth;
    card.style.left = `${Math.max(0, left)}px`;
    card.style.top = `${Math.max(0, y - card.offsetHeight / 2)}px`;
  }
  el.addEventListener('keydown', (e) => {
    if (e.target !== el) return;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (moves[e.key]) {
      e.preventDefault();
      cross.on = true;
      moveCross(cross.x1 + moves[e.key][0] * step, cross.x2 + moves[e.key][1] * step);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (pick) pick(cross.x1, cross.x2);
    }
  });
  el.addEventListener('focus', () => {  // keyboard focus only: a click focuses too, and picks by itself
    if (el.matches(':focus-visible')) { cross.on = true; moveCross(cross.x1, cross.x2); }
  });
  el.addEventListener('blur', () => { cross.on = false; moveCross(cross.x1, cross.x2, false); });

  buildTraces();
  draw();

  return {
    /** train/test: {x: [[x1, x2], …], y: [label or value, …]} (GET …/data); kind; nClasses. */
    setPoints({ train, test, kind = 'binary', nClasses = 2 }) {
      points = { train, test, kind, nClasses: kind === 'regression' ? 1 : nClasses };
      const scale = valueScale;
      if (kind === 'regression') {
        const ys = [...(train?.y ?? []), ...(test?.y ?? [])].map(Math.abs).filter(Number.isFinite);
        valueScale = ys.length ? Math.max(...ys) || 1 : 1;
      }
      changed({ repaint: valueScale !== scale });  // a regression map is painted on the points' scale
    },
    /** The decoded frame output (decodeFrame(frame).output), or null to clear the map; only the latest
     *  per animation frame is drawn. */
    setGrid(decodedOutput) {
      output = decodedOutput;
      changed({ image: true });
    },
    /** A map to show instead of the output ({grid: {shape, values}, scale, level}: explore.js), or null
     *  for the output again; its line is where it crosses `level` (the unit's z = 0). */
    showMap(m) {
      map = m?.grid ? m : null;
      el.dataset.showing = map ? m.key : 'output';
      changed({ image: true });
    },
    /** What to do, shown on the plot while it has no map (e.g. "To train, add at least 4 points"); null: nothing. */
    setHint(text) {
      const lines = text ? ['Pick a class under “Your own points”, then click here.', text] : null;
      if (JSON.stringify(lines) === JSON.stringify(hint)) return;
      hint = lines;
      plotDirty = true;
      draw();
    },
    setOptions(o) {
      const hard = options.discretize;
      options = { ...options, ...o };
      changed({ repaint: options.discretize !== hard });
    },
    onPick(fn) { pick = fn; },
    /** A PNG data URL of the plot as shown (map + points), e.g. for a download link. */
    toImage({ width = 800, height = 800 } = {}) {
      const data = [...pointTraces(true), ...lineTraces(), ...traces.slice(-2)];  // the points back as traces, the line over them
      const source = hasImage ? canvas.toDataURL() : '';
      return plotly().toImage({ data, layout: layout(source), config: baseConfig }, { format: 'png', width, height });
    },
    /** Re-read the CSS colour variables (after a theme change). */
    refreshTheme() {
      colors = classColors(el);
      sizes = readSizes();
      luts = { diverging: divergingLUT(colors[0], colors[1], MAP_STRENGTH), classes: classLUTs(colors, MAP_STRENGTH) };
      changed({ theme: true });
    },
  };
}
