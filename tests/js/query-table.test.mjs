// The URL's one table of keys (query.js URL_KEYS): every row is written and read back, an invalid value
// keeps the default, and nothing is written that no row reads — so a key added to the table without a
// way back fails here (add its example below).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  defaultState, encodePoints, encodeSplit, encodeWeights, fromQuery, hyperNames, normalize, roundWeights, toQuery,
  URL_KEYS,
} from "../../static/js/state.js";
import { DEFAULT_LOSS, DEFAULTS, LIMITS, LOSSES, OUTPUT_ACTIVATIONS, PROBLEMS } from "./fixtures/catalog.mjs";

const param = (name, dflt, low, high) => ({ name, default: dflt, low, high });
const CATALOG = {
  activations: ["linear", "sigmoid", "tanh", "relu", "gelu"].map((name) => ({ name })),
  output_activations: OUTPUT_ACTIVATIONS,
  losses: LOSSES,
  optimizers: [{ name: "sgd", params: [] }, { name: "momentum", params: [param("beta", 0.9, 0, 0.9999)] },
    { name: "rmsprop", params: [param("rho", 0.9, 0, 0.9999), param("eps", 1e-8, 1e-12, 0.01)] },
    { name: "adam", params: [param("beta1", 0.9, 0, 0.9999), param("beta2", 0.999, 0, 0.99999), param("eps", 1e-8, 1e-12, 0.01)] }],
  initializers: ["xavier", "he", "zeros"].map((name) => ({ name })),
  regularizers: ["none", "l1", "l2"].map((name) => ({ name })),
  datasets: [{ name: "circle", kind: "binary", classes: null }, { name: "spiral", kind: "binary", classes: null },
    { name: "blobs", kind: "multiclass", classes: { min: 3, max: 5, default: 3 } },
    { name: "plane", kind: "regression", classes: null }],
  features: ["x1", "x2", "x1_sq", "x2_sq", "sin_x1"].map((name) => ({ name })),
  problems: PROBLEMS,
  default_loss: DEFAULT_LOSS,
  defaults: DEFAULTS,
  limits: LIMITS,
};
const D = defaultState(CATALOG);
const POINTS = [[0.5, 1], [-2, 3.25], [4, -4], [1, 1], [-1, -1]];

/** A state patch per row that gives its field a valid value other than the default (keyed by the row's key). */
const EXAMPLES = {
  dataset: { dataset: "spiral" },
  pts: { dataset: "custom", points: POINTS, labels: [0, 1, 0, 1, 1] },
  split: { dataset: "custom", points: POINTS, labels: [0, 1, 0, 1, 1], split: ["train", "test", "train", "train", "test"] },
  n: { n: 300 },
  noise: { noise: 0.35 },
  classes: { dataset: "blobs", classes: 4 },
  ratio: { ratio: 0.7 },
  dseed: { dseed: 42 },
  features: { features: ["x1", "x2_sq", "sin_x1"] },
  layers: { layers: [{ units: 8, activation: "tanh" }, { units: 3, activation: "tanh" }, { units: 2, activation: "tanh" }] },
  act: { layers: [{ units: 4, activation: "relu" }, { units: 2, activation: "gelu" }] },
  out: { out: "tanh" },
  loss: { out: "tanh", loss: "mse" },
  opt: { opt: "momentum" },
  lr: { lr: 0.3 },
  "*": { opt: "adam", hyper: { eps: 1e-7, beta1: 0.8 } },
  batch: { batch: null },
  reg: { reg: "l2" },
  rate: { rate: 0.01 },
  dropout: { dropout: 0.2 },
  init: { init: "he" },
  seed: { seed: 7 },
  w: { weights: roundWeights([{ W: [[0.25, -1]], b: [0.5] }]), layers: [], features: ["x1", "x2"] },
  test: { showTest: false },
  discrete: { discretize: true },
  log: { logScale: true },
  speed: { speed: null },
  more: { more: true },
};

const fieldsOf = (row) => (Array.isArray(row.field) ? row.field : [row.field]);
const pick = (s, fields) => Object.fromEntries(fields.map((f) => [f, s[f]]));

test("the table: each key once, each row a way to write and a way to read", () => {
  const keys = URL_KEYS.map((r) => r.key);
  assert.equal(new Set(keys).size, keys.length, `a key twice in ${keys}`);
  for (const row of URL_KEYS) {
    const oneKey = typeof row.type.write === "function" && typeof row.type.read === "function";
    const manyKeys = typeof row.type.entries === "function" && typeof row.type.readAll === "function";
    assert.ok(oneKey || manyKeys, `row ${row.key}: a type needs write and read (or entries and readAll)`);
    for (const f of fieldsOf(row)) assert.ok(f in D, `row ${row.key}: ${f} is no state field`);
  }
  // every field of the state travels in the URL
  const carried = new Set(URL_KEYS.flatMap(fieldsOf));
  assert.deepEqual(Object.keys(D).filter((f) => !carried.has(f)), []);
});

