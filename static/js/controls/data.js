// controls/data.js — the data-set picker (thumbnails drawn from each set's GET datasets/{name}/preview),
// classes, train/test ratio, noise, number of points, data seed; and the display toggles.

import { classColors } from "../plot.js";
import { CUSTOM, classCount } from "../state.js";
import { button, checkbox, errorSlot, field, h, range, seedInput, select, setAttr, setHidden, setOptions, setText, setValue } from "./dom.js";

const THUMB = 44;

export function buildDataPicker(root, { catalog, store, custom }) {
  const sets = [...catalog.datasets, { name: CUSTOM, label: "Your own", kind: "", description:
    "Draw points with the tools below, or upload a CSV of x1,x2,label rows." }];
  const buttons = new Map();
  const grid = h("div", { class: "thumbs" });
  for (const d of sets) {
    // drawn on a canvas off the page and shown as an image: a canvas on the page is a compositor layer
    // that every frame of a training run commits again, twelve of them for pictures that never change
    const canvas = h("canvas", { width: THUMB * 2, height: THUMB * 2 });
    const img = h("img", { attrs: { alt: "", "aria-hidden": "true", width: THUMB * 2, height: THUMB * 2 } });
    const b = h("button", { type: "button", class: "thumb", attrs: { "aria-pressed": "false",
      title: d.description, "aria-label": `${d.label} (${d.kind || "custom"})` } },
    img, h("span", { class: "thumb-label", text: d.label }));
    b.addEventListener("click", () => (d.name === CUSTOM ? custom.start() : store.set({ dataset: d.name })));
    buttons.set(d.name, { button: b, canvas, img });
    grid.append(b);
  }
  root.append(grid);
  const show = (name, data) => {
    const { canvas, img } = buttons.get(name);
    drawThumb(canvas, data, grid);
    img.src = canvas.toDataURL();
  };
  const render = (s) => {
    for (const [name, { button: b }] of buttons) setAttr(b, "aria-pressed", String(name === s.dataset));
    if (s.dataset === CUSTOM) show(CUSTOM, { points: s.points ?? [], labels: s.labels ?? [] });
  };
  render(store.get());
  if (store.get().dataset !== CUSTOM) show(CUSTOM, { points: [], labels: [] });
  store.subscribe(render);
  return {
    /** Draw each generated set's thumbnail from `preview(name)` → {points, labels, kind} (api.datasetPreview:
     *  a sample the server draws without a session), one at a time; kept per app version. */
    async loadThumbnails(preview, version = "") {
      for (const d of catalog.datasets) {
        const key = `nnp-thumb:${version}:${d.name}`;
        let data = null;
        try { data = JSON.parse(localStorage.getItem(key) ?? "null"); } catch { data = null; }
        if (!data) {
          try { data = await preview(d.name); } catch { continue; }
          try { localStorage.setItem(key, JSON.stringify(data)); } catch { /* storage full or off: redraw next time */ }
        }
        show(d.name, data);
      }
    },
  };
}

/** Points coloured by class (or by value for regression) on a 2×-resolution canvas; the page's colours
 *  (--thumb-bg) as `styled`, an element on the page, has them (the canvas is not on the page). */
