// controls/more.js — "More settings": the first lesson's controls stay up front (data, features, layers
// and units, activation, learning rate, play/step/reset); the rest (optimizer and its parameters, batch,
// regularisation, dropout, init, seed, output and loss) wait one click away in `panel`. Open or closed is
// the state's `more` (more=1 in the URL), so a reload or a shared link keeps it. Closed, the button names
// what differs from the defaults there; a server error about a setting in it opens it.

import { advancedSummary } from "../disclosure.js";
import { h, setAttr, setHidden, setText } from "./dom.js";

export function buildMoreSettings(root, panel, { catalog, store, defaults }) {
  panel.id ||= "more-settings";
  const summary = h("span", { class: "more-summary" });
  const toggle = h("button", { type: "button", class: "btn more-toggle",
    attrs: { "aria-expanded": "false", "aria-controls": panel.id },
    on: { click: () => store.set({ more: !store.get().more }) } },
  h("span", { class: "more-label", text: "More settings" }), summary);
  const arrow = h("span", { attrs: { "aria-hidden": "true" }, text: "▾" });
  toggle.append(arrow);
  root.append(toggle);
  const render = (s) => {
    const open = !!s.more;
    setHidden(panel, !open);
    setAttr(toggle, "aria-expanded", String(open));
    setText(arrow, open ? "▴" : "▾");
    const text = open ? "" : advancedSummary(s, defaults, catalog);
    setText(summary, text ? ` · ${text}` : "");
    setAttr(toggle, "title", open ? "Hide the settings a first lesson does not need" : "Optimizer, batch, regularisation, dropout, init, seed, output and loss");
  };
  render(store.get());
  store.subscribe((s, prev) => { if (s !== prev) render(s); });
  // an error about a setting in the closed row (say, the batch size) must not stay hidden with it
  new MutationObserver(() => {
    if (!store.get().more && [...panel.querySelectorAll(".error")].some((e) => !e.hidden)) store.set({ more: true });
  }).observe(panel, { subtree: true, attributes: true, attributeFilter: ["hidden"] });
}
