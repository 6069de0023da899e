// The compare page's URL: the playground's keys for the base plus vary, values, target (or preset).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  comparisonBody, defaultValues, experimentKey, fieldNames, fillConfig, formatValues, fromCompareQuery, fromPreset,
  parseValues, playgroundQuery, toCompareQuery, variantLabels,
} from "../../static/js/compare/query.js";
import { defaultState, fromQuery, toConfig } from "../../static/js/state.js";
import { DEFAULT_LOSS, LIMITS, LOSSES, OUTPUT_ACTIVATIONS, VARY_FIELDS } from "./fixtures/catalog.mjs";

const CATALOG = {
  activations: ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish"].map((name) => ({ name })),
  output_activations: OUTPUT_ACTIVATIONS,
  losses: LOSSES,
  optimizers: [{ name: "sgd", params: [] }, { name: "momentum", params: [{ name: "beta", low: 0, high: 0.9999 }] },
    { name: "rmsprop", params: [] }, { name: "adam", params: [] }],
  initializers: ["xavier", "he", "uniform", "small", "large", "zeros"].map((name) => ({ name })),
  regularizers: ["none", "l1", "l2"].map((name) => ({ name })),
  datasets: [{ name: "circle", kind: "binary", classes: null }, { name: "spiral", kind: "binary", classes: null },
    { name: "flower", kind: "binary", classes: null }],
  features: ["x1", "x2", "x1_sq", "x2_sq"].map((name) => ({ name })),
  problems: { binary: { outputs: ["sigmoid", "tanh"], default_output: "sigmoid" } },
  default_loss: DEFAULT_LOSS,
  defaults: {
    dataset: { name: "spiral", n_samples: 500, noise: 0.0, train_ratio: 0.5, seed: 1, classes: null, points: null,
      labels: null, csv: null },
    features: ["x1", "x2"], layers: [{ units: 4, activation: "tanh" }, { units: 2, activation: "tanh" }],
    output: { activation: null }, loss: null,
    optimizer: { name: "sgd", learning_rate: 0.03, beta: null, rho: null, eps: null, beta1: null, beta2: null },
    batch_size: 10, regularization: { kind: "none", rate: 0.0 }, dropout: 0.0, init: "xavier", seed: 1,
  },
  limits: LIMITS,
  vary_fields: VARY_FIELDS,
};
const FIELDS = fieldNames(CATALOG);
const D = defaultState(CATALOG);
const roundTrip = (c) => fromCompareQuery(toCompareQuery(c, CATALOG), CATALOG);

test("no keys: the playground's defaults and the activation race", () => {
  const c = fromCompareQuery("", CATALOG);
  assert.deepEqual(c, { base: D, field: "activation", values: ["sigmoid", "tanh", "relu", "leaky_relu"], target: 0.1,
    preset: null });
  assert.equal(toCompareQuery(c, CATALOG), "vary=activation&values=sigmoid,tanh,relu,leaky_relu&target=0.1");
});

test("the brief's URL reads back to itself, base keys included", () => {
  const q = "dataset=circle&layers=8,8&lr=0.1&vary=activation&values=sigmoid,tanh,relu,leaky_relu&target=0.2";
  const c = fromCompareQuery(`?${q}`, CATALOG);
  assert.equal(c.base.dataset, "circle");
  assert.equal(c.base.lr, 0.1);
  assert.deepEqual(c.base.layers, [{ units: 8, activation: "tanh" }, { units: 8, activation: "tanh" }]);
  assert.equal(c.target, 0.2);
  assert.deepEqual(fromQuery(toCompareQuery(c, CATALOG), CATALOG), c.base, "the playground reads the base back");
  assert.deepEqual(roundTrip(c), c);
});

