// controls/share.js — the "Share ▾" menu (one popover, so the bar stays one row): copy the experiment's
// link (optionally with the current weights); export the boundary as PNG, the model as JSON or as a
// NumPy script; and the classroom's embed code, snapshot and live follow link (controls/classroom.js).

import { buildClassroom } from "./classroom.js";
import { button, checkbox, copyText, errorSlot, flash, h, showError } from "./dom.js";
import { disclosure } from "./popover.js";

/** ctx.actions: shareUrl(withWeights), exportPng(), exportUrl(format), and classroom.js's. */
export function buildShare(root, ctx) {
  const { live, actions } = ctx;
  const opener = h("button", { type: "button", class: "btn share-button", attrs: {
    title: "Link, downloads, embed code, snapshot and live sharing" } }, "Share ", h("span", { text: "▾", attrs: { "aria-hidden": "true" } }));
  const panel = h("div", { class: "popover share-menu", attrs: { role: "group", "aria-label": "Share and export" } });
  root.append(h("span", { class: "pop-anchor" }, opener, panel));

  const withWeights = checkbox("with weights", { title: "Put the current weights in the link: it then starts from them" });
  const copy = button("Copy link", { label: "Copy a link to this experiment", cls: "btn primary", onClick: async () => {
    let url;
    try { url = await actions.shareUrl(withWeights.input.checked); } catch (err) { showError("weights", err.msg ?? String(err)); return; }
    if (await copyText(url, fallback)) { fallback.hidden = true; flash(copy, "Copied ✓"); }
  } });
  // without a clipboard (plain http, headless browsers) the link shows here, selected, and stays
  const fallback = h("input", { type: "text", readOnly: true, class: "link-fallback", hidden: true,
    attrs: { "aria-label": "Link to this experiment: copy it with ctrl+C" } });
  const png = button("PNG", { label: "Download the boundary plot as a PNG image", cls: "btn", onClick: async () => {
    try { await actions.exportPng(); } catch (err) { showError("export", String(err.message ?? err)); }
  } });
  const json = h("a", { class: "btn", text: "JSON", attrs: { download: "network.json",
    title: "Download the model (config, weights, history) as JSON; POST it back to api/v1/sessions to rebuild it" } });
  const py = h("a", { class: "btn", text: "NumPy", attrs: { download: "network.py",
    title: "Download a standalone NumPy script with this network and its weights" } });
  const classroom = h("div", { class: "share-classroom" });

  const section = (title, ...children) => h("div", { class: "share-section" },
    h("p", { class: "share-head", text: title }), ...children);
  panel.append(
    section("Link to this experiment",
      h("div", { class: "pop-row" }, copy, withWeights.el), fallback, errorSlot(["weights"])),
    section("Download",
      h("div", { class: "pop-row", attrs: { role: "group", "aria-label": "Export" } }, png, json, py), errorSlot(["export"])),
    section("Classroom", classroom),
  );
  buildClassroom(classroom, ctx);
  disclosure(opener, panel);

  const render = (l) => {
    for (const [a, href] of [[json, l.id && actions.exportUrl("json")], [py, l.id && actions.exportUrl("python")]]) {
      if (href) a.setAttribute("href", href); else a.removeAttribute("href");
      a.setAttribute("aria-disabled", String(!href));
    }
  };
  render(live.get());
  live.subscribe((l, prev) => { if (l.id !== prev.id) render(l); });
}
