// controls/share.js — copy the experiment's link (optionally with the current weights), and export
// the boundary as PNG, the model as JSON or as a NumPy script.

import { button, checkbox, copyText, errorSlot, flash, h, showError } from "./dom.js";

export function buildShare(root, { live, actions }) {
  const withWeights = checkbox("with weights", { title: "Put the current weights in the link: it then starts from them" });
  const copy = button("Copy link", { label: "Copy a link to this experiment", cls: "btn primary", onClick: async () => {
    fallback.hidden = true;
    let url;
    try { url = await actions.shareUrl(withWeights.input.checked); } catch (err) { showError("weights", err.msg ?? String(err)); return; }
    if (await copyText(url, fallback)) flash(copy, "Copied ✓");
  } });
  const fallback = h("input", { type: "text", readOnly: true, class: "link-fallback", hidden: true,
    attrs: { "aria-label": "Link to this experiment: copy it with ctrl+C" } });
  const png = button("PNG", { label: "Download the boundary plot as a PNG image", cls: "btn", onClick: async () => {
    try { await actions.exportPng(); } catch (err) { showError("export", String(err.message ?? err)); }
  } });
  const json = h("a", { class: "btn", text: "JSON", attrs: { download: "network.json",
    title: "Download the model (config, weights, history) as JSON; POST it back to api/v1/sessions to rebuild it" } });
  const py = h("a", { class: "btn", text: "NumPy", attrs: { download: "network.py",
    title: "Download a standalone NumPy script with this network and its weights" } });
  const exports = h("span", { class: "inline", attrs: { role: "group", "aria-label": "Export" } }, png, json, py);
  root.append(copy, withWeights.el, fallback, h("span", { class: "sep", attrs: { "aria-hidden": "true" } }), exports,
    errorSlot(["weights", "export"]));
  const render = (l) => {
    for (const [a, href] of [[json, l.id && actions.exportUrl("json")], [py, l.id && actions.exportUrl("python")]]) {
      if (href) a.setAttribute("href", href); else a.removeAttribute("href");
      a.setAttribute("aria-disabled", String(!href));
    }
  };
  render(live.get());
  live.subscribe((l, prev) => { if (l.id !== prev.id) render(l); });
}
