// controls.js — builds every control of the page from the catalog and binds it to the store;
// the pieces live in controls/*.js. Also the keyboard shortcuts: space, →, r.

import { buildCustomTools } from "./controls/custom.js";
import { buildDataPicker, buildDataSettings, buildViewOptions } from "./controls/data.js";
import { buildFeatures, buildLayers, networkOps } from "./controls/network.js";
import { buildShare } from "./controls/share.js";
import { buildBanner, buildMetrics } from "./controls/status.js";
import { buildTopSettings, buildTransport } from "./controls/topbar.js";
import { buildTrainingSettings } from "./controls/training.js";

export { clearErrors, showError } from "./controls/dom.js";

/** ctx: {catalog, store, live, ui, actions}; returns {ops, custom, picker} for main.js to wire to the views. */
export function buildControls(ctx) {
  const $ = (id) => document.getElementById(id);
  const ops = networkOps(ctx);
  buildTransport($("transport"), ctx);
  buildTopSettings($("top-settings"), ctx);
  buildTrainingSettings($("train-settings"), ctx);
  buildShare($("share"), ctx);
  const custom = buildCustomTools($("custom-tools"), ctx);
  const picker = buildDataPicker($("datasets"), { ...ctx, custom });
  buildDataSettings($("data-settings"), ctx);
  buildViewOptions($("view-options"), ctx);
  buildFeatures($("features"), { ...ctx, ops });
  buildLayers($("layers"), { ...ctx, ops });
  buildMetrics($("metrics"), ctx);
  buildBanner($("banner"), ctx);
  bindKeys(ctx.actions);
  return { ops, custom, picker };
}

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** space: play/pause, →: one batch (shift: one epoch), r: reset — not while typing, not with modifiers. */
function bindKeys(actions) {
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const t = e.target;
    if (TYPING.has(t.tagName) || t.isContentEditable) return;
    // space keeps its native meaning on buttons and links; widgets that use arrows prevent the default
    const onButton = t.closest?.("button, a[href], [role=button], summary");
    if (e.key === " " && !onButton) { e.preventDefault(); actions.togglePlay(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); actions.step(e.shiftKey ? "epoch" : "batch"); }
    else if ((e.key === "r" || e.key === "R") && !e.shiftKey) { e.preventDefault(); actions.reset(); }
  });
}
