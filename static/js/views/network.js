// The network diagram (TF Playground style): input features, one thumbnail per hidden unit, the output;
// links as SVG paths (width ∝ |w|, colour by sign), biases as squares. Frames update the maps and
// link attributes in place; the DOM is rebuilt only when the network's shape changes. Every map is
// drawn on one canvas under the nodes (the nodes keep the borders, focus rings and a dead unit's
// cross): a canvas per thumbnail was a compositor layer each, 72 at [8×6], and committing them cost
// the page more at every frame than painting them. Under each hidden
// layer's head, what its units are doing over the training points (a frame's `units`): how many are dead
// (output 0 at every point; each one crossed out), the share saturated (sigmoid, tanh), and how many
// differ when some are copies of each other (zero initialisation).
// Read only (opts.readOnly, setReadOnly: someone else's session): the same picture without a single
// control — no feature toggles, no unit buttons, no focusable weights or biases, no editor.
// Explorable, read only or not (issue 12): hover, focus (Tab, then arrow keys) or tap a hidden unit or a
// feature and `show` hands its map to the page for the output plot (click, tap or Enter keeps a unit
// there); hover or focus a link and a card gives its value; a legend says what colours and widths mean.
import { decodeGrid } from '../frame.js';
import { throttle } from '../pace.js';
import { classColors } from '../plot.js';
import { featureMap, linkText, unitMap } from './explore.js';
import { createValueCard, linkWidth, networkLegend } from './networkAids.js';
import { classLUTs, divergingLUT, outputSize, paintDiverging, paintOutput, symmetricScale } from './paint.js';
import { createWeightEditor } from './weightEditor.js';

