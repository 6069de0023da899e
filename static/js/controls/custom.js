// controls/custom.js — the student's own points: add class A/B/… or erase by click, touch
// (the boundary view's onPick) or keyboard (coordinates form); clear all; CSV upload. Each point is a
// training or a test point as the student chose it ("Draw as"), never split behind their back.

import { CUSTOM, customProblem, splitOf } from "../state.js";
import { button, errorSlot, field, h, setAttr, setHidden, setText, showError, clearErrors } from "./dom.js";

const ERASE_RADIUS = 0.4;  // data units: about 12 px on a 360 px plot of [−6, 6]
const LETTERS = "ABCDEFGHIJ";
const q = (x, ext) => Math.max(-ext, Math.min(ext, Math.round(x * 100) / 100));

export function buildCustomTools(root, { catalog, store, live, ui, actions }) {
  const L = catalog.limits, ext = L.grid_extent;
  let memo = null;  // the last own points of this page, so a detour to another set keeps them

  const toolButtons = [];
  const tools = h("div", { class: "tools", attrs: { role: "toolbar", "aria-label": "Point tools" } });
  for (let k = 0; k < L.max_classes; k++) {
    const b = button(`+${LETTERS[k]}`, { label: `Add points of class ${LETTERS[k]}`, cls: "btn tool", pressed: false,
      onClick: () => ui.set({ tool: ui.get().tool === k ? null : k }) });
    b.style.setProperty("--swatch", `var(--class${k})`);
    toolButtons.push([k, b]);
    tools.append(b);
  }
  const erase = button("Erase", { label: "Erase the nearest point", cls: "btn tool", pressed: false,
    onClick: () => ui.set({ tool: ui.get().tool === "erase" ? null : "erase" }) });
  toolButtons.push(["erase", erase]);
  const clear = button("Clear all", { label: "Clear all points", cls: "btn", onClick: () => {
    memo = { points: [], labels: [], split: [] };
    store.set({ dataset: CUSTOM, points: [], labels: [], split: [] });
  } });
  tools.append(erase);

  // where a new point goes: the training set, or the test set the network never trains on
  const partButtons = ["train", "test"].map((part) => {
    const b = button(part === "train" ? "● Training" : "○ Test", { cls: "btn part", pressed: part === "train",
      label: part === "train" ? "Draw training points" : "Draw test points (held out: the network never trains on them)",
      onClick: () => ui.set({ part }) });
    b.dataset.part = part;
    return b;
  });
  const parts = h("div", { class: "tools parts", attrs: { role: "group", "aria-label": "New points are" } },
    h("span", { class: "label-like", text: "Draw as" }), ...partButtons);

  // keyboard: type coordinates, then add (with the chosen class) or erase the nearest
  const num = (label) => h("input", { type: "number", min: String(-ext), max: String(ext), step: "0.1", value: "0",
    class: "num coord", attrs: { "aria-label": label } });
  const x1 = num("x₁ of the point"), x2 = num("x₂ of the point");
  const at = button("Apply", { label: "Apply the chosen tool at these coordinates", cls: "btn",
    onClick: () => {
      const a = Number(x1.value), b = Number(x2.value);
      if (!Number.isFinite(a) || !Number.isFinite(b)) return;
      if (ui.get().tool === null) ui.set({ tool: 0 });
      pick(a, b);
    } });
  const form = h("div", { class: "coords" }, field("x₁", x1), field("x₂", x2), at);

  const file = h("input", { type: "file", accept: ".csv,text/csv,text/plain", class: "file",
    attrs: { "aria-label": "Upload a CSV of x1,x2,label rows" } });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    clearErrors("csv");
    try {
      const parsed = await actions.uploadCsv(f);
      // a file has no parts: every k-th row is a test point, as many as the training ratio leaves
      const split = splitOf({ labels: parsed.labels, ratio: store.get().ratio });
      memo = { points: parsed.points, labels: parsed.labels, split };
      store.set({ dataset: CUSTOM, points: parsed.points, labels: parsed.labels, split });
    } catch (err) {
      // the server names the line ("csv line 7"): say it, a student fixes the file by it
      const where = err.field && err.field !== "csv" ? `${err.field.replace(/^csv /, "")}: ` : "";
      showError(err.field ?? "csv", `${where}${err.msg ?? String(err)}`);
    } finally {
      file.value = "";
    }
  });
  const upload = h("label", { class: "btn file-label" }, "Upload CSV…", file);
  const status = h("p", { class: "custom-status", attrs: { "aria-live": "polite" } });
  // the drawing tools while the data is your own; before that, one button into them (the panel keeps
  // its status line and errors in view at 1366×768: the generated sets' sliders go while drawing)
  const draw = button("✎ Draw points", { title: "Draw your own points, starting from the ones shown", cls: "btn",
    onClick: () => { start(); if (ui.get().tool === null) ui.set({ tool: 0 }); } });
  const drawing = h("div", { class: "drawing" }, tools, parts,
    h("p", { class: "hint", text: "Pick a class, then click the output plot, or type a point:" }), form);
  root.append(h("h3", { class: "sub-title", text: "Your own points" }), drawing, h("div", { class: "row" }, draw, upload, clear),
    status, errorSlot(["points", "labels", "csv", "split", "dataset.points", "dataset.labels", "dataset.csv", "dataset.split"]));

  function start() {
    const s = store.get();
    if (s.dataset === CUSTOM) return;
    let pts = memo;
    const d = live.get().data;
    if (!pts && d && d.kind !== "regression") {  // the set on show, each point in the part it was in
      const xs = [...d.train.x, ...d.test.x].slice(0, L.max_custom_points);
      const ys = [...d.train.y, ...d.test.y];
      pts = { points: xs.map(([a, b]) => [q(a, ext), q(b, ext)]), labels: xs.map((_, i) => ys[i]),
        split: xs.map((_, i) => (i < d.train.x.length ? "train" : "test")) };
    }
    pts ??= { points: [], labels: [], split: [] };
    store.set({ dataset: CUSTOM, points: pts.points, labels: pts.labels, split: pts.split });
  }

  /** Each own point's part: the state's; for points of an older link (no parts), the parts the
   *  server gave them (live.data), so an edit moves no point between train and test. */
  function partsNow(s) {
    if (Array.isArray(s.split) && s.split.length === (s.labels ?? []).length) return s.split;
    const d = live.get().data, where = new Map();
    for (const part of ["train", "test"]) d?.[part]?.x.forEach(([a, b]) => where.set(`${q(a, ext)},${q(b, ext)}`, part));
    const fallback = splitOf(s);
    return (s.points ?? []).map(([a, b], i) => where.get(`${a},${b}`) ?? fallback[i]);
  }

  /** A click/tap/keyboard pick at (x1, x2): true when a tool used it. */
  function pick(a, b) {
    const tool = ui.get().tool;
    if (tool === null) return false;
    start();
    const s = store.get();
    const points = [...(s.points ?? [])], labels = [...(s.labels ?? [])], split = [...partsNow(s)];
    if (tool === "erase") {
      let best = -1, dist = ERASE_RADIUS;
      points.forEach(([p, r], i) => { const d = Math.hypot(p - a, r - b); if (d <= dist) { best = i; dist = d; } });
      if (best < 0) return true;
      points.splice(best, 1);
      labels.splice(best, 1);
      split.splice(best, 1);
    } else {
      if (points.length >= L.max_custom_points) { showError("points", `at most ${L.max_custom_points} points`); return true; }
      points.push([q(a, ext), q(b, ext)]);
      labels.push(tool);
      split.push(ui.get().part ?? "train");
    }
    memo = { points, labels, split };
    store.set({ dataset: CUSTOM, points, labels, split });
    return true;
  }

  const render = () => {
    const s = store.get(), tool = ui.get().tool, part = ui.get().part ?? "train";
    for (const [k, b] of toolButtons) setAttr(b, "aria-pressed", String(tool === k));
    for (const b of partButtons) setAttr(b, "aria-pressed", String(b.dataset.part === part));
    const own = s.dataset === CUSTOM;
    setHidden(drawing, !own);
    setHidden(clear, !own);
    setHidden(draw, own);
    if (!own) { setText(status, ""); return; }
    const labels = s.labels ?? [];
    const counts = new Map();
    for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
    const classes = Number.isInteger(labels[0]) && [...counts.keys()].every(Number.isInteger)
      ? [...counts].sort((x, y) => x[0] - y[0]).map(([k, c]) => `${c} ${LETTERS[k] ?? k}`) : [];
    const nTest = partsNow(s).filter((p) => p === "test").length;
    setText(status, `${labels.length} points${classes.length ? ` (${classes.join(", ")})` : ""}: ` +
      `${labels.length - nTest} training, ${nTest} test. ` + (customProblem(s) ? `To train, ${customProblem(s)}.` : ""));
  };
  render();
  store.subscribe(render);
  ui.subscribe(render);
  return { start, pick };
}
