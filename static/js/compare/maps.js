// compare/maps.js — a small decision-boundary map on plain canvases, for up to six side by side.
// Same painting as the playground's boundary (views/paint.js: same colour scale, same LUTs), without
// Plotly (six Plotly maps draw at under 10 frames a second): the output is painted into a canvas of
// one pixel a grid point that CSS stretches over the map (the browser scales it smoothly), and the
// data points live on a canvas of their own above it, drawn only when they or the size change. So a
// new frame costs one putImageData of 100×100 pixels a map, and the ŷ = 0.5 line (views/contour.js)
// stroked on a third canvas over them. `draw()` is called by the page's one animation-frame loop
// and does nothing unless something changed.
import { classColors, hexRgb, symbol } from '../plot.js';
import { boundaryLines } from '../views/contour.js';
import { classLUTs, divergingLUT, outputSize, paintOutput } from '../views/paint.js';

const MAP_STRENGTH = 0.7;  // as views/boundary.js: the map stays paler than the points on it
const OUTLINE = 'rgba(20,20,20,0.7)';
const LINE = '#151515';  // as views/boundary.js: ŷ = 0.5 as a dark line on a white halo
const HALO = 'rgba(255,255,255,0.85)';

function darker(color, t = 0.35) {
  const [r, g, b] = hexRgb(color);
  return `rgb(${Math.round(r * (1 - t))},${Math.round(g * (1 - t))},${Math.round(b * (1 - t))})`;
}

/** A marker path (Plotly's shapes: circle, square, diamond, triangle-up, x) centred at x, y. */
function marker(ctx, shape, x, y, r) {
  ctx.beginPath();
  if (shape === 'square') ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
  else if (shape === 'diamond') {
    ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.2, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r * 1.2, y);
    ctx.closePath();
  } else if (shape === 'triangle-up') {
    ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.1, y + r * 0.8); ctx.lineTo(x - r * 1.1, y + r * 0.8); ctx.closePath();
  } else if (shape === 'x') {
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
  } else ctx.arc(x, y, r, 0, 2 * Math.PI);
}

/**
 * The map in `el`; opts: {extent, label, onResize()} — onResize asks the page for a redraw.
 * Methods: setPoints({train, test, kind, nClasses}), setOutput(decodedOutput | null),
 * setDiverged(text | null), draw() → whether it drew.
 */