test("values are typed per field and every field round-trips", () => {
  const cases = {
    activation: ["relu,gelu", ["relu", "gelu"]],
    optimizer: ["sgd,adam,momentum", ["sgd", "adam", "momentum"]],
    init: ["zeros,he", ["zeros", "he"]],
    learning_rate: ["0.001,0.03,1e-7,10", [0.001, 0.03, 1e-7, 10]],
    dropout: ["0,0.5", [0, 0.5]],
    batch_size: ["full,1,32", [null, 1, 32]],
    regularization: ["l2:0.01|none|l1:0.5", [{ kind: "l2", rate: 0.01 }, { kind: "none", rate: 0 }, { kind: "l1", rate: 0.5 }]],
    layers: ["8-8|4|none", [[{ units: 8, activation: "tanh" }, { units: 8, activation: "tanh" }],
      [{ units: 4, activation: "tanh" }], []]],
  };
  assert.deepEqual(Object.keys(cases).sort(), [...FIELDS].sort());
  for (const [field, [text, values]] of Object.entries(cases)) {
    const c = fromCompareQuery(`vary=${field}&values=${encodeURIComponent(text)}`, CATALOG);
    assert.equal(c.field, field);
    assert.deepEqual(c.values, values, field);
    assert.deepEqual(roundTrip(c), c, field);
    assert.equal(formatValues(field, values, c.base, CATALOG), text, `${field} is written as given`);
  }
  assert.match(toCompareQuery(fromCompareQuery("vary=layers&values=8-8|4", CATALOG), CATALOG), /values=8-8\|4&/);
  assert.match(toCompareQuery(fromCompareQuery("vary=regularization&values=l2:0.01|none", CATALOG), CATALOG),
    /values=l2:0\.01\|none&/);
});

test("layer lists take the base's activation, one for all layers or one per layer", () => {
  const base = fromQuery("act=relu", CATALOG);
  assert.deepEqual(parseValues("layers", "8-8|3", base, CATALOG).values,
    [[{ units: 8, activation: "relu" }, { units: 8, activation: "relu" }], [{ units: 3, activation: "relu" }]]);
  const mixed = parseValues("layers", "8-8:sigmoid|8-4:tanh.gelu", base, CATALOG).values;
  assert.deepEqual(mixed, [[{ units: 8, activation: "sigmoid" }, { units: 8, activation: "sigmoid" }],
    [{ units: 8, activation: "tanh" }, { units: 4, activation: "gelu" }]]);
  assert.equal(formatValues("layers", mixed, base, CATALOG), "8-8:sigmoid|8-4:tanh.gelu");
  for (const bad of ["8-8:relu.tanh.gelu|4", "8-x|4", "65|4", "1-1-1-1-1-1-1-1-1|4", "8:nope|4", "8:a:b|4"]) {
    assert.ok(parseValues("layers", bad, base, CATALOG).error, bad);
  }
});

test("bad values are reported to the form and replaced by defaults in a URL", () => {
  assert.match(parseValues("activation", "relu", D, CATALOG).error, /at least 2/);
  assert.match(parseValues("dropout", "0,0.1,0.2,0.3,0.4,0.5,0.6", D, CATALOG).error, /at most 6/);
  assert.match(parseValues("activation", "relu,relu", D, CATALOG).error, /once/);
  assert.match(parseValues("learning_rate", "0,0.1", D, CATALOG).error, /“0”/);
  for (const [field, text] of [["batch_size", "0,10"], ["batch_size", "1.5,2"], ["dropout", "0.95,0"],
    ["regularization", "l3:0.1|none"], ["regularization", "l2:-1|none"], ["init", "zeros,ones"], ["learning_rate", "a,b"]]) {
    assert.ok(parseValues(field, text, D, CATALOG).error, `${field}=${text}`);
  }
  const c = fromCompareQuery("vary=bogus&values=1,2&target=-1&preset=../x", CATALOG);
  assert.deepEqual([c.field, c.values, c.target, c.preset], ["activation", defaultValues("activation", D, CATALOG), 0.1, null]);
  assert.deepEqual(fromCompareQuery("vary=dropout&values=2,3", CATALOG).values, [0, 0.2, 0.5]);
  assert.doesNotThrow(() => fromCompareQuery("%E0%A4%A&values=%%%", CATALOG));
});

