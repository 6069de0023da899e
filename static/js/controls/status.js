// controls/status.js — the numbers a student watches (cost J, its data term, accuracy; train and
// test) and the banner: a diverged or bouncing run, with the one button that recovers it (α ÷ 10 from
// the initial weights), or a note. The banner lies over the numbers (app.css), so it never moves or
// shrinks the plot below; what it covers it says itself (a diverged run's last good values).

import { throttle } from "../pace.js";
import { lowerRate } from "../state.js";
import { hasPenalty } from "../disclosure.js";
import { button, fmt, h, setHidden, setText } from "./dom.js";

export function buildMetrics(root, { live, store }) {
  const KEYS = [["cost", "Cost J", "J = (1/m)·Σ L(ŷ, y) + R(W)"], ["loss", "Data term", "(1/m)·Σ L(ŷ, y): J without the regularisation"],
    ["accuracy", "Accuracy", "share of points classified correctly"]];
  const cells = { train: {}, test: {} };
  const corner = h("td", { class: "metrics-corner" });
  const head = h("tr", {}, corner, ...KEYS.map(([key, label, title]) => {
    const th = h("th", { attrs: { scope: "col", title }, text: label });
    cells[`h_${key}`] = th;
    return th;
  }));
  const row = (split) => h("tr", {}, h("th", { attrs: { scope: "row" }, text: split }),
    ...KEYS.map(([key]) => (cells[split][key] = h("td", { text: "—", class: `m-${key}` }))));
  const table = h("table", { class: "metrics" }, h("thead", {}, head), h("tbody", {}, row("train"), row("test")));
  root.append(table);
  // the data term beside J only when a regulariser makes them differ: without one it is the same number
  const showPenalty = (s) => { for (const c of [cells.h_loss, cells.train.loss, cells.test.loss]) setHidden(c, !hasPenalty(s)); };
  if (store) { showPenalty(store.get()); store.subscribe(showPenalty); }
  // the numbers at a pace they can be read (pace.js): at full speed they change every frame
  const showNumbers = throttle((m) => {
    const hasAcc = m?.train?.accuracy !== null && m?.train?.accuracy !== undefined;
    for (const split of ["train", "test"]) {
      for (const [key] of KEYS) {
        const v = m?.[split]?.[key];
        const cell = cells[split][key];
        setText(cell, key === "accuracy" ? (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`) : fmt(v, 4));
        if (key === "accuracy") setHidden(cell, !hasAcc);
      }
    }
    setHidden(cells.h_accuracy, !hasAcc);
  });
  live.subscribe((l, prev) => {
    // a diverged run keeps its last good weights: its numbers are those, and say so in the corner
    // cell (no row added: nothing below moves), never "100 %" beside "Diverged" as if it were now
    if (l.status !== prev.status) {
      corner.textContent = l.status === "diverged" ? "last good" : "";
      corner.title = l.status === "diverged" ? "The values before it diverged: the session keeps those weights" : "";
      table.classList.toggle("stale", l.status === "diverged");
    }
    if (l.metrics !== prev.metrics) showNumbers(l.metrics);
  });
}

export function buildBanner(el, { store, live, actions }) {
  const text = h("span", { class: "banner-text" });
  const restart = button("", { cls: "btn primary banner-action", onClick: () => actions.restartSlower() });
  const reset = button("Reset", { label: "Reset to the initial weights", cls: "btn banner-action", onClick: () => actions.reset() });
  let dismissed = null;  // the bouncing episode (its first epoch) the student closed: it stays closed
  const close = button("×", { label: "Dismiss this message", cls: "btn icon", onClick: () => {
    const l = live.get();
    if (shownUnstable(l)) dismissed = l.unstable.since;
    else live.set({ note: null });
    render(l);
  } });
  el.append(text, restart, reset, close);
  const shownUnstable = (l) => (l.status !== "diverged" && l.unstable && l.unstable.since !== dismissed ? l.unstable : null);
  const render = (l) => {
    const diverged = l.status === "diverged";
    const unstable = shownUnstable(l);
    const lr = store.get().lr;
    el.hidden = !diverged && !unstable && !l.note;
    el.classList.toggle("banner-danger", diverged);
    el.classList.toggle("banner-warn", !!unstable);
    restart.hidden = !diverged && !unstable;
    reset.hidden = !diverged;
    close.hidden = diverged;
    restart.textContent = `Start again with α = ${lowerRate(lr)}`;
    restart.setAttribute("aria-label", `${restart.textContent}: from the initial weights, the learning rate divided by ten`);
    restart.title = restart.getAttribute("aria-label");
    if (diverged) {
      const at = l.divergedAt ? ` at epoch ${l.divergedAt.epoch}` : "";
      text.textContent = `Diverged${at}: the cost blew up, α = ${lr} is too large. ${lastGood(l.metrics)}`;
    } else if (unstable) {
      text.textContent = `Unstable since epoch ${unstable.since}: the cost bounces between ${fmt(unstable.low)} and ` +
        `${fmt(unstable.high)} without getting better — α = ${lr} is too large.`;
    } else text.textContent = l.note ?? "";
  };
  render(live.get());
  // a new text is read out (role=alert): not every frame's numbers, only a new episode of bouncing
  live.subscribe((l, prev) => {
    if (l.status !== prev.status || l.note !== prev.note || l.divergedAt !== prev.divergedAt
      || (l.unstable?.since ?? null) !== (prev.unstable?.since ?? null)
      || (l.status === "diverged" && l.metrics !== prev.metrics)) render(l);
  });
  store.subscribe((s, prev) => { if (s.lr !== prev.lr) render(live.get()); });
}

/** A diverged run's numbers are its last good epoch's: said as such. */
function lastGood(m) {
  if (!m?.train) return "";
  const acc = m.test?.accuracy ?? m.train.accuracy;
  const pct = acc === null || acc === undefined ? "" : `, test accuracy ${(acc * 100).toFixed(1)}%`;
  return `Last good values: cost ${fmt(m.train.cost)}${pct}.`;
}
