// Issue 12's rough edges, DOM-free parts: Regenerate is a PATCH (the data seed is live), own points
// carry the split the student drew (state, config, URL), the banner's learning rate, and the gradient
// chart's row for exact zeros.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  customProblem, decodeSplit, defaultState, encodeSplit, fromQuery, livePatch, lowerRate, sessionKey, splitOf, toConfig,
  toQuery,
} from "../../static/js/state.js";
import { DEAD_LABEL, gradTicks, zeroRow } from "../../static/js/views/gradChart.js";

const own = (split) => ({ ...defaultState(), dataset: "custom", points: [[-3, -3], [-2, -3], [3, 3], [2, 3], [3, 2]],
  labels: [0, 0, 1, 1, 1], split });

test("a new data seed is a PATCH of dataset.seed, not a new session", () => {
  const s = defaultState();
  const t = { ...s, dseed: 42 };
  assert.equal(sessionKey(t), sessionKey(s));
  assert.deepEqual(livePatch(s, t), { dataset: { seed: 42 } });
  assert.equal(toConfig(t).dataset.seed, 42);  // a new session (a shared link) still gets it
});

test("own points send the split drawn, and need a point in each part", () => {
  const split = ["train", "train", "train", "train", "test"];
  assert.deepEqual(toConfig(own(split)).dataset.split, split);
  assert.equal(customProblem(own(split)), null);
  assert.match(customProblem(own(["train", "train", "train", "train", "train"])), /test point/);
  assert.match(customProblem(own(["test", "test", "test", "test", "test"])), /training point/);
  assert.equal(toConfig(own(null)).dataset.split, undefined);  // an older link: the server splits at random
});

test("the split rides in the URL, a bit a point", () => {
  const split = ["train", "test", "train", "train", "test"];
  const q = toQuery(own(split));
  assert.match(q, /split=/);
  assert.deepEqual(fromQuery(q).split, split);
  assert.deepEqual(decodeSplit(encodeSplit(split), 5), split);
  const many = Array.from({ length: 2000 }, (_, i) => (i % 3 ? "train" : "test"));
  assert.ok(encodeSplit(many).length <= 334);
  assert.deepEqual(decodeSplit(encodeSplit(many), 2000), many);
  assert.throws(() => decodeSplit(encodeSplit(split), 9));  // does not fit the points: refused
  assert.equal(fromQuery(q.replace(/split=[^&]*/, "split=AAAA")).split, null);
  assert.equal(fromQuery(toQuery(defaultState())).split, null);
});

test("a file's rows get every k-th one as a test point, as the training ratio says", () => {
  const parts = splitOf({ labels: new Array(10).fill(0), ratio: 0.5 });
  assert.deepEqual(parts, ["train", "test", "train", "test", "train", "test", "train", "test", "train", "test"]);
  const eighty = splitOf({ labels: new Array(10).fill(0), ratio: 0.8 });
  assert.equal(eighty.filter((p) => p === "test").length, 2);
  assert.deepEqual(splitOf({ labels: [0, 1], split: ["test", "train"], ratio: 0.5 }), ["test", "train"]);
});

test("the banner's button divides α by ten, cleanly", () => {
  assert.equal(lowerRate(10), 1);
  assert.equal(lowerRate(0.3), 0.03);
  assert.equal(lowerRate(30), 3);
});

test("gradient norms of exactly zero get a row of their own, under the smallest norm, labelled", () => {
  assert.equal(zeroRow(0.0042), 1e-4);
  assert.equal(zeroRow(Infinity), 1e-3);
  const t = gradTicks(0.0042, 0.3, true);
  assert.equal(t.tickvals[0], 1e-4);
  assert.equal(t.ticktext[0], DEAD_LABEL);
  assert.ok(t.tickvals.slice(1).every((v) => v > 1e-4));
  assert.deepEqual(gradTicks(Infinity, -Infinity, true), { tickvals: [1e-3], ticktext: [DEAD_LABEL] });
  assert.ok(!(gradTicks(0.01, 1, false).ticktext ?? []).includes(DEAD_LABEL));
});