export function createMapView(el, { extent = 6, label = '', onResize = () => {} } = {}) {
  el.classList.add('cmp-map');
  const grid = document.createElement('canvas');  // the output, one pixel a grid point, stretched by CSS
  grid.className = 'cmp-map-grid';
  grid.width = grid.height = 1;
  const layer = document.createElement('canvas');  // the data points at the map's device resolution
  layer.className = 'cmp-map-points';
  layer.setAttribute('role', 'img');
  layer.setAttribute('aria-label', `Decision boundary of ${label} over x₁, x₂ from −${extent} to ${extent}`);
  const line = document.createElement('canvas');  // the ŷ = 0.5 line, at the map's device resolution
  line.className = 'cmp-map-line';
  line.setAttribute('aria-hidden', 'true');
  const overlay = document.createElement('div');
  overlay.className = 'cmp-map-overlay';
  overlay.hidden = true;
  el.replaceChildren(grid, layer, line, overlay);  // the line over the points: it reads from afar
  const gridCtx = grid.getContext('2d');
  const lineCtx = line.getContext('2d');
  const layerCtx = layer.getContext('2d');
  let image = null;
  let points = null;
  let output = null;
  let scale = 1;
  let px = 0;  // points canvas side in device pixels
  let gridDirty = false;
  let layerDirty = true;
  // from the page (the theme's variables live on :root): `el` is not in the document yet, and a
  // detached element has no computed style, which silently gave the default palette
  const colors = classColors();
  const luts = { diverging: divergingLUT(colors[0], colors[1], MAP_STRENGTH), classes: classLUTs(colors, MAP_STRENGTH) };
  const regressionLut = divergingLUT(colors[0], colors[1], 1);

  /** The points canvas follows the box's size (read from the observer: drawing never forces a layout). */
  function resize(side) {
    const next = Math.round(side * (globalThis.devicePixelRatio || 1));
    if (next <= 0 || next === px) return;
    px = next;
    layer.width = layer.height = line.width = line.height = px;
    layerDirty = true;
    gridDirty = true;
    onResize();
  }
  new ResizeObserver(([entry]) => {
    const box = entry.contentBoxSize?.[0];
    resize(box ? Math.min(box.inlineSize, box.blockSize) : Math.min(entry.contentRect.width, entry.contentRect.height));
  }).observe(el);

  function drawPoints() {
    layerDirty = false;
    layerCtx.clearRect(0, 0, px, px);
    if (!points) return;
    const k = px / (2 * extent);
    const r = Math.max(1.6, Math.min(4, px / 95));
    const { kind } = points;
    const draw = (set, test) => {
      if (!set?.x) return;
      set.x.forEach(([a, b], i) => {
        const y = set.y[i];
        const cls = kind === 'regression' ? 0 : Math.round(y);
        const shape = kind === 'regression' ? 'circle' : symbol(cls);
        let color;
        if (kind === 'regression') {
          const idx = Math.max(0, Math.min(255, Math.round(127.5 + (y / scale) * 127.5))) * 4;
          color = `rgb(${regressionLut[idx]},${regressionLut[idx + 1]},${regressionLut[idx + 2]})`;
        } else color = colors[cls % colors.length];
        marker(layerCtx, shape, (a + extent) * k, (extent - b) * k, r);
        if (test) {
          layerCtx.lineWidth = Math.max(1, r * 0.55);
          layerCtx.strokeStyle = kind === 'regression' ? OUTLINE : darker(color);
          layerCtx.stroke();
        } else {
          if (shape !== 'x') { layerCtx.fillStyle = color; layerCtx.fill(); }
          layerCtx.lineWidth = shape === 'x' ? Math.max(1, r * 0.6) : Math.max(0.6, r * 0.3);
          layerCtx.strokeStyle = shape === 'x' ? color : OUTLINE;
          layerCtx.stroke();
        }
      });
    };
    draw(points.train, false);
    draw(points.test, true);
  }

  function paintGrid() {
    gridDirty = false;
    if (!output) { grid.hidden = true; drawLine(); return; }
    const r = outputSize(output);
    if (!image || image.width !== r) {
      grid.width = grid.height = r;
      image = gridCtx.createImageData(r, r);
      // grid points are cell centres at ±extent: the image reaches half a cell beyond the map on each side
      el.style.setProperty('--cmp-grid-overhang', String(0.5 / (r - 1)));
    }
    paintOutput(image.data, output, { luts, hard: false, scale });
    gridCtx.putImageData(image, 0, 0);
    grid.hidden = false;
    drawLine();
  }

  function drawLine() {
    lineCtx.clearRect(0, 0, px, px);
    const k = px / (2 * extent);  // device px a data unit
    const lines = output && px > 0 ? boundaryLines(output, extent, 0.3 / k) : null;
    if (!lines?.length) return;
    const dpr = globalThis.devicePixelRatio || 1;
    const width = Math.max(2.2 * dpr, px / 100);
    lineCtx.lineCap = 'round';
    lineCtx.lineJoin = 'round';
    for (const [color, w] of [[HALO, width + 2.5 * dpr], [LINE, width]]) {
      lineCtx.strokeStyle = color;
      lineCtx.lineWidth = w;
      lineCtx.beginPath();
      for (const l of lines) {
        lineCtx.moveTo((l[0] + extent) * k, (extent - l[1]) * k);
        for (let s = 2; s < l.length; s += 2) lineCtx.lineTo((l[s] + extent) * k, (extent - l[s + 1]) * k);
      }
      lineCtx.stroke();
    }
  }

  return {
    /** train/test: {x: [[x1, x2], …], y: […]} as GET sessions/{id}/data; kind; nClasses. */
    setPoints({ train, test, kind = 'binary', nClasses = 2 }) {
      points = { train, test, kind, nClasses };
      if (kind === 'regression') {
        const ys = [...(train?.y ?? []), ...(test?.y ?? [])].map(Math.abs).filter(Number.isFinite);
        scale = ys.length ? Math.max(...ys) || 1 : 1;  // one scale for every variant: the data's
        gridDirty = true;
      }
      layerDirty = true;
    },
    setOutput(decodedOutput) {
      output = decodedOutput;
      gridDirty = true;
    },
    setDiverged(text) {
      overlay.hidden = !text;
      overlay.textContent = text ?? '';
      el.classList.toggle('diverged', !!text);
    },
    draw() {
      const drew = gridDirty || (layerDirty && px > 0);
      if (gridDirty) paintGrid();
      if (layerDirty && px > 0) drawPoints();
      return drew;
    },
  };
}