const SVG = 'http://www.w3.org/2000/svg';
const LEAN_LINKS = 2000;

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function button(text, label, onClick, className = 'nnp-net-btn') {
  const b = h('button', { type: 'button', className, textContent: text });
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

const fmt = (v) => (Number.isFinite(v) ? v.toFixed(3) : '?');

/** A thumbnail: its node on the page and its map, painted with putImageData at the map's own size on a
 *  canvas that is not on the page (`src`); the view draws it into the node's box on the diagram's one
 *  canvas (`box`: the node's content box in the body's coordinates; `alpha`: dead or unused faded). */
function thumb(className, title) {
  const node = h('div', { className: `nnp-node ${className}`, title });
  const src = document.createElement('canvas');
  src.width = src.height = 16;
  return { node, src, ctx: src.getContext('2d'), image: null, box: null, alpha: 1 };
}

function paintThumb(t, size, paint) {
  if (!t.image || t.image.width !== size) {
    t.src.width = t.src.height = size;
    t.image = t.ctx.createImageData(size, size);
  }
  paint(t.image.data);
  t.ctx.putImageData(t.image, 0, 0);
}

const DEAD_ALPHA = 0.35;  // a dead unit's map, faded under its cross
const OFF_ALPHA = 0.25;  // an unused feature's map (its node is faded by CSS as much)

function normalise(spec) {
  const outputs = typeof spec.outputs === 'number' ? { units: spec.outputs } : { units: 1, ...spec.outputs };
  return { features: spec.features ?? [], featureMaps: spec.featureMaps ?? {}, hidden: spec.hidden ?? [], outputs,
           limits: { maxLayers: 8, maxUnits: 64, ...spec.limits } };
}

export function createNetworkView(el, opts = {}) {
  let readOnly = !!opts.readOnly;
  const handlers = {};
  const emit = (name, ...args) => (handlers[name] || []).forEach((fn) => fn(...args));
  el.classList.add('nnp-network');
  const count = h('span', { className: 'nnp-net-count' });
  const addLayer = button('+ layer', 'add a hidden layer', () => emit('addLayer'));
  const removeLayer = button('− layer', 'remove the last hidden layer', () => emit('removeLayer'));
  const toolbar = h('div', { className: 'nnp-net-toolbar', hidden: opts.toolbar === false || readOnly }, addLayer, removeLayer, count);
  const cols = h('div', { className: 'nnp-net-cols' });
  const links = svg('svg', { class: 'nnp-net-links', 'aria-hidden': 'false' });
  const maps = h('canvas', { className: 'nnp-net-maps', width: 0, height: 0 });  // every thumbnail's map
  maps.setAttribute('aria-hidden', 'true');
  const mapsCtx = maps.getContext('2d');
  const body = h('div', { className: 'nnp-net-body' }, maps, cols, links);
  el.replaceChildren(toolbar, body, networkLegend());
  const editor = createWeightEditor(el);
  const card = createValueCard(el);  // a link's value while the pointer or the keyboard is on it

  let net = null;
  let key = '';
  let colors = classColors(el);
  let luts = { diverging: divergingLUT(colors[0], colors[1]), classes: classLUTs(colors) };
  let layers = [];  // per network layer (inputs, hidden…, output): [{node, name}] of its linked nodes
  let hiddenThumbs = [];  // [hidden layer][unit] thumb
  let layerStats = [];  // per hidden layer: the element under its head saying what its units do
  let outputThumbs = [];
  let featureThumbs = {};  // name → thumb
  let items = [];  // links and biases in focus order: {el, hit, l, r, c, value, text}
  let grid = [];  // grid[l][r][c] → item (c = n[l−1] is the bias)
  let roving = 0;
  const decodedMaps = new WeakMap();  // encoded catalog grid → decoded
  const last = { neurons: null, weights: null, output: null, units: null };  // the latest frame, drawn again after a rebuild
  // what the output plot shows instead of the output: the node under the pointer or keyboard focus, else
  // the unit chosen by a click, tap or Enter; {l, u} (hidden layer and unit, 0-based) or {feature: name}
  let hovered = null;
  let pinned = null;
  let unitRoving = null;  // the unit node that takes Tab into the diagram's units (one tab stop)
  const deadUnits = [];  // per hidden layer: the Set of its dead units (a frame's `units`)

  const nodeName = (l, r) => layers[l][r].name;
  const allThumbs = () => [...Object.values(featureThumbs), ...hiddenThumbs.flat(), ...outputThumbs];

  /** A thumbnail's map into its node's box on the diagram's canvas (nothing before both exist). */
  function blit(t) {
    if (!t.box || !t.image) return;  // an image only once painted (paintThumb)
    const { x, y, w, h: ht } = t.box;
    mapsCtx.clearRect(x, y, w, ht);
    mapsCtx.globalAlpha = t.alpha;
    mapsCtx.drawImage(t.src, x, y, w, ht);
    mapsCtx.globalAlpha = 1;
  }
  function paint(t, size, fill) {
    paintThumb(t, size, fill);
    blit(t);
  }
  // The output node's map follows the output plot ten times a second, not at every frame: it is a
  // corner of the diagram's one canvas, and a paint of it commits all of that canvas again (at [8×6],
  // 533×262 px, rasterised and copied at every frame of a full-speed run for a 30-px picture). The
  // units' maps change at most as often (the server re-encodes them ≤ 10×/s); the newest is always
  // painted, at most READ_MS late.
  const paintOutputs = throttle((out) => {
    outputThumbs.forEach((t, k) => {
      paint(t, outputSize(out), (px) => paintOutput(px, out, { luts, only: out.kind === 'multiclass' ? k : -1 }));
    });
  });

  function itemLabel(it) {
    const to = nodeName(it.l + 1, it.r);
    return it.c === layers[it.l].length ? `bias of ${to}: ${fmt(it.value)}`
      : `weight from ${nodeName(it.l, it.c)} to ${to}: ${fmt(it.value)}`;
  }

  function column(className, head, nodes) {
    return h('div', { className: `nnp-net-col ${className}` }, h('div', { className: 'nnp-net-head' }, ...head),
             h('div', { className: 'nnp-net-nodes' }, ...nodes));
  }

  function build() {
    const { features, hidden, outputs, limits } = net;
    // one activation for every layer is said once, in the count — where the count is shown (a follower's
    // diagram has no toolbar: each head says it)
    const shared = !toolbar.hidden && hidden.length > 1 && hidden.every((x) => x.activation === hidden[0].activation)
      ? hidden[0].activation : null;
    featureThumbs = {};
    const inputs = [];
    const featureNodes = features.map((f) => {
      const t = thumb('nnp-feature', f.label);
      const label = h('span', { className: 'nnp-feature-label', textContent: f.label });
      let b;
      if (readOnly) {  // a picture of the inputs: which are used, nothing to press
        b = h('div', { className: `nnp-feature-btn nnp-feature-static${f.on ? '' : ' nnp-off'}` }, label, t.node);
        if (!f.on) label.append(h('span', { className: 'nnp-visually-hidden', textContent: ' (not used)' }));
      } else {
        b = h('button', { type: 'button', className: `nnp-feature-btn${f.on ? '' : ' nnp-off'}` }, label, t.node);
        b.setAttribute('aria-pressed', String(!!f.on));
        b.setAttribute('aria-label', `input feature ${f.label}`);
        b.addEventListener('click', () => emit('toggleFeature', f.name));
      }
      featureThumbs[f.name] = t;
      t.alpha = f.on ? 1 : OFF_ALPHA;
      b.dataset.feature = f.name;
      if (f.on) inputs.push({ node: t.node, name: f.label });
      return b;
    });
    const columns = [column('nnp-net-inputs', [h('span', { textContent: 'features' })], featureNodes)];
    layers = [inputs];
    hiddenThumbs = hidden.map((layer, l) => {
      const ts = Array.from({ length: layer.units }, (_, u) => unitThumb(l, u));
      const units = h('span', { textContent: String(layer.units), title: `${layer.units} units` });
      let unitsRow = [units];
      if (!readOnly) {
        const minus = button('−', `remove a unit from layer ${l + 1}`, () => emit('units', l, -1));
        const plus = button('+', `add a unit to layer ${l + 1}`, () => emit('units', l, +1));
        minus.disabled = layer.units <= 1;
        plus.disabled = layer.units >= limits.maxUnits;
        unitsRow = [minus, units, plus];
      }
      const stat = h('span', { className: 'nnp-net-stat' });
      // six heads of "sigmoid" side by side ran into each other on a projector
      const head = [h('span', { className: 'nnp-net-units' }, ...unitsRow),
                    actLabel(shared ? null : layer), stat];
      columns.push(column('nnp-net-hidden', head, ts.map((t) => t.node)));
      layers.push(ts.map((t, u) => ({ node: t.node, name: `layer ${l + 1} unit ${u + 1}` })));
      return Object.assign(ts, { stat });
    });
    layerStats = hiddenThumbs.map((ts) => ts.stat);
    const K = outputs.units;
    outputThumbs = Array.from({ length: K }, (_, k) => thumb('nnp-output', K > 1 ? `output, class ${k}` : 'output'));
    columns.push(column('nnp-net-output', [narrowable('output', 'ŷ', 'output'),
                                           actLabel({ activation: outputs.activation, symbol: outputs.symbol, label: outputs.label })],
                        outputThumbs.map((t) => t.node)));
    layers.push(outputThumbs.map((t, k) => ({ node: t.node, name: K > 1 ? `output class ${k}` : 'output' })));
    cols.replaceChildren(...columns);
    setShort(false);  // the new heads' names measured again (fitHeads)
    addLayer.disabled = hidden.length >= limits.maxLayers;
    removeLayer.disabled = hidden.length === 0;
    count.textContent = `${hidden.length} hidden layer${hidden.length === 1 ? '' : 's'}${shared ? ` · ${shared}` : ''}`;
    unitRoving = hiddenThumbs[0]?.[0]?.node ?? null;
    unitRoving?.setAttribute('tabindex', '0');
    const fits = (n) => !n || n.feature !== undefined || hiddenThumbs[n.l]?.[n.u];
    if (!fits(hovered)) hovered = null;
    if (!fits(pinned)) pinned = null;
    card.hide();
    buildLinks();
    observe();
    explore();
  }

  /** A hidden layer's activation under its units (none: one shared, said in the toolbar's count): its
   *  name, or its symbol ("σ", "LReLU") where the columns are too narrow for the names (fitHeads). */
  function actLabel(layer) {
    const name = layer?.activation ?? '';
    return name ? narrowable(name, layer.symbol || name, layer.label || name, 'nnp-net-act') : h('span', { className: 'nnp-net-act' });
  }

  /** A head's word that says its symbol in narrow columns ("output" → "ŷ"), the word in its tooltip. */
  function narrowable(name, symbol, title, className = '') {
    const span = h('span', { className, textContent: name, title });
    Object.assign(span.dataset, { name, symbol });
    return span;
  }

  /** A hidden unit's thumbnail: a button-like node (roving tabindex) whose map the output plot can show. */
  function unitThumb(l, u) {
    const t = thumb('nnp-unit', '');
    t.node.removeAttribute('title');  // no browser tooltip over the diagram: the output plot says it
    t.node.dataset.unit = `${l}.${u}`;
    t.node.setAttribute('role', 'button');
    t.node.setAttribute('tabindex', '-1');
    t.node.setAttribute('aria-pressed', 'false');
    t.node.setAttribute('aria-label', `layer ${l + 1}, unit ${u + 1}: show its map in the output plot`);
    return t;
  }

  function buildLinks() {
    const group = readOnly ? svg('g') : svg('g', { role: 'group', 'aria-label': 'weights and biases: arrow keys move, Enter edits' });
    links.setAttribute('aria-hidden', String(readOnly));  // read only: the thumbnails say it, the links are decoration
    items = [];
    grid = [];
    // big networks (up to 64 units a layer) skip the wide invisible hit paths: half the elements
    const lean = readOnly
      || layers.slice(1).reduce((n, nodes, l) => n + nodes.length * layers[l].length, 0) > (opts.leanLinks ?? LEAN_LINKS);
    for (let l = 0; l + 1 < layers.length; l++) {
      grid.push(layers[l + 1].map((_, r) => {
        const row = [];
        for (let c = 0; c <= layers[l].length; c++) {
          const bias = c === layers[l].length;
          const cls = bias ? 'nnp-bias' : readOnly ? 'nnp-link' : lean ? 'nnp-link nnp-link-lean' : 'nnp-link';
          const vis = svg(bias ? 'rect' : 'path', { class: readOnly ? `${cls} nnp-static` : cls });
          const hit = bias || lean ? vis : svg('path', { class: 'nnp-link-hit' });
          if (!readOnly) {
            hit.setAttribute('tabindex', '-1');
            hit.setAttribute('role', 'button');
          }
          const it = { el: vis, hit, l, r, c, value: 0, text: '', width: -1, sign: 0 };
          hit.dataset.item = String(items.length);
          items.push(it);
          row.push(it);
          group.append(...(hit === vis ? [vis] : [vis, hit]));
        }
        return row;
      }));
    }
    // biases last in the DOM so they sit on top of the links
    for (const it of items) if (it.el.tagName === 'rect') group.append(it.el);
    roving = 0;
    if (items[0] && !readOnly) items[0].hit.setAttribute('tabindex', '0');
    items.forEach((it) => { it.text = itemLabel(it); if (!readOnly) it.hit.setAttribute('aria-label', it.text); });
    links.replaceChildren(group);
  }

  let rowWidth = 0;  // a hidden layer's ± row laid out side by side, as last measured (0: not yet)
  let nameWidth = 0;  // the widest activation name under a hidden layer, as last measured
  let edgeWidth = 0;  // the features' and the output's columns, their names in full, as last measured
  let wideWidth = 0;  // the columns' whole width with every name in full, as last measured

  /** Heads for the columns' width. Columns too narrow for a side-by-side ± row (a projector's fonts, 3+
   *  layers at 1024×768: the rows overlapped by up to 30 px, a "+" under the next "−") stack it: + over
   *  the count over −; too narrow for the activations' names ("leaky_relu" into "sigmoid"), they say
   *  their symbols ("LReLU", "σ"; the name in the tooltip), the output its "ŷ" and its activation's
   *  symbol. Each decided on the wide form's widths, so the narrow form (narrower) does not undo it. */
  function fitHeads() {
    const heads = cols.querySelectorAll('.nnp-net-hidden .nnp-net-units');
    if (!heads.length) return;
    if (!el.classList.contains('nnp-net-stacked')) rowWidth = Math.max(...[...heads].map((u) => u.offsetWidth));
    const acts = [...cols.querySelectorAll('.nnp-net-hidden .nnp-net-act[data-name]')];
    const edges = [...cols.querySelectorAll('.nnp-net-inputs, .nnp-net-output')];
    if (!el.classList.contains('nnp-net-short')) {
      nameWidth = Math.max(0, ...acts.map((a) => a.offsetWidth));
      edgeWidth = edges.reduce((w, c) => w + c.offsetWidth, 0);  // "output sigmoid" said in full
    }
    const each = (cols.clientWidth - edgeWidth) / heads.length;  // a hidden column's share of the width
    el.classList.toggle('nnp-net-stacked', rowWidth + 6 > each);
    // stacked columns are as narrow as their heads allow (views.css): more than the width holds, and the
    // edges say their symbols too
    if (!el.classList.contains('nnp-net-short')) wideWidth = cols.scrollWidth;
    setShort(nameWidth + 6 > each || wideWidth > cols.clientWidth + 1);
  }

  /** The heads' words as symbols ("σ", "ŷ") or names, with the class that says which (fitHeads
   *  measures the names' widths only while the names are shown). */
  function setShort(short) {
    el.classList.toggle('nnp-net-short', short);
    for (const a of cols.querySelectorAll('.nnp-net-head [data-symbol]')) {
      const text = short ? a.dataset.symbol : a.dataset.name;
      if (a.textContent !== text) a.textContent = text;
    }
  }

  /** The panel the diagram is laid out in, if it scrolls (the page's model column: a diagram that
   *  grows pushes the gradient chart below its fold); null where the page itself scrolls. */
  function scroller() {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (/auto|scroll|hidden/.test(getComputedStyle(p).overflowY)) return p;
    }
    return null;
  }

  /** The nodes' size: as large as the width allows (and opts.maxNode), then smaller until every column
   *  fits the diagram's height — measured, not estimated: a hidden layer's head (± row, activation,
   *  statistics) is taller than the features', and a feature's row is as tall as its label's line (a
   *  projector's 16 px labels beside 15 px nodes ran the last units and features off the bottom), and
   *  until the panel around it (if it scrolls) holds it and what follows it (the gradient chart). */
  function fit() {
    if (!net) return;
    fitHeads();
    // the heads at least 3.7em tall (three lines: their last lines level across the columns) — or as
    // tall as the tallest head's lines, if less: without hidden layers "features" and "output sigmoid"
    // kept 3.7em and left seven features on a projector 20 px short
    const heads = [...cols.querySelectorAll('.nnp-net-head')];
    const tallest = () => Math.max(0, ...heads.map((x) => x.offsetHeight));
    el.style.setProperty('--nnp-head', '0px');
    const lines = heads.length ? parseFloat(getComputedStyle(heads[0]).fontSize) * 3.7 : 0;
    el.style.setProperty('--nnp-head', `${Math.min(lines, tallest())}px`);
    const nCols = net.hidden.length + 2;
    const width = body.clientWidth - 56;  // feature labels
    // --nnp-node-min: a short projector screen lets 16-unit layers shrink further than 12 px and stay whole
    const least = parseFloat(getComputedStyle(el).getPropertyValue('--nnp-node-min')) || 12;
    let size = Math.max(least, Math.floor(Math.min(width / (nCols * 2.3), opts.maxNode ?? 56)));
    const setSize = () => el.style.setProperty('--nnp-node', `${size}px`);
    setSize();
    // the links' and the maps' own size out of the measure (place() sets them again)
    links.setAttribute('height', '0');
    maps.style.height = '0';
    const panel = scroller();
    let before = Infinity;  // the overflow at the size before
    let kept = size;
    for (let i = 0; i < 8 && size > least; i++) {
      const over = Math.max(body.scrollHeight - body.clientHeight, panel ? panel.scrollHeight - panel.clientHeight : 0);
      if (over <= 0) break;
      if (over >= before) { size = kept; setSize(); break; }  // smaller nodes did not help: the overflow is not theirs
      before = over;
      kept = size;
      const rows = cols.scrollHeight;  // the tallest column: its head, its nodes and their gaps
      const head = tallest();
      // the nodes' part of the tallest column shrinks with the size; its head does not
      const next = Math.floor(size * Math.max(0, rows - over - head) / Math.max(1, rows - head));
      size = Math.max(least, Math.min(size - 1, next));
      setSize();
    }
  }

  function place() {
    if (!net) return;
    const origin = body.getBoundingClientRect();
    // the links' and the maps' own size out of the measure first: else they keep the body as large as it ever was
    links.setAttribute('width', '0');
    links.setAttribute('height', '0');
    maps.style.width = maps.style.height = '0';
    const [width, height] = [body.scrollWidth, body.scrollHeight];
    links.setAttribute('width', String(width));
    links.setAttribute('height', String(height));
    const box = (node) => {
      const r = node.getBoundingClientRect();
      return { x: r.left - origin.left + body.scrollLeft, y: r.top - origin.top + body.scrollTop, w: r.width, h: r.height };
    };
    placeMaps(width, height, box);
    const boxes = layers.map((nodes) => nodes.map((n) => box(n.node)));
    for (const it of items) {
      const t = boxes[it.l + 1][it.r];
      if (it.c === layers[it.l].length) {
        const s = Math.max(5, t.w * 0.22);
        for (const [k, v] of Object.entries({ x: t.x - s * 0.5, y: t.y + t.h - s * 0.5, width: s, height: s })) it.el.setAttribute(k, v.toFixed(1));
        continue;
      }
      const f = boxes[it.l][it.c];
      const [x1, y1, x2, y2] = [f.x + f.w, f.y + f.h / 2, t.x, t.y + t.h / 2];
      const mx = (x1 + x2) / 2;
      const d = `M${x1.toFixed(1)},${y1.toFixed(1)}C${mx.toFixed(1)},${y1.toFixed(1)} ${mx.toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`;
      it.el.setAttribute('d', d);
      if (it.hit !== it.el) it.hit.setAttribute('d', d);
    }
  }

  /** The maps' canvas over the body's whole scroll area, at the screen's pixel density; each map
   *  drawn again into its node's content box (inside the border). */
  function placeMaps(width, height, box) {
    const dpr = window.devicePixelRatio || 1;
    maps.style.width = `${width}px`;
    maps.style.height = `${height}px`;
    maps.width = Math.round(width * dpr);  // which clears it
    maps.height = Math.round(height * dpr);
    mapsCtx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const snap = (v) => Math.round(v * dpr) / dpr;  // whole device pixels: crisp, and cleared exactly
    for (const t of allThumbs()) {
      const b = box(t.node);
      const [x, y] = [snap(b.x + t.node.clientLeft), snap(b.y + t.node.clientTop)];
      t.box = { x, y, w: snap(t.node.clientWidth), h: snap(t.node.clientHeight) };
      blit(t);
    }
  }

  const relayout = () => { fit(); place(); };
  let pendingLayout = false;
  // the diagram's size, each column's and each column's nodes: a head that grows (a second line of unit
  // statistics, the projector's fonts) or widens ("8% sat." → "12% sat.") moves the nodes without resizing
  // the diagram, and the links and maps follow; so does a change of the screen's pixel density
  // Only the diagram's own size refits it (fit() measures with several layouts); a column or its nodes
  // resized (a statistic's new width, while training) places the links and maps again, and refits only
  // if the diagram now overflows.
  let refit = false;
  const resized = new ResizeObserver((entries) => {
    if (entries.some((e) => e.target === el)) refit = true;
    if (pendingLayout) return;
    pendingLayout = true;
    requestAnimationFrame(() => {
      pendingLayout = false;
      if (refit || body.scrollHeight > body.clientHeight || body.scrollWidth > body.clientWidth) fit();
      refit = false;
      place();
    });
  });
  const observe = () => {
    resized.disconnect();
    resized.observe(el);
    for (const part of cols.querySelectorAll('.nnp-net-col, .nnp-net-nodes')) resized.observe(part);
  };
  observe();
  const watchDensity = () => {  // a window moved to a screen of another density: the maps' canvas follows
    const dppx = window.devicePixelRatio || 1;
    window.matchMedia?.(`(resolution: ${dppx}dppx)`)?.addEventListener('change', () => { relayout(); watchDensity(); },
                                                                          { once: true });
  };
  watchDensity();

  function paintFeatures() {
    for (const f of net.features) {
      const g = net.featureMaps[f.name] ?? f.map;
      const t = featureThumbs[f.name];
      if (!g || !t) continue;
      const draw = (d) => paint(t, d.shape[0], (px) => paintDiverging(px, d.values, d.shape[0], d.shape[1],
                                                                     { scale: symmetricScale(d), lut: luts.diverging }));
      if (g.values || decodedMaps.has(g)) draw(decodedMaps.get(g) ?? g);
      else decodeGrid(g).then((d) => { decodedMaps.set(g, d); if (featureThumbs[f.name] === t) draw(d); });
    }
  }

  function setValue(it, v) {
    it.value = v;
    if (card.item === it) showCard(it);
    const sign = v > 0 ? 1 : v < 0 ? -1 : 0;
    if (sign !== it.sign) {
      it.el.classList.toggle('nnp-pos', sign > 0);
      it.el.classList.toggle('nnp-neg', sign < 0);
      it.sign = sign;
    }
    const a = Math.abs(v);
    if (it.el.tagName === 'rect') {
      const o = (0.25 + 0.75 * Math.min(1, a)).toFixed(2);
      if (o !== it.width) { it.el.style.fillOpacity = o; it.width = o; }
    } else {
      const w = linkWidth(a).toFixed(1);  // the legend draws the same widths
      if (w !== it.width) { it.el.style.strokeWidth = w; it.width = w; }
    }
    if (readOnly) return;
    const text = itemLabel(it);
    if (text !== it.text) { it.text = text; it.hit.setAttribute('aria-label', text); }
  }

  function openEditor(it) {
    const r = it.hit.getBoundingClientRect();
    const host = el.getBoundingClientRect();
    const bias = it.c === layers[it.l].length;
    editor.open({
      label: bias ? `bias of ${nodeName(it.l + 1, it.r)}` : `weight from ${nodeName(it.l, it.c)} to ${nodeName(it.l + 1, it.r)}`,
      value: it.value, x: r.left + r.width / 2 - host.left, y: r.top + r.height / 2 - host.top, returnFocus: it.hit,
      apply: (v) => { setValue(it, v); emit('editWeight', it.l, it.r, it.c, v); },
    });
  }

  function focusItem(i) {
    if (!items.length) return;
    i = (i + items.length) % items.length;
    items[roving]?.hit.setAttribute('tabindex', '-1');
    roving = i;
    items[i].hit.setAttribute('tabindex', '0');
    items[i].hit.focus();
  }

  links.addEventListener('click', (e) => {
    const i = e.target.dataset?.item;
    if (i === undefined) return;
    if (readOnly) { showCard(items[+i], e); return; }  // a tap shows the value (a viewer cannot edit it)
    card.hide();
    focusItem(+i);
    openEditor(items[+i]);
  });
  links.addEventListener('keydown', (e) => {
    if (readOnly) return;
    const i = e.target.dataset?.item;
    if (i === undefined) return;
    const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    if (moves[e.key]) { e.preventDefault(); focusItem(+i + moves[e.key]); }
    else if (e.key === 'Home') { e.preventDefault(); focusItem(0); }
    else if (e.key === 'End') { e.preventDefault(); focusItem(items.length - 1); }
    else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); card.hide(); openEditor(items[+i]); }
  });

  // ---- exploring: a link's value card; a unit's or feature's map in the output plot

  function showCard(it, at = null) {
    const bias = it.c === layers[it.l].length;
    const text = linkText({ bias, value: it.value, from: bias ? '' : nodeName(it.l, it.c), to: nodeName(it.l + 1, it.r) });
    const host = el.getBoundingClientRect();
    const r = it.hit.getBoundingClientRect();
    const [x, y] = at ? [at.clientX, at.clientY] : [r.left + r.width / 2, r.top + r.height / 2];
    card.show(it, text, x - host.left, y - host.top, readOnly ? '' : 'click or Enter to edit');
  }
  const itemOf = (target) => (target?.dataset?.item === undefined ? null : items[+target.dataset.item]);
  links.addEventListener('pointerover', (e) => { if (e.pointerType !== 'touch' && itemOf(e.target)) showCard(itemOf(e.target), e); });
  links.addEventListener('pointermove', (e) => { if (card.item && card.item === itemOf(e.target)) showCard(card.item, e); });
  links.addEventListener('pointerout', (e) => {
    if (e.pointerType !== 'touch' && card.item === itemOf(e.target) && document.activeElement !== e.target) card.hide();
  });
  links.addEventListener('focusin', (e) => { if (itemOf(e.target)) showCard(itemOf(e.target)); });
  links.addEventListener('focusout', (e) => { if (card.item === itemOf(e.target)) card.hide(); });
  document.addEventListener('pointerdown', (e) => { if (card.item && !links.contains(e.target)) card.hide(); }, true);

  /** The node an event is about: {l, u} of a hidden unit, {feature} of an input, or null. */
  function nodeOf(target) {
    const unit = target?.closest?.('[data-unit]');
    if (unit && cols.contains(unit)) {
      const [l, u] = unit.dataset.unit.split('.').map(Number);
      return { l, u };
    }
    const feature = target?.closest?.('[data-feature]');
    return feature && cols.contains(feature) ? { feature: feature.dataset.feature } : null;
  }
  const same = (a, b) => (a === null || b === null ? a === b : a.feature === b.feature && a.l === b.l && a.u === b.u);

  /** What the output plot should show now, to whoever listens (`show`): a map's description or null. */
  function explore() {
    const target = hovered ?? pinned;
    hiddenThumbs.forEach((ts, l) => ts.forEach((t, u) => {
      const on = !!target && target.l === l && target.u === u;
      if (t.node.classList.contains('nnp-shown') !== on) t.node.classList.toggle('nnp-shown', on);
      const isPinned = String(!!pinned && pinned.l === l && pinned.u === u);
      if (t.node.getAttribute('aria-pressed') !== isPinned) t.node.setAttribute('aria-pressed', isPinned);
    }));
    for (const [name, t] of Object.entries(featureThumbs)) t.node.classList.toggle('nnp-shown', target?.feature === name);
    emit('show', target ? describe(target) : null);
  }

  function describe(target) {
    if (target.feature !== undefined) {
      const f = net?.features.find((x) => x.name === target.feature);
      const g = f && (net.featureMaps[f.name] ?? f.map);
      return f ? featureMap(g?.values ? g : decodedMaps.get(g), f) : null;
    }
    return unitMap(last.neurons?.[target.l], target.l, target.u,
                   { activation: net?.hidden[target.l]?.activation ?? 'tanh', dead: !!deadUnits[target.l]?.has(target.u) });
  }

  function hover(node) { if (!same(hovered, node)) { hovered = node; explore(); } }
  function pin(node) { pinned = same(pinned, node) ? null : node; explore(); }

  function focusUnit(l, u) {
    const ts = hiddenThumbs[Math.max(0, Math.min(hiddenThumbs.length - 1, l))];
    const t = ts?.[Math.max(0, Math.min(ts.length - 1, u))];
    if (!t) return;
    unitRoving?.setAttribute('tabindex', '-1');
    unitRoving = t.node;
    t.node.setAttribute('tabindex', '0');
    t.node.focus();
  }

  cols.addEventListener('pointerover', (e) => { if (e.pointerType !== 'touch') hover(nodeOf(e.target)); });
  cols.addEventListener('pointerleave', () => hover(null));
  cols.addEventListener('focusin', (e) => { if (nodeOf(e.target)) hover(nodeOf(e.target)); });
  cols.addEventListener('focusout', (e) => { if (!nodeOf(e.relatedTarget)) hover(null); });
  cols.addEventListener('click', (e) => {
    const node = nodeOf(e.target);
    if (node && node.feature === undefined) pin(node);  // a feature's click toggles it (the button's own job)
  });
  cols.addEventListener('keydown', (e) => {
    const node = nodeOf(e.target);
    if (!node || node.feature !== undefined) return;
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (moves[e.key]) { e.preventDefault(); focusUnit(node.l + moves[e.key][0], node.u + moves[e.key][1]); }
    else if (e.key === 'Home') { e.preventDefault(); focusUnit(node.l, 0); }
    else if (e.key === 'End') { e.preventDefault(); focusUnit(node.l, Infinity); }
    else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pin(node); }
    else if (e.key === 'Escape' && pinned) { e.preventDefault(); pinned = null; explore(); }
  });

  return {
    /** {features: [{name, label, on, map?}] (all catalog features, in order; `map` or featureMaps[name]:
     *   an encoded or decoded grid), featureMaps?: {name: grid}, hidden: [{units, activation}],
     *   outputs: n | {units, activation}, limits?: {maxLayers, maxUnits}} */
    setNetwork(spec) {
      const next = normalise(spec);
      const nextKey = JSON.stringify([next.features.map((f) => [f.name, !!f.on]), next.hidden, next.outputs, next.limits]);
      net = next;
      if (nextKey !== key) {
        key = nextKey;
        editor.close();
        build();
        relayout();
      }
      paintFeatures();
    },
    /** decodeFrame(frame).neurons: per hidden layer {units, res, lo, hi, values}. A layer that is the
     *  very object painted last (decodeFrame hands the same one while the server resends it unchanged)
     *  is not painted again. */
    setNeurons(decoded) {
      last.neurons = decoded;
      let moved = false;
      decoded.forEach((layer, l) => {
        const ts = hiddenThumbs[l];
        if (!ts) return;
        const n = layer.res * layer.res;
        const scale = symmetricScale(layer);
        for (let u = 0; u < Math.min(layer.units, ts.length); u++) {
          if (ts[u].shown === layer) continue;
          ts[u].shown = layer;
          moved = true;
          paint(ts[u], layer.res, (px) => paintDiverging(px, layer.values, layer.res, layer.res,
                                                         { scale, lut: luts.diverging, offset: u * n }));
        }
      });
      if (moved && (hovered ?? pinned)?.l !== undefined) explore();  // the shown unit's map follows the training
    },
    /** decodeFrame(frame).weights: per layer {rows, cols, W (rows×(cols−1)), b}; stale shapes are skipped. */
    setWeights(decoded) {
      last.weights = decoded;
      if (editor.isOpen) return;  // don't move the value being edited
      decoded.forEach((layer, l) => {
        const g = grid[l];
        if (!g || g.length !== layer.rows || g[0].length !== layer.cols || g.shown === layer) return;
        g.shown = layer;  // the same object again (sent unchanged): nothing to redo
        const n = layer.cols - 1;
        for (let r = 0; r < layer.rows; r++) {
          for (let c = 0; c < n; c++) setValue(g[r][c], layer.W[r * n + c]);
          setValue(g[r][n], layer.b[r]);
        }
      });
    },
    /** decodeFrame(frame).output: the output node(s) show a small copy of the map (one class each), at
     *  most every READ_MS and the newest always last (paintOutputs). */
    setOutput(out) {
      if (!out) return;
      last.output = out;
      paintOutputs(out);
    },
    /** A frame's `units`, per hidden layer {units, dead: [unit…], saturated: share | null, distinct}:
     *  dead units crossed out, each layer's counts under its head; stale shapes are skipped. */
    setUnits(units) {
      if (!Array.isArray(units)) return;
      last.units = units;
      units.forEach((u, l) => {
        const ts = hiddenThumbs[l];
        if (!ts || ts.length !== u.units) return;
        const dead = new Set(u.dead);
        deadUnits[l] = dead;
        ts.forEach((t, k) => {
          const isDead = dead.has(k);
          if (t.node.classList.contains('nnp-dead') === isDead) return;
          t.node.classList.toggle('nnp-dead', isDead);
          t.alpha = isDead ? DEAD_ALPHA : 1;
          blit(t);
          t.node.setAttribute('aria-label', `layer ${l + 1}, unit ${k + 1}${isDead
            ? ', dead: its output is 0 at every training point' : ''}: show its map in the output plot`);
        });
        const parts = [];
        const act = net?.hidden[l]?.activation ?? '';
        if (dead.size || /relu/.test(act)) parts.push([`${dead.size} dead`, dead.size ? 'nnp-stat-bad' : '']);
        if (u.saturated !== null && u.saturated !== undefined) {
          parts.push([`${Math.round(u.saturated * 100)}% sat.`, u.saturated >= 0.5 ? 'nnp-stat-bad' : '']);
        }
        if (u.distinct < u.units) parts.push([u.distinct === 1 ? 'all alike' : `${u.distinct} distinct`, 'nnp-stat-bad']);
        const key = JSON.stringify(parts);
        const el = layerStats[l];
        if (!el || el.dataset.key === key) return;
        el.dataset.key = key;
        el.replaceChildren(...parts.map(([text, cls]) => h('span', { className: cls, textContent: text })));
        el.title = [dead.size || /relu/.test(act) ? `${dead.size} of ${u.units} units output 0 at every training point` : '',
          u.saturated !== null && u.saturated !== undefined
            ? `${Math.round(u.saturated * 100)}% of the activations at the training points are within 1% of an asymptote` : '',
          u.distinct < u.units ? `${u.distinct} of ${u.units} units differ: the others are copies` : '']
          .filter(Boolean).join('; ');
      });
    },
    /** Convenience: setNeurons + setWeights + setOutput + setUnits from one decoded frame. */
    setFrame(f) {
      this.setNeurons(f.neurons || []);
      this.setWeights(f.weights || []);
      this.setOutput(f.output);
      this.setUnits(f.units);
    },
    on(event, fn) { (handlers[event] ||= []).push(fn); },
    /** Back to the output: no unit kept in the output plot (the plot's own "back" button). */
    unpin() { if (pinned) { pinned = null; explore(); } },
    /** Read only (someone else's session) or editable (one's own); the diagram is rebuilt, its picture kept. */
    setReadOnly(on) {
      if (readOnly === !!on) return;
      readOnly = !!on;
      editor.close();
      toolbar.hidden = opts.toolbar === false || readOnly;
      if (!net) return;
      build();
      relayout();
      paintFeatures();
      if (last.neurons) this.setNeurons(last.neurons);
      if (last.weights) this.setWeights(last.weights);
      if (last.output) this.setOutput(last.output);
      if (last.units) this.setUnits(last.units);
    },
    get readOnly() { return readOnly; },
    refreshTheme() {
      el.classList.remove('nnp-net-stacked');  // measured again in the theme's fonts
      setShort(false);
      relayout();  // the theme's borders and fonts may move the nodes without resizing anything observed
      colors = classColors(el);
      luts = { diverging: divergingLUT(colors[0], colors[1]), classes: classLUTs(colors) };
      if (net) paintFeatures();
      hiddenThumbs.forEach((ts) => ts.forEach((t) => { t.shown = null; }));  // in the new colours
      if (last.neurons) this.setNeurons(last.neurons);
      if (last.output) this.setOutput(last.output);
    },
  };
}
