// The experiment state and its URL form: round trips, defaults left out, bad input tolerated.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  createStore, customProblem, decodePoints, decodeWeights, defaultState, effectiveOutput, encodePoints,
  encodeWeights, fromConfig, fromQuery, livePatch, normalize, problemKind, roundWeights, sessionKey,
  toConfig, toQuery, trainCount,
} from "../../static/js/state.js";
import { DEFAULT_LOSS, DEFAULTS, LIMITS, LOSSES, OUTPUT_ACTIVATIONS, PROBLEMS } from "./fixtures/catalog.mjs";

// the parts of GET api/v1/catalog that state.js reads
const CATALOG = {
  activations: ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish"].map((name) => ({ name })),
  output_activations: OUTPUT_ACTIVATIONS,
  losses: LOSSES,
  optimizers: [{ name: "sgd", params: [] },
    { name: "momentum", params: [{ name: "beta", default: 0.9, low: 0, high: 0.9999 }] },
    { name: "adam", params: [{ name: "beta1", default: 0.9, low: 0, high: 0.9999 },
      { name: "beta2", default: 0.999, low: 0, high: 0.99999 }, { name: "eps", default: 1e-8, low: 1e-12, high: 0.01 }] }],
  initializers: ["xavier", "he", "uniform", "small", "large", "zeros"].map((name) => ({ name })),
  regularizers: ["none", "l1", "l2"].map((name) => ({ name })),
  datasets: [{ name: "circle", kind: "binary", classes: null }, { name: "spiral", kind: "binary", classes: null },
    { name: "blobs", kind: "multiclass", classes: { min: 3, max: 5, default: 3 } },
    { name: "plane", kind: "regression", classes: null }],
  features: ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2"].map((name) => ({ name })),
  problems: PROBLEMS,
  default_loss: DEFAULT_LOSS,
  defaults: DEFAULTS,
  limits: LIMITS,
};
const D = defaultState(CATALOG);
const roundTrip = (s) => fromQuery(toQuery(s, D), CATALOG);

test("the default state has an empty query", () => {
  assert.equal(toQuery(D, D), "");
  assert.deepEqual(fromQuery("", CATALOG), D);
  assert.deepEqual(fromQuery("?", CATALOG), D);
});

test("every field survives the round trip, with readable keys", () => {
  const s = { ...D, dataset: "blobs", classes: 4, n: 300, noise: 0.25, ratio: 0.7, dseed: 42,
    features: ["x1", "x2", "x1_sq", "sin_x2"], layers: [{ units: 8, activation: "relu" }, { units: 3, activation: "gelu" }],
    loss: "cross_entropy", opt: "adam", lr: 0.003, hyper: { beta1: 0.8, eps: 1e-7 }, batch: null, reg: "l2",
    rate: 0.001, dropout: 0.2, init: "he", seed: 7, showTest: false, discretize: true, logScale: true, speed: null };
  const q = toQuery(s, D);
  for (const part of ["dataset=blobs", "classes=4", "n=300", "noise=0.25", "ratio=0.7", "dseed=42", "layers=8%2C3",
    "act=relu%2Cgelu", "opt=adam", "lr=0.003", "beta1=0.8", "eps=1e-7", "batch=full", "reg=l2", "rate=0.001",
    "dropout=0.2", "init=he", "seed=7", "test=0", "speed=max", "loss=cross_entropy"]) {
    assert.ok(q.split("&").includes(part), `${part} in ${q}`);
  }
  assert.deepEqual(roundTrip(s), s);
});

test("one activation for all layers is written once; no hidden layers is 'none'", () => {
  const s = { ...D, layers: [{ units: 4, activation: "relu" }, { units: 2, activation: "relu" }] };
  assert.equal(toQuery(s, D), "act=relu");
  assert.deepEqual(roundTrip(s), s);
  const lr = { ...D, layers: [], dataset: "spiral" };
  assert.equal(toQuery(lr, D), "dataset=spiral&layers=none");
  assert.deepEqual(roundTrip(lr), lr);
});

