// A first run that explains itself (issue 12): what the output plot says while it shows a unit's map,
// a link's value card, the "More settings" summary and its URL key, and when the data term is shown.
import assert from "node:assert/strict";
import { test } from "node:test";

import { advancedSummary, hasPenalty } from "../../static/js/disclosure.js";
import { defaultState, fromQuery, toQuery } from "../../static/js/state.js";
import { embedQuery } from "../../static/js/links.js";
import { activationAtZero, featureMap, linkText, subscript, unitMap } from "../../static/js/views/explore.js";
import { DEFAULTS, LIMITS } from "./fixtures/catalog.mjs";

const CATALOG = {
  optimizers: [{ name: "sgd", label: "Gradient descent", params: [] }, { name: "adam", label: "Adam", params: [] }],
  regularizers: [{ name: "none", label: "None" }, { name: "l2", label: "L2" }],
  initializers: [{ name: "xavier", label: "Xavier" }, { name: "he", label: "He" }],
  output_activations: [{ name: "sigmoid", label: "Sigmoid" }, { name: "tanh", label: "Tanh" }],
  losses: [{ name: "bce", label: "Binary cross-entropy" }, { name: "mse", label: "Mean squared error" }],
  datasets: [{ name: "circle", kind: "binary", classes: null }, { name: "spiral", kind: "binary", classes: null }],
  defaults: DEFAULTS,
  limits: LIMITS,
};
const D = defaultState(CATALOG);

test("a unit's map: its name, its formula in the course's notation, its own values, its z = 0 level", () => {
  // two units of 2×2 maps, unit-major, as decodeFrame gives a layer
  const layer = { units: 2, res: 2, lo: -0.5, hi: 0.9, values: Float32Array.from([0.1, -0.5, 0.2, 0.3, 0.9, 0.8, 0.7, 0.6]) };
  const m = unitMap(layer, 0, 1, { activation: "tanh" });
  assert.equal(m.key, "layer 1 unit 2");
  assert.equal(m.title, "Unit 2 of layer 1");
  assert.equal(m.formula, "a[1]₂ = tanh(z[1]₂)");
  assert.match(m.note, /^z\[1\]₂ = W\[1\]₂·x \+ b\[1\]₂ · /);
  assert.deepEqual([...m.grid.values], [0.9, 0.8, 0.7, 0.6].map(Math.fround));
  assert.deepEqual(m.grid.shape, [2, 2]);
  assert.equal(m.scale, 0.9, "the layer's scale, as its thumbnails are painted");
  assert.equal(m.level, 0);
  assert.match(m.note, /from 0\.60 to 0\.90/);
  const deep = unitMap(layer, 2, 0, { activation: "sigmoid", dead: true });
  assert.equal(deep.formula, "a[3]₁ = sigmoid(z[3]₁)");
  assert.match(deep.note, /z\[3\]₁ = W\[3\]₁·a\[2\] \+ b\[3\]₁/);
  assert.equal(deep.level, 0.5, "a sigmoid unit's z = 0 is a = ½");
  assert.match(deep.note, /dead/);
  assert.match(unitMap(layer, 0, 0).note, /from −0\.50 to 0\.30/, "a real minus sign");
  assert.equal(unitMap(layer, 0, 2), null, "no such unit");
  assert.equal(unitMap(undefined, 0, 0), null, "no frame yet");
  assert.equal(subscript(64), "₆₄");
  assert.equal(activationAtZero("relu"), 0);
});

test("a feature's map and a link's card", () => {
  const f = featureMap({ shape: [2, 2], lo: -6, hi: 6, values: Float32Array.from([-6, 6, -6, 6]) }, { name: "x1", label: "X₁" });
  assert.equal(f.key, "feature x1");
  assert.equal(f.title, "Input feature X₁");
  assert.equal(f.scale, 6);
  assert.equal(featureMap(null, { name: "x1", label: "X₁" }), null);
  assert.deepEqual(linkText({ bias: false, value: -0.61234, from: "X₂", to: "layer 1 unit 2" }),
    { value: "w = −0.612", what: "X₂ → layer 1 unit 2" });
  assert.deepEqual(linkText({ bias: true, value: 0.5, to: "output" }), { value: "b = 0.500", what: "bias of output" });
});

test("More settings: closed, the button names what differs there; nothing when all are at their defaults", () => {
  assert.equal(advancedSummary(D, D, CATALOG), "");
  assert.equal(advancedSummary({ ...D, opt: "adam", reg: "l2", rate: 0.01, dropout: 0.2 }, D, CATALOG),
    "Adam · L2 λ = 0.01 · dropout 20%");
  assert.equal(advancedSummary({ ...D, batch: null, init: "he", seed: 7, out: "tanh", loss: "mse" }, D, CATALOG),
    "full batch · He init · seed 7 · Tanh output · Mean squared error");
  // learning rate, activation, layers and data are up front: never in the summary
  assert.equal(advancedSummary({ ...D, lr: 0.3, dataset: "spiral", layers: [] }, D, CATALOG), "");
});

test("More settings open or closed is in the URL (more=1), and not in an embed's", () => {
  assert.equal(D.more, false);
  assert.equal(toQuery({ ...D, more: true }, D), "more=1");
  assert.equal(fromQuery("more=1", CATALOG).more, true);
  assert.equal(fromQuery("more=0", CATALOG).more, false);
  assert.equal(fromQuery("more=yes", CATALOG).more, false, "anything else keeps the default");
  assert.equal(toQuery(D, D), "");
  assert.equal(embedQuery({ ...D, more: true }, { defaults: D }), "");
});

test("the data term is shown beside J only when a regulariser makes them differ", () => {
  assert.equal(hasPenalty(D), false);
  assert.equal(hasPenalty({ ...D, reg: "l2", rate: 0 }), false);
  assert.equal(hasPenalty({ ...D, reg: "l2", rate: 0.01 }), true);
});
