// controls/training.js — optimizer and its parameters (from the catalog, with their ranges),
// batch size, dropout, initialiser and seed. Optimizer, batch and dropout change live (PATCH).

import { trainCount } from "../state.js";
import { button, errorSlot, field, h, seedInput, select, setOptions, setSelect, setValue } from "./dom.js";

const BATCHES = [1, 2, 5, 10, 20, 50, 100, 200, null];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];

export function buildTrainingSettings(root, { catalog, store }) {
  const set = (patch) => store.set(patch);
  const opt = select(catalog.optimizers.map((o) => ({ value: o.name, label: o.label, title: o.formula })),
    { label: "Optimizer", onChange: (v) => set({ opt: v, hyper: {} }) });
  const params = h("span", { class: "opt-params" });
  const batch = select([], { label: "Mini-batch size", parse: (v) => (v === "full" ? null : Number(v)),
    onChange: (v) => set({ batch: v }) });
  const dropout = select(DROPOUTS.map((v) => ({ value: v, label: v ? `${v * 100}%` : "none" })),
    { label: "Dropout rate of hidden units", parse: Number, onChange: (v) => set({ dropout: v }) });
  const init = select(catalog.initializers.map((i) => ({ value: i.name, label: i.label, title: `${i.formula} ${i.note}` })),
    { label: "Weight initialiser", onChange: (v) => set({ init: v }) });
  const seed = seedInput("Seed of the initial weights", "seed", store, set);
  const reseed = button("New", { label: "New initial weights (a random seed)", cls: "btn icon",
    onClick: () => set({ seed: Math.floor(Math.random() * 1e6) }) });
  root.append(field("Optimizer", opt), params, field("Mini-batch", batch), field("Dropout", dropout),
    field("Init W[l]", init), h("div", { class: "field" }, h("label", { attrs: { for: seed.id ||= "seed-input" }, text: "Seed of W" }),
      h("span", { class: "inline" }, seed, reseed)),
    errorSlot(["optimizer", "batch_size", "dropout", "init", "seed"]));

  let shownFor = null;
  function renderParams(s) {
    const spec = catalog.optimizers.find((o) => o.name === s.opt)?.params ?? [];
    if (shownFor !== s.opt) {
      shownFor = s.opt;
      params.replaceChildren(...spec.map((p) => paramInput(p, store)));
    }
    for (const input of params.querySelectorAll("input")) {
      const p = spec.find((q) => q.name === input.name);
      const v = String(s.hyper[p.name] ?? p.default);
      if (document.activeElement !== input && input.value !== v) input.value = v;
    }
  }
  const render = (s) => {
    setValue(opt, s.opt);
    renderParams(s);
    const n = trainCount(s);
    setOptions(batch, BATCHES.map((b) => ({ value: b ?? "full", label: b === null ? `all (${n})` : String(b),
      disabled: b !== null && n > 0 && b > n })));
    setSelect(batch, s.batch ?? "full");
    setSelect(dropout, s.dropout, (v) => `${v * 100}%`);
    setValue(init, s.init);
    setValue(seed, s.seed, { keepFocused: true });
  };
  render(store.get());
  store.subscribe(render);
}

function paramInput(p, store) {
  const input = h("input", { type: "number", name: p.name, min: String(p.low), max: String(p.high),
    step: p.high <= 0.01 ? "any" : "0.001", class: "num", attrs: { "aria-label": p.label } });
  input.addEventListener("change", () => {
    const v = Number(input.value);
    const s = store.get();
    if (input.value.trim() === "" || !Number.isFinite(v) || v < p.low || v > p.high) {
      input.value = String(s.hyper[p.name] ?? p.default);
      input.setCustomValidity(`${p.label}: between ${p.low} and ${p.high}`);
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    const hyper = { ...s.hyper };
    if (v === p.default) delete hyper[p.name];
    else hyper[p.name] = v;
    store.set({ hyper });
  });
  return field(p.label, input, { cls: "field-param" });
}