test("output and loss that fit a regression problem round-trip", () => {
  const s = { ...D, dataset: "plane", out: "tanh", loss: "mse" };
  assert.deepEqual(roundTrip(s), s);
  assert.equal(effectiveOutput(s, CATALOG).out, "tanh");
});

test("drawn custom points use the compact encoding and round-trip exactly", () => {
  const points = [[0.29, -1.5], [5.99, -6], [0, 0.01], [-3.33, 2.2], [1.1, 1.1]];
  const labels = [0, 1, 2, 1, 0];
  const s = { ...D, dataset: "custom", points, labels, ratio: 0.6 };
  const q = toQuery(s, D);
  const pts = new URLSearchParams(q).get("pts");
  assert.equal(pts[0], "q");
  assert.ok(pts.length <= 1 + Math.ceil((5 * 5 * 4) / 3));
  assert.deepEqual(roundTrip(s), s);
  assert.equal(problemKind(s, CATALOG), "multiclass");
});

test("arbitrary points (a CSV, a regression target) round-trip exactly too", () => {
  const points = [[0.123456789, -1 / 3], [Math.PI, -Math.E], [1e-9, 2], [4, 4]];
  const labels = [0.5, -2.25, 1 / 7, 3];
  assert.equal(encodePoints(points, labels)[0], "f");
  assert.deepEqual(decodePoints(encodePoints(points, labels)), { points, labels });
  const s = { ...D, dataset: "custom", points, labels };
  assert.deepEqual(roundTrip(s), s);
  assert.equal(problemKind(s, CATALOG), "regression");
});

test("weights round-trip at float32 precision", () => {
  const weights = roundWeights([{ W: [[0.1, -0.2], [3.5, 1e-3], [7, -8], [0.3, 0.4]], b: [0, 0.1, -0.1, 2] },
    { W: [[1, 2, 3, 4]], b: [-0.5] }]);
  assert.deepEqual(decodeWeights(encodeWeights(weights)), weights);
  const s = { ...D, layers: [{ units: 4, activation: "tanh" }], weights };
  assert.deepEqual(roundTrip(s), s);
  assert.deepEqual(toConfig(s).weights, { layers: weights });
});

test("invalid values fall back to their defaults without throwing", () => {
  const bad = "dataset=nope&n=5&noise=2&ratio=abc&dseed=-1&features=zz&layers=3,x&act=foo&out=softmax&loss=cross_entropy" +
    "&opt=sgd9&lr=0&beta=0.5&batch=0&reg=l9&rate=99&dropout=1&init=bad&seed=1.5&w=@@&test=maybe&speed=-3&classes=9";
  assert.deepEqual(fromQuery(bad, CATALOG), D);
  for (const junk of ["dataset=custom&pts=q!!", "dataset=custom&pts=qAAA", "dataset=custom&pts=fAAAA", "w=AQA",
    "%E0%A4%A", "dataset=custom", "layers=1,1,1,1,1,1,1,1,1", "layers=65", "act=relu,tanh,tanh", "w=" + "A".repeat(7)]) {
    assert.doesNotThrow(() => fromQuery(junk, CATALOG));
  }
  assert.deepEqual(fromQuery("dataset=custom&pts=q!!", CATALOG).dataset, "circle");
  assert.deepEqual(fromQuery("layers=65", CATALOG).layers, D.layers);
  assert.equal(fromQuery("opt=sgd&beta=0.5", CATALOG).hyper.beta, undefined, "beta is not an SGD parameter");
  assert.equal(fromQuery("dataset=circle&classes=4", CATALOG).classes, null, "circle has two classes");
  assert.deepEqual(fromQuery(null, CATALOG), D);
  assert.deepEqual(fromQuery(undefined), defaultState());
});

test("an output that does not fit the problem is dropped, and the loss with it", () => {
  const s = fromQuery("dataset=blobs&out=sigmoid&loss=bce", CATALOG);
  assert.equal(s.out, null);
  assert.equal(s.loss, null);
  assert.equal(effectiveOutput(s, CATALOG).loss, "cross_entropy");
  const m = normalize(D, { ...D, out: "tanh", loss: "mse", dataset: "blobs" }, CATALOG);
  assert.equal(m.out, null);
  assert.equal(m.loss, null);
});