test("every field has 2–6 valid defaults", () => {
  for (const field of FIELDS) {
    const v = defaultValues(field, D, CATALOG);
    assert.ok(v.length >= 2 && v.length <= 6, field);
    assert.deepEqual(parseValues(field, formatValues(field, v, D, CATALOG), D, CATALOG).values, v);
  }
});

test("the fields are the catalog's: one it adds is read, written and started by its kind alone", () => {
  assert.deepEqual(FIELDS, VARY_FIELDS.map((f) => f.name));
  const noise = { name: "noise", label: "Noise", kind: "number", min: 0, max: 1, min_exclusive: false, integer: false,
    default_values: [0, 0.2, 0.4] };
  const withNoise = { ...CATALOG, vary_fields: [...VARY_FIELDS, noise] };
  const c = fromCompareQuery("vary=noise&values=0.1,0.3", withNoise);
  assert.deepEqual([c.field, c.values], ["noise", [0.1, 0.3]]);
  assert.equal(toCompareQuery(c, withNoise), "vary=noise&values=0.1,0.3&target=0.1");
  assert.deepEqual(defaultValues("noise", D, withNoise), [0, 0.2, 0.4]);
  assert.match(parseValues("noise", "0.1,1.5", D, withNoise).error, /“1\.5” is not a valid noise value/);
  assert.equal(fromCompareQuery("vary=noise&values=0.1,0.3", CATALOG).field, "activation", "not in the catalog: not offered");
  const first = { ...CATALOG, vary_fields: [VARY_FIELDS[1], VARY_FIELDS[0]] };
  assert.deepEqual([fromCompareQuery("", first).field, fromCompareQuery("", first).values], ["learning_rate",
    [0.003, 0.03, 0.3, 3]], "no vary=: the catalog's first field and its defaults, as the server's default");
});

test("the catalog's layer defaults take the base's activation, as the server gives them", () => {
  const base = fromQuery("act=relu", CATALOG);
  assert.deepEqual(defaultValues("layers", base, CATALOG)[2], [{ units: 8, activation: "relu" }, { units: 8, activation: "relu" }]);
  assert.equal(formatValues("layers", defaultValues("layers", base, CATALOG), base, CATALOG), "2|4|8-8|16-16");
});

test("the POST body: the base's config and the values in the server's shape", () => {
  const c = fromCompareQuery("dataset=circle&vary=regularization&values=none|l2:0.01&target=0.3", CATALOG);
  assert.deepEqual(comparisonBody(c), { base: toConfig(c.base),
    vary: { field: "regularization", values: [{ kind: "none", rate: 0 }, { kind: "l2", rate: 0.01 }] }, target_loss: 0.3 });
});

const RACE = { name: "activation-race", kind: "comparison", config: {
  base: { dataset: { name: "circle" }, layers: [{ units: 8, activation: "tanh" }, { units: 8, activation: "tanh" }],
    optimizer: { name: "sgd", learning_rate: 0.03 } },
  vary: { field: "activation", values: ["sigmoid", "tanh", "relu", "leaky_relu"] }, target_loss: 0.1 } };

test("a comparison preset: its base completed with the defaults, kept as preset=NAME until changed", () => {
  const c = fromPreset(RACE, "?preset=activation-race", CATALOG);
  assert.equal(c.base.dataset, "circle");
  assert.equal(c.base.n, 500);
  assert.equal(c.base.batch, 10);
  assert.deepEqual(c.base.layers.map((l) => l.units), [8, 8]);
  assert.deepEqual(c.values, ["sigmoid", "tanh", "relu", "leaky_relu"]);
  assert.equal(toCompareQuery(c, CATALOG), "preset=activation-race");
  assert.equal(toCompareQuery({ ...c, base: { ...c.base, speed: null } }, CATALOG), "preset=activation-race&speed=max");
  const explicit = { ...c, preset: null };
  assert.equal(experimentKey(roundTrip(explicit)), experimentKey(c), "written out in full it is the same experiment");
  const changed = fromPreset(RACE, "?preset=activation-race&lr=0.3&values=relu,tanh&target=0.05", CATALOG);
  assert.deepEqual([changed.base.lr, changed.values, changed.target], [0.3, ["relu", "tanh"], 0.05]);
  assert.notEqual(experimentKey(changed), experimentKey(c));
});

