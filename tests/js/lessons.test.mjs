// Lesson presets and server configs as page state; the playground URL of a lesson.
import assert from "node:assert/strict";
import { test } from "node:test";

import { configToState, isPresetName, lessonOf, lessonPatch, presetState, summary, weekLabel } from "../../static/js/lessons.js";
import { pageQuery } from "../../static/js/links.js";
import { defaultState, fromQuery, toQuery } from "../../static/js/state.js";
import { DEFAULT_LOSS, DEFAULTS, LIMITS, LOSSES, OUTPUT_ACTIVATIONS, PROBLEMS } from "./fixtures/catalog.mjs";

const CATALOG = {
  activations: ["linear", "sigmoid", "tanh", "relu"].map((name) => ({ name, label: name[0].toUpperCase() + name.slice(1) })),
  output_activations: OUTPUT_ACTIVATIONS,
  losses: LOSSES,
  optimizers: [{ name: "sgd", label: "Gradient descent", params: [] },
    { name: "adam", label: "Adam", params: [{ name: "beta1", default: 0.9, low: 0, high: 0.9999 },
      { name: "beta2", default: 0.999, low: 0, high: 0.99999 }, { name: "eps", default: 1e-8, low: 1e-12, high: 0.01 }] }],
  initializers: ["xavier", "he", "zeros"].map((name) => ({ name })),
  regularizers: [{ name: "none" }, { name: "l2", label: "L2" }],
  datasets: [{ name: "circle", label: "Circle", kind: "binary", classes: null },
    { name: "spiral", label: "Spiral", kind: "binary", classes: null },
    { name: "flower", label: "Flower", kind: "binary", classes: null },
    { name: "spiral_multi", label: "Spiral (3+)", kind: "multiclass", classes: { min: 3, max: 5, default: 3 } }],
  features: ["x1", "x2", "x1_sq", "x2_sq"].map((name) => ({ name })),
  problems: PROBLEMS,
  default_loss: DEFAULT_LOSS,
  defaults: DEFAULTS,
  limits: LIMITS,
};
const D = defaultState(CATALOG);
// as GET api/v1/presets/logistic-regression answers (the parts the page reads)
const LOGREG = { name: "logistic-regression", title: "Logistic regression", week: 2, kind: "session", epochs: 200,
  config: { dataset: { name: "flower", n_samples: 800, noise: 0.5 }, layers: [],
    optimizer: { name: "sgd", learning_rate: 0.1 }, batch_size: null }, view: {} };

test("a preset's partial config: what it names over the defaults", () => {
  const s = presetState(LOGREG, CATALOG);
  assert.deepEqual(s, { ...D, dataset: "flower", n: 800, noise: 0.5, layers: [], lr: 0.1, batch: null });
});

test("page hints of a preset apply, invalid ones are ignored", () => {
  const s = presetState({ ...LOGREG, view: { speed: 100, showTest: "yes", logScale: true } }, CATALOG);
  assert.equal(s.speed, 100);
  assert.equal(s.showTest, true);
  assert.equal(s.logScale, true);
});

test("a session's complete config: defaults the server filled in stay out of the state", () => {
  const config = { dataset: { name: "circle", n_samples: 500, noise: 0, train_ratio: 0.5, seed: 1, classes: null,
    points: null, labels: null, csv: null }, features: ["x1", "x2"], layers: [{ units: 4, activation: "relu" }],
  output: { activation: "sigmoid" }, loss: "bce",
  optimizer: { name: "adam", learning_rate: 0.01, beta: null, rho: null, eps: 1e-8, beta1: 0.8, beta2: 0.999 },
  batch_size: 10, regularization: { kind: "l2", rate: 0.01 }, dropout: 0.1, init: "he", seed: 3 };
  const s = configToState(config, { ...D, speed: 100 }, CATALOG);
  assert.deepEqual(s, { ...D, speed: 100, dataset: "circle", layers: [{ units: 4, activation: "relu" }], opt: "adam", lr: 0.01,
    hyper: { beta1: 0.8 }, reg: "l2", rate: 0.01, dropout: 0.1, init: "he", seed: 3 });
  const keys = [...new URLSearchParams(toQuery(s, D)).keys()];
  assert.ok(!keys.includes("out") && !keys.includes("loss") && !keys.includes("beta2"), keys.join());
});

test("custom points of a forked session come along", () => {
  const s = configToState({ dataset: { name: "custom", points: [[0, 1], [1, 0], [2, 2], [3, 3]], labels: [0, 1, 0, 1] } },
    D, CATALOG);
  assert.equal(s.dataset, "custom");
  assert.deepEqual(s.labels, [0, 1, 0, 1]);
});

test("a lesson's URL is preset=NAME, plus what the page changed", () => {
  const lesson = lessonOf(LOGREG, CATALOG);
  assert.equal(pageQuery(lesson.state, { defaults: D, lesson }), "preset=logistic-regression");
  const changed = { ...lesson.state, lr: 0.3, speed: 100 };
  const q = pageQuery(changed, { defaults: D, lesson, extra: { theme: "projector", none: null } });
  assert.equal(q, "preset=logistic-regression&lr=0.3&speed=100&theme=projector");
  assert.deepEqual(fromQuery(q, CATALOG, lesson.state), changed);
  assert.deepEqual(fromQuery("preset=logistic-regression", CATALOG, lesson.state), lesson.state);
});

test("without a lesson the URL is the plain state", () => {
  assert.equal(pageQuery({ ...D, lr: 0.3 }, { defaults: D }), "lr=0.3");
  assert.equal(pageQuery(D, { defaults: D, lesson: { name: "x", state: null } }), "");
});

test("opening a lesson keeps the page's display settings unless the lesson sets them", () => {
  const lesson = lessonOf({ ...LOGREG, view: { speed: 10 } }, CATALOG);
  const patch = lessonPatch(lesson, { ...D, speed: 300, logScale: true, lr: 3 });
  assert.equal(patch.speed, 10);
  assert.equal(patch.logScale, true);
  assert.equal(patch.lr, 0.1);
});

test("comparison lessons have no page state", () => {
  const l = lessonOf({ name: "activation-race", title: "t", week: 1, kind: "comparison", config: { base: {}, vary: {} },
    epochs: 200 }, CATALOG);
  assert.equal(l.state, null);
  assert.equal(l.epochs, 200);
  assert.deepEqual(l.shows, []);
});

test("a lesson keeps the quantities its claim is about, and they never reach the page state", () => {
  const l = lessonOf({ ...LOGREG, shows: ["train_accuracy", 3] }, CATALOG);
  assert.deepEqual(l.shows, ["train_accuracy"]);
  assert.ok(!("shows" in l.state) && !("shows" in lessonPatch(l, D)));
});

test("names, weeks and a one-line summary", () => {
  assert.ok(isPresetName("logistic-regression"));
  for (const bad of ["", "../x", "A", "x y", "-x", 3, null, "a".repeat(65)]) assert.equal(isPresetName(bad), false, String(bad));
  assert.equal(weekLabel(3), "Week 3");
  assert.equal(weekLabel(5), "Beyond the first course");
  assert.equal(summary(presetState(LOGREG, CATALOG), CATALOG), "Flower · no hidden layer · Gradient descent α = 0.1 · full batch");
  assert.equal(summary({ ...D, reg: "l2", rate: 0.01, dropout: 0.2 }, CATALOG),
    "Circle · [4, 2] Tanh · Gradient descent α = 0.03 · batch 10 · L2 λ = 0.01 · dropout 0.2");
});
