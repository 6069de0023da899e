// controls/network.js — input features (a plain checkbox list, the accessible twin of the diagram's
// input nodes) and the hidden layers: add/remove layers, ± units, activation per layer.

import { checkbox, clearErrors, errorSlot, h, select, setHidden, setOptions, setValue, showError } from "./dom.js";

/** The edits the diagram and these controls share (the network view's events call them too). */
export function networkOps({ catalog, store }) {
  const L = catalog.limits;
  const layers = () => store.get().layers.map((l) => ({ ...l }));
  return {
    toggleFeature(name) {
      const on = store.get().features;
      if (on.includes(name) && on.length === 1) { showError("features", "keep at least one input feature"); return false; }
      clearErrors("features");
      const next = on.includes(name) ? on.filter((f) => f !== name) : [...on, name];
      store.set({ features: catalog.features.map((f) => f.name).filter((f) => next.includes(f)) });
      return true;
    },
    addLayer() {
      const ls = layers();
      if (ls.length >= L.max_layers) return;
      const last = ls[ls.length - 1];
      store.set({ layers: [...ls, { units: last?.units ?? 2, activation: last?.activation ?? "tanh" }] });
    },
    removeLayer() {
      const ls = layers();
      if (ls.length) store.set({ layers: ls.slice(0, -1) });
    },
    units(i, delta) {
      const ls = layers();
      if (!ls[i]) return;
      const u = Math.max(1, Math.min(L.max_units, ls[i].units + delta));
      if (u === ls[i].units) return;
      ls[i].units = u;
      store.set({ layers: ls });
    },
    activation(i, name) {
      const ls = layers();
      if (!ls[i]) return;
      ls[i].activation = name;
      store.set({ layers: ls });
    },
  };
}

export function buildFeatures(root, { catalog, store, ops }) {
  const boxes = new Map();
  const list = h("div", { class: "feature-list" });
  for (const f of catalog.features) {
    const c = checkbox(f.label, { title: f.formula, onChange: (on) => {
      if (on !== store.get().features.includes(f.name) && !ops.toggleFeature(f.name)) c.input.checked = true;
    } });
    c.input.setAttribute("aria-label", `Input feature ${f.formula}`);
    boxes.set(f.name, c.input);
    list.append(c.el);
  }
  root.append(h("h3", { class: "sub-title", text: "Features" }), list, errorSlot(["features"]));
  const render = (s) => { for (const [name, input] of boxes) input.checked = s.features.includes(name); };
  render(store.get());
  store.subscribe(render);
}

/** One activation select per hidden layer (the diagram has the ± buttons for layers and units). */
export function buildLayers(root, { catalog, store, ops }) {
  const row = h("div", { class: "layer-acts" });
  const none = h("span", { class: "hint", text: "No hidden layer: this is logistic regression." });
  root.append(h("span", { class: "label-like", text: "Activation per layer" }), row, none, errorSlot(["layers"]));
  const acts = catalog.activations.map((a) => ({ value: a.name, label: a.label, title: `${a.formula} — ${a.note}` }));
  const shown = [];
  const render = (s) => {
    const k = s.layers.length;
    while (shown.length < k) {
      const i = shown.length;
      const sel = select(acts, { label: `Activation of hidden layer ${i + 1}`, onChange: (v) => ops.activation(i, v) });
      const wrap = h("span", { class: "layer-act" }, h("span", { class: "layer-num", text: `${i + 1}`, attrs: { "aria-hidden": "true" } }), sel);
      shown.push({ wrap, sel });
      row.append(wrap);
    }
    while (shown.length > k) shown.pop().wrap.remove();
    s.layers.forEach((l, i) => { setOptions(shown[i].sel, acts); setValue(shown[i].sel, l.activation); });
    setHidden(none, k > 0);
    setHidden(row, k === 0);
  };
  render(store.get());
  store.subscribe(render);
}