export function drawThumb(canvas, { points, labels, kind }, styled) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, ext = 6;
  const colors = classColors();
  ctx.clearRect(0, 0, w, w);
  ctx.fillStyle = getComputedStyle(styled).getPropertyValue("--thumb-bg").trim() || "#f7f7f4";
  ctx.fillRect(0, 0, w, w);
  if (!points.length) {
    ctx.fillStyle = "#8a8f96";
    ctx.font = `${Math.round(w * 0.45)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText("✎", w / 2, w / 2);
    return;
  }
  const lo = Math.min(...labels), hi = Math.max(...labels);
  points.forEach(([a, b], i) => {
    const y = labels[i];
    ctx.fillStyle = kind === "regression" ? valueColor((y - lo) / (hi - lo || 1), colors) : colors[y % colors.length];
    ctx.beginPath();
    ctx.arc(((a + ext) / (2 * ext)) * w, (1 - (b + ext) / (2 * ext)) * w, 3, 0, 2 * Math.PI);
    ctx.fill();
  });
}

function valueColor(t, colors) {
  const mix = (c0, c1) => c0.map((v, i) => Math.round(v + (c1[i] - v) * t));
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) || 128);
  const c = mix(rgb(colors[0]), rgb(colors[1]));
  return `rgb(${c.join(",")})`;
}

export function buildDataSettings(root, { catalog, store, actions }) {
  const L = catalog.limits;
  const set = (patch) => store.set(patch);
  const classes = select([], { label: "Number of classes", parse: Number, onChange: (v) => set({ classes: v }) });
  const classesField = field("Classes", classes);
  const out = () => h("output", { class: "value" });
  const ratioOut = out(), noiseOut = out(), nOut = out();
  const ratio = range({ min: 10, max: 90, step: 5, label: "Ratio of training to test data, percent",
    onInput: (v) => { ratioOut.textContent = `${v}%`; }, onChange: (v) => set({ ratio: v / 100 }) });
  const noise = range({ min: 0, max: 1, step: 0.05, label: "Noise",
    onInput: (v) => { noiseOut.textContent = String(v); }, onChange: (v) => set({ noise: v }) });
  const n = range({ min: L.min_samples, max: L.max_samples, step: 10, label: "Number of points",
    onInput: (v) => { nOut.textContent = String(v); }, onChange: (v) => set({ n: v }) });
  const seed = seedInput("Data seed", "dseed", store, set);
  const regen = button("Regenerate", { label: "Regenerate: new points from a new data seed", cls: "btn",
    onClick: actions.regenerate });
  const noiseField = field("Noise", noise, { output: noiseOut });
  const nField = field("Points", n, { output: nOut });
  const ratioField = field("Training data", ratio, { output: ratioOut });
  const seedField = h("div", { class: "field inline-field" }, h("label", { attrs: { for: seed.id = "data-seed" }, text: "Data seed" }),
    seed, regen);
  root.append(classesField, ratioField, noiseField, nField, seedField, errorSlot(["dataset", "*"]));
  const render = (s) => {
    const range_ = catalog.datasets.find((d) => d.name === s.dataset)?.classes;
    setHidden(classesField, !range_);
    if (range_) {
      const opts = [];
      for (let k = range_.min; k <= range_.max; k++) opts.push({ value: k, label: String(k) });
      setOptions(classes, opts);
      setValue(classes, classCount(s, catalog));
    }
    const custom = s.dataset === CUSTOM;
    // own points: no generator (noise, size, seed), and the split is the one drawn; the drawing tools
    // take their place (custom.js), so the panel never scrolls its status line out of sight
    for (const f of [noiseField, nField, seedField]) setHidden(f, custom);
    setHidden(ratioField, custom && Array.isArray(s.split));
    const show = (input, output, v, text) => {
      setValue(input, v, { keepFocused: true });
      setText(output, text);
    };
    show(ratio, ratioOut, Math.round(s.ratio * 100), `${Math.round(s.ratio * 100)}%`);
    show(noise, noiseOut, s.noise, String(s.noise));
    show(n, nOut, s.n, custom ? String((s.labels ?? []).length) : String(s.n));
    setValue(seed, s.dseed, { keepFocused: true });
  };
  render(store.get());
  store.subscribe(render);
}

export function buildViewOptions(root, { store }) {
  const test = checkbox("Show test data", { onChange: (v) => store.set({ showTest: v }) });
  const disc = checkbox("Discretise output", { onChange: (v) => store.set({ discretize: v }),
    title: "Show the predicted class instead of the probability" });
  const log = checkbox("Log-scale cost", { onChange: (v) => store.set({ logScale: v }) });
  root.append(test.el, disc.el, log.el);
  const render = (s) => {
    test.input.checked = s.showTest;
    disc.input.checked = s.discretize;
    log.input.checked = s.logScale;
  };
  render(store.get());
  store.subscribe(render);
}