test("live settings PATCH; everything else needs a new session and drops shared weights", () => {
  const w = roundWeights([{ W: [[1, 2]], b: [0] }]);
  const s = { ...D, weights: w };
  const lrOnly = normalize(s, { ...s, lr: 0.1, batch: null, reg: "l2", rate: 0.01, dropout: 0.1 }, CATALOG);
  assert.equal(sessionKey(lrOnly), sessionKey(s));
  assert.deepEqual(livePatch(s, lrOnly), { optimizer: { name: "sgd", learning_rate: 0.1 },
    regularization: { kind: "l2", rate: 0.01 }, batch_size: null, dropout: 0.1 });
  assert.equal(lrOnly.weights, w);
  const other = normalize(s, { ...s, noise: 0.1 }, CATALOG);
  assert.notEqual(sessionKey(other), sessionKey(s));
  assert.equal(other.weights, null);
  assert.equal(livePatch(s, { ...s, showTest: false }), null);
  const adam = normalize({ ...D, opt: "momentum", hyper: { beta: 0.5 } }, { ...D, opt: "adam", hyper: { beta: 0.5 } }, CATALOG);
  assert.deepEqual(adam.hyper, {});
});

test("toConfig builds what POST api/v1/sessions takes", () => {
  const c = toConfig({ ...D, dataset: "custom", points: [[1, 2]], labels: [1] });
  assert.deepEqual(c.dataset.points, [[1, 2]]);
  assert.equal("weights" in c, false);
  assert.deepEqual(toConfig(D).optimizer, { name: "sgd", learning_rate: 0.03 });
  assert.equal(toConfig({ ...D, dataset: "blobs", classes: 4 }).dataset.classes, 4);
});

test("fromConfig reads a session's config back", () => {
  const s = { ...D, lr: 0.3, opt: "momentum", hyper: { beta: 0.8 }, layers: [{ units: 3, activation: "relu" }] };
  const c = toConfig(s);
  c.output = { activation: "sigmoid" }; c.loss = "bce"; c.optimizer.beta = 0.8;
  assert.deepEqual(fromConfig(c, s), s);
});

test("batch size follows the training set; custom data needs 4 points of 2 classes", () => {
  assert.equal(trainCount({ ...D, n: 25, ratio: 0.5 }), 12, "Python rounds halves to even");
  const small = normalize(D, { ...D, n: 10, ratio: 0.5 }, CATALOG);
  assert.equal(small.batch, 10, "the state keeps what the student chose");
  assert.equal(toConfig(small).batch_size, 5, "the server gets what fits");
  const drawn = { ...D, dataset: "custom", points: Array(10).fill([0, 0]), labels: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
    split: ["train", "train", "train", ...Array(7).fill("test")] };
  assert.equal(trainCount(drawn), 3, "own points: those drawn as training points, whatever the ratio");
  assert.equal(toConfig(drawn).batch_size, 3, "never more than the points drawn for training (the server refuses it)");
  assert.match(customProblem({ ...D, dataset: "custom", points: [[0, 0]], labels: [0] }), /at least 4/);
  assert.match(customProblem({ ...D, dataset: "custom", points: [[0, 0], [1, 1], [2, 2], [3, 3]], labels: [0, 0, 0, 0] }),
    /two classes/);
  assert.equal(customProblem(D), null);
});

test("the store merges, normalises and tells subscribers", () => {
  const store = createStore(D, { normalize: (p, n) => normalize(p, n, CATALOG) });
  const seen = [];
  const off = store.subscribe((next, prev) => seen.push([prev.lr, next.lr]));
  store.set({ lr: 1 });
  off();
  store.set({ lr: 2 });
  assert.deepEqual(seen, [[0.03, 1]]);
  assert.equal(store.get().lr, 2);
  store.set({ dataset: "blobs", out: "sigmoid" });
  assert.equal(store.get().out, null);
});
