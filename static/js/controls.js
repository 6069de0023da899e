// controls.js — builds the page's controls from the catalog and binds them to the store; the pieces
// live in controls/*.js. Two layers: what any viewer gets (numbers, banner, display toggles) and
// what only the session's owner gets (everything that changes the session, sharing, the keys).

import { buildWatching } from "./controls/classroom.js";
import { buildCustomTools } from "./controls/custom.js";
import { buildDataPicker, buildDataSettings, buildViewOptions } from "./controls/data.js";
import { bindKeys } from "./controls/keys.js";
import { buildMoreSettings } from "./controls/more.js";
import { buildFeatures, buildLayers, networkOps } from "./controls/network.js";
import { buildShare } from "./controls/share.js";
import { buildBanner, buildMetrics } from "./controls/status.js";
import { buildEpoch, buildTopSettings, buildTransport } from "./controls/topbar.js";
import { buildTrainingSettings } from "./controls/training.js";

export { clearErrors, showError } from "./controls/dom.js";

const $ = (id) => document.getElementById(id);

/** What a follower sees too. ctx: {catalog, store, live, actions}. */
export function buildDisplay(ctx) {
  buildEpoch($("transport"), ctx);  // the owner's buttons go in front of it (buildTransport)
  buildMetrics($("metrics"), ctx);
  buildBanner($("banner"), ctx);
  buildViewOptions($("view-options"), ctx);
}

/** Everything that changes the session; returns {ops, custom, picker} for main.js to wire to the views.
 *  ctx: {catalog, store, live, ui, actions, defaults}. */
export function buildEditing(ctx) {
  const ops = networkOps(ctx);
  buildTransport($("transport"), ctx);
  buildTrainingSettings($("train-settings"), ctx);
  buildTopSettings($("top-settings"), { ...ctx, more: $("train-settings") });  // its week-2+ fields go there
  buildMoreSettings($("more-toggle"), $("train-settings"), ctx);
  buildShare($("share"), ctx);  // with the classroom's embed code, snapshot and live link inside
  buildWatching($("classroom"), ctx);
  const custom = buildCustomTools($("custom-tools"), ctx);
  const picker = buildDataPicker($("datasets"), { ...ctx, custom });
  buildDataSettings($("data-settings"), ctx);
  buildFeatures($("features"), { ...ctx, ops });
  buildLayers($("layers"), { ...ctx, ops });
  bindKeys(ctx.actions);
  return { ops, custom, picker };
}
