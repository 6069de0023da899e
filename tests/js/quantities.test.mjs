// quantities.js: a lesson's quantities as the words on screen, from a frame's numbers.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  deadUnits, firstToLast, fmtRatio, fmtShare, quantityText, quantityTexts, QUANTITY_COLUMNS, unitCells,
} from "../../static/js/quantities.js";

const UNITS = [{ units: 16, dead: [2, 5], saturated: null, distinct: 16 }, { units: 16, dead: [0, 1, 9], saturated: null, distinct: 16 }];
const V = {
  metrics: { train: { cost: 0.43219, accuracy: 0.5812 }, test: { cost: 0.6, accuracy: 1 } }, target_epoch: null,
  diverged_at: null, units: UNITS, layer_grads: [1.2e-5, 3e-4, 0.026],
};

test("dead units: counted over every hidden layer", () => {
  assert.deepEqual(deadUnits(UNITS), { dead: 5, total: 32, byLayer: [2, 3] });
  assert.equal(deadUnits(undefined), null);
  assert.equal(quantityText("dead_units", V), "5/32 units dead");
});

test("saturation and distinct units: one figure a hidden layer", () => {
  const v = { units: [{ units: 8, dead: [], saturated: 0.874, distinct: 1 }, { units: 8, dead: [], saturated: 0.95, distinct: 8 }] };
  assert.equal(quantityText("saturated", v), "saturated 87% · 95%");
  assert.equal(quantityText("distinct_units", v), "distinct units 1/8 · 8/8");
  assert.deepEqual(unitCells(v), { dead: "0 / 16", saturated: "87% · 95%", distinct: "1/8 · 8/8", layerGrads: "—" });
});

test("the first layer's gradient as a share of the output layer's", () => {
  assert.ok(Math.abs(firstToLast(V.layer_grads) - 1.2e-5 / 0.026) < 1e-12);
  assert.equal(quantityText("layer_grads", V), "‖dW[1]‖ = 0.046% of ‖dW[out]‖");
  assert.equal(quantityText("layer_grads", { layer_grads: null }), null, "nothing to say before the first update");
  assert.equal(fmtRatio(2.38), "238%");
  assert.equal(fmtRatio(0.123), "12%");
  assert.equal(fmtShare(null), "—");
});

test("metrics, target and divergence", () => {
  assert.deepEqual(quantityTexts(["train_accuracy", "test_accuracy", "train_cost", "target_epoch"], V),
    ["train acc. 58.1%", "test acc. 100%", "train cost 0.432", "target: not yet"]);
  assert.equal(quantityText("target_epoch", { ...V, target_epoch: 64 }), "target at epoch 64");
  assert.equal(quantityText("diverged", { ...V, diverged_at: { epoch: 12, step: 300 } }), "diverged at epoch 12");
  assert.deepEqual(quantityTexts(["dead_units", "nonsense"], { metrics: {} }), [], "unknown keys and missing units say nothing");
});

test("every quantity the server knows has a table column", () => {
  const server = ["train_cost", "test_cost", "train_accuracy", "test_accuracy", "target_epoch", "diverged", "dead_units",
    "saturated", "distinct_units", "layer_grads"];  // app/presets.py QUANTITIES
  assert.deepEqual(Object.keys(QUANTITY_COLUMNS).sort(), server.sort());
});
