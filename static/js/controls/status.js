// controls/status.js — the numbers a student watches (cost J, its data term, accuracy; train and
// test) and the banner: "diverged — reset or lower the learning rate", or why nothing trains.

import { hasPenalty } from "../disclosure.js";
import { button, fmt, h } from "./dom.js";

export function buildMetrics(root, { live, store }) {
  const KEYS = [["cost", "Cost J", "J = (1/m)·Σ L(ŷ, y) + R(W)"], ["loss", "Data term", "(1/m)·Σ L(ŷ, y): J without the regularisation"],
    ["accuracy", "Accuracy", "share of points classified correctly"]];
  const cells = { train: {}, test: {} };
  const head = h("tr", {}, h("td", {}), ...KEYS.map(([key, label, title]) => {
    const th = h("th", { attrs: { scope: "col", title }, text: label });
    cells[`h_${key}`] = th;
    return th;
  }));
  const row = (split) => h("tr", {}, h("th", { attrs: { scope: "row" }, text: split }),
    ...KEYS.map(([key]) => (cells[split][key] = h("td", { text: "—", class: `m-${key}` }))));
  root.append(h("table", { class: "metrics" }, h("thead", {}, head), h("tbody", {}, row("train"), row("test"))));
  // the data term beside J only when a regulariser makes them differ: without one it is the same number
  const showPenalty = (s) => { for (const c of [cells.h_loss, cells.train.loss, cells.test.loss]) c.hidden = !hasPenalty(s); };
  if (store) { showPenalty(store.get()); store.subscribe(showPenalty); }
  live.subscribe((l, prev) => {
    if (l.metrics === prev.metrics) return;
    const m = l.metrics;
    const hasAcc = m?.train?.accuracy !== null && m?.train?.accuracy !== undefined;
    for (const split of ["train", "test"]) {
      for (const [key] of KEYS) {
        const v = m?.[split]?.[key];
        const cell = cells[split][key];
        cell.textContent = key === "accuracy" ? (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`) : fmt(v, 4);
        if (key === "accuracy") cell.hidden = !hasAcc;
      }
    }
    cells.h_accuracy.hidden = !hasAcc;
  });
}

export function buildBanner(el, { live, actions }) {
  const text = h("span", { class: "banner-text" });
  const reset = button("Reset", { label: "Reset to the initial weights", cls: "btn banner-action", onClick: actions.reset });
  const lower = button("Lower learning rate ÷10", { label: "Divide the learning rate by ten", cls: "btn banner-action",
    onClick: actions.lowerLearningRate });
  const close = button("×", { label: "Dismiss this message", cls: "btn icon", onClick: () => live.set({ note: null }) });
  el.append(text, reset, lower, close);
  const render = (l) => {
    const diverged = l.status === "diverged";
    const note = l.note;
    el.hidden = !diverged && !note;
    el.classList.toggle("banner-danger", diverged);
    reset.hidden = lower.hidden = !diverged;
    close.hidden = diverged;
    if (diverged) {
      const at = l.divergedAt ? ` at epoch ${l.divergedAt.epoch}` : "";
      text.textContent = `Diverged${at} — reset, or lower the learning rate.`;
    } else text.textContent = note ?? "";
  };
  render(live.get());
  live.subscribe((l, prev) => { if (l.status !== prev.status || l.note !== prev.note || l.divergedAt !== prev.divergedAt) render(l); });
}
