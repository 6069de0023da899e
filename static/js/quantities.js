// quantities.js — what a lesson's claim is about, as text for the screen (DOM-free: `node --test tests/js/`).
// A preset names its quantities (`shows`, app/presets.py QUANTITIES); every page of the lesson keeps
// them on screen from the first frame: the comparison's table columns and the line on each map, the
// session embed's status line. The numbers come from the frame the page draws (app/api/frames.py):
// metrics, target_epoch, diverged_at, units (per hidden layer {units, dead, saturated, distinct})
// and layer_grads (‖dW[l]‖ per layer, mean over the last 10 epochs).

/** Each quantity's column in the comparison's table (compare/table.js). */
export const QUANTITY_COLUMNS = {
  train_cost: "train", test_cost: "test", train_accuracy: "trainAcc", test_accuracy: "testAcc",
  target_epoch: "target", diverged: "diverged", dead_units: "dead", saturated: "saturated",
  distinct_units: "distinct", layer_grads: "layerGrads",
};

const finite = (x) => typeof x === "number" && Number.isFinite(x);

/** A share as a whole percentage ("86%"); "—" when missing. */
export const fmtShare = (x) => (finite(x) ? `${Math.round(x * 100)}%` : "—");

/** A small ratio as a percentage with two significant digits ("0.046%", "280%"). */
export function fmtRatio(x) {
  if (!finite(x)) return "—";
  const pct = x * 100;
  return `${pct >= 10 ? Math.round(pct) : Number(pct.toPrecision(2))}%`;
}

const fmtAcc = (x) => (finite(x) ? (x >= 1 ? "100%" : `${(x * 100).toFixed(1)}%`) : "—");
const fmtCost = (x) => (finite(x) ? String(Number(x.toPrecision(3))) : "—");

/** Dead units over all hidden layers: {dead, total, byLayer: [count…]} (null without a report). */
export function deadUnits(units) {
  if (!Array.isArray(units)) return null;
  const byLayer = units.map((u) => u.dead?.length ?? 0);
  return { dead: byLayer.reduce((a, b) => a + b, 0), total: units.reduce((a, u) => a + u.units, 0), byLayer };
}

/** ‖dW[1]‖ as a share of the output layer's ‖dW[L]‖ (the vanishing-gradients claim), or null. */
export function firstToLast(layerGrads) {
  if (!Array.isArray(layerGrads) || layerGrads.length < 2) return null;
  const [first, last] = [layerGrads[0], layerGrads.at(-1)];
  return finite(first) && finite(last) && last > 0 ? first / last : null;
}

const perLayer = (units, f) => (Array.isArray(units) && units.length ? units.map(f).join(" · ") : "—");

/** The table cells of the unit quantities (the other columns are compare/model.js tableRow's). */
export function unitCells(v) {
  const d = deadUnits(v.units);
  return {
    dead: d ? `${d.dead} / ${d.total}` : "—",
    saturated: perLayer(v.units, (u) => fmtShare(u.saturated)),
    distinct: perLayer(v.units, (u) => `${u.distinct}/${u.units}`),
    layerGrads: fmtRatio(firstToLast(v.layer_grads)),
  };
}

/**
 * One quantity of a variant or a session frame as a short phrase ("14/32 units dead"), or null
 * when there is nothing to say yet (a comparison's layer_grads before the first update).
 */
export function quantityText(key, v) {
  const m = v.metrics ?? {};
  switch (key) {
    case "train_cost": return `train cost ${fmtCost(m.train?.cost)}`;
    case "test_cost": return `test cost ${fmtCost(m.test?.cost)}`;
    case "train_accuracy": return `train acc. ${fmtAcc(m.train?.accuracy)}`;
    case "test_accuracy": return `test acc. ${fmtAcc(m.test?.accuracy)}`;
    case "target_epoch": return v.target_epoch === null || v.target_epoch === undefined ? "target: not yet"
      : `target at epoch ${v.target_epoch}`;
    case "diverged": return v.diverged_at ? `diverged at epoch ${v.diverged_at.epoch}` : "not diverged";
    case "dead_units": {
      const d = deadUnits(v.units);
      return d ? `${d.dead}/${d.total} units dead` : null;
    }
    case "saturated": return Array.isArray(v.units) ? `saturated ${perLayer(v.units, (u) => fmtShare(u.saturated))}` : null;
    case "distinct_units": return Array.isArray(v.units) ? `distinct units ${perLayer(v.units, (u) => `${u.distinct}/${u.units}`)}` : null;
    case "layer_grads": {
      const r = firstToLast(v.layer_grads);
      return r === null ? null : `‖dW[1]‖ = ${fmtRatio(r)} of ‖dW[out]‖`;
    }
    default: return null;
  }
}

/** The phrases of `keys` that have something to say, in order. */
export const quantityTexts = (keys, v) => (keys ?? []).map((k) => quantityText(k, v)).filter((t) => t !== null);