test("presets' own value shapes: layer lists with activations, regularizers as objects, a session preset", () => {
  const vg = { name: "vanishing-gradients", kind: "comparison", config: { base: { dataset: { name: "circle" }, init: "he" },
    vary: { field: "layers", values: [Array(6).fill({ units: 8, activation: "sigmoid" }),
      Array(6).fill({ units: 8, activation: "relu" })] } } };
  const c = fromPreset(vg, "preset=vanishing-gradients", CATALOG);
  assert.equal(formatValues(c.field, c.values, c.base, CATALOG), "8-8-8-8-8-8:sigmoid|8-8-8-8-8-8:relu");
  assert.equal(c.target, 0.1);
  assert.deepEqual(variantLabels("layers", c.values, ["[8, 8, 8, 8, 8, 8]", "[8, 8, 8, 8, 8, 8]"]),
    ["[8, 8, 8, 8, 8, 8] sigmoid", "[8, 8, 8, 8, 8, 8] relu"]);
  const l2 = fromPreset({ name: "l2", kind: "comparison", config: { base: {}, vary: { field: "regularization",
    values: [{ kind: "none", rate: 0.0 }, { kind: "l2", rate: 0.01 }] } } }, "", CATALOG);
  assert.deepEqual(l2.values, [{ kind: "none", rate: 0 }, { kind: "l2", rate: 0.01 }]);
  const session = fromPreset({ name: "flower-one-hidden-layer", kind: "session", config: {
    dataset: { name: "flower", n_samples: 800 }, layers: [{ units: 4, activation: "tanh" }],
    optimizer: { name: "sgd", learning_rate: 1.2 }, batch_size: null } }, "preset=flower-one-hidden-layer", CATALOG);
  assert.deepEqual([session.base.dataset, session.base.n, session.base.lr, session.base.batch, session.field],
    ["flower", 800, 1.2, null, "activation"]);
});

test("fillConfig completes nested objects and replaces lists", () => {
  const full = fillConfig({ dataset: { name: "circle" }, layers: [], optimizer: { name: "adam" } }, CATALOG.defaults);
  assert.equal(full.dataset.n_samples, 500);
  assert.deepEqual(full.layers, []);
  assert.equal(full.optimizer.learning_rate, 0.03);
  assert.equal(full.optimizer.name, "adam");
});

test("a variant opens in the playground with its own config, the page's view settings kept", () => {
  const c = fromCompareQuery("dataset=circle&log=1&vary=learning_rate&values=0.01,1", CATALOG);
  // the server answers with the output and loss it chose filled in
  const config = { ...toConfig(c.base), optimizer: { name: "sgd", learning_rate: 1 }, output: { activation: "sigmoid" },
    loss: "bce" };
  const q = playgroundQuery(config, c.base, CATALOG);
  assert.equal(q, "dataset=circle&lr=1&log=1", "automatic output and loss stay out of the link");
  const s = fromQuery(q, CATALOG);
  assert.deepEqual([s.dataset, s.lr, s.logScale], ["circle", 1, true]);
  assert.deepEqual({ ...s, lr: c.base.lr }, c.base);
  const tanhOut = { ...config, output: { activation: "tanh" }, loss: "mse" };
  assert.equal(playgroundQuery(tanhOut, c.base, CATALOG), "dataset=circle&out=tanh&lr=1&log=1", "mse is tanh's own loss");
});