for (const row of URL_KEYS) {
  test(`row ${row.key} (${fieldsOf(row).join(", ")}) is written and read back`, () => {
    const example = EXAMPLES[row.key];
    assert.ok(example, `row ${row.key} has no example in this test: add one, so it is checked both ways`);
    const s = normalize(D, { ...D, ...example }, CATALOG);
    for (const f of fieldsOf(row)) assert.notDeepEqual(s[f], D[f], `the example changes ${f}`);
    const q = new URLSearchParams(toQuery(s, D));
    const written = row.key === "*" ? Object.keys(example.hyper) : [row.key];
    for (const k of written) assert.ok(q.has(k), `${k} written in ${q}`);
    const back = fromQuery(q.toString(), CATALOG);
    assert.deepEqual(pick(back, fieldsOf(row)), pick(s, fieldsOf(row)));
    assert.deepEqual(back, s, "and the whole state with it");
  });
}

test("no key is written that no row reads", () => {
  const oneKey = new Set(URL_KEYS.map((r) => r.key));
  const params = new Set(hyperNames(CATALOG));
  for (const [name, example] of Object.entries(EXAMPLES)) {
    const s = normalize(D, { ...D, ...example }, CATALOG);
    for (const k of new URLSearchParams(toQuery(s, D)).keys()) {
      assert.ok(oneKey.has(k) || params.has(k), `${name}'s link writes ${k}, which no row reads`);
    }
  }
});

test("an invalid value of any key falls back to the default (or, for the weights, to none)", () => {
  const custom = `dataset=custom&pts=${encodePoints(POINTS, [0, 1, 0, 1, 1])}`;
  const base = fromQuery(custom, CATALOG);
  for (const row of URL_KEYS) {
    const keys = row.key === "*" ? hyperNames(CATALOG) : [row.key];
    for (const key of keys) {
      for (const junk of ["@@", "-1e999", "nope!", "0.5.5"]) {
        const q = `${key}=${encodeURIComponent(junk)}`;
        assert.deepEqual(fromQuery(q, CATALOG), D, q);
        // with own points too (split, pts and a custom dataset are only read then)
        if (row.key !== "pts" && row.key !== "dataset") assert.deepEqual(fromQuery(`${custom}&${q}`, CATALOG), base, `${custom}&${q}`);
      }
    }
  }
  assert.deepEqual(fromQuery("dataset=custom&pts=q!!", CATALOG), D, "custom only with points that read");
  assert.deepEqual(fromQuery(`dataset=custom&pts=${encodePoints([[9, 0]], [1])}`, CATALOG), D, "points off the grid");
  assert.equal(fromQuery(`${custom}&split=${encodeSplit(Array(9).fill("test"))}`, CATALOG).split, null,
    "a split for 9 points, not 5");
});

test("values at and beyond their limits", () => {
  assert.equal(fromQuery("n=2000", CATALOG).n, 2000);
  assert.equal(fromQuery("n=2001", CATALOG).n, D.n);
  assert.equal(fromQuery("lr=0", CATALOG).lr, D.lr, "the learning rate is > 0");
  assert.equal(fromQuery("opt=adam&beta2=0.99999", CATALOG).hyper.beta2, 0.99999);
  assert.equal(fromQuery("opt=adam&beta2=1", CATALOG).hyper.beta2, undefined, "beyond the catalog's range");
  assert.equal(fromQuery("opt=momentum&beta1=0.5", CATALOG).hyper.beta1, undefined, "not a momentum parameter");
  assert.equal(fromQuery("dataset=blobs&classes=5", CATALOG).classes, 5);
  assert.equal(fromQuery("dataset=blobs&classes=6", CATALOG).classes, null);
  assert.equal(fromQuery(`layers=${Array(8).fill(64).join(",")}`, CATALOG).layers.length, 8);
  assert.deepEqual(fromQuery(`layers=${Array(9).fill(1).join(",")}`, CATALOG).layers, D.layers);
  assert.equal(fromQuery("w=", CATALOG).weights, null);
  assert.ok(fromQuery(`w=${encodeWeights([{ W: [[1, 2]], b: [0] }])}&layers=none`, CATALOG).weights);
});

test("hyperparameters: the catalog's names, in its order, whatever order they were set in", () => {
  assert.deepEqual(hyperNames(CATALOG), ["beta", "rho", "eps", "beta1", "beta2"]);
  assert.deepEqual(hyperNames({}), []);
  const set = normalize(D, { ...D, opt: "adam", hyper: { beta2: 0.99, beta1: 0.8, eps: 1e-7 } }, CATALOG);
  assert.equal(toQuery(set, D), "opt=adam&eps=1e-7&beta1=0.8&beta2=0.99");
});

test("a lesson's own points are read over it, with a new split", () => {
  const lesson = fromQuery(`dataset=custom&pts=${encodePoints(POINTS, [0, 1, 0, 1, 1])}`, CATALOG);
  const drawn = normalize(lesson, { ...lesson, points: POINTS.slice(0, 4), labels: [1, 1, 0, 0],
    split: ["train", "test", "train", "test"] }, CATALOG);
  const q = toQuery(drawn, lesson);
  assert.ok(!q.includes("dataset="), q);
  assert.deepEqual(fromQuery(q, CATALOG, lesson), drawn);
});
