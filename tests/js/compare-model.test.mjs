// The compare page's DOM-free pieces: variant styles, table rows, the map grid, the comparisons client.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError } from "../../static/js/api.js";
import { createCompareApi, openComparisonStream } from "../../static/js/compare/client.js";
import { fitGrid, fmtCost, fmtNorm, scaledDash, tableRow, variantStyle, VARIANT_COLORS } from "../../static/js/compare/model.js";

test("six variants: six colours and six dash patterns, all different", () => {
  const styles = Array.from({ length: 6 }, (_, i) => variantStyle(i));
  assert.equal(new Set(styles.map((s) => s.color)).size, 6);
  assert.equal(new Set(styles.map((s) => s.dash)).size, 6);
  assert.ok(!VARIANT_COLORS.includes("#F0E442"), "no yellow on white");
  assert.equal(scaledDash("9,3,3,3", 2), "9,3,3,3");
  assert.equal(styles[0].dasharray, "");
});

test("a table row: costs, accuracies, epochs to target or 'not yet', divergence, gradient norm", () => {
  const v = { status: "idle", epoch: 40, metrics: { train: { cost: 0.09876, accuracy: 0.9712 },
    test: { cost: 0.1234567, accuracy: 0.95 } }, target_epoch: 37, first_layer_grad: 0.000123, diverged_at: null };
  assert.deepEqual(tableRow(v), { train: "0.0988", test: "0.123", trainAcc: "97.1%", testAcc: "95.0%", target: "37",
    reached: true, diverged: "no", isDiverged: false, grad: "1.23e-4" });
  const d = tableRow({ status: "diverged", metrics: { train: { cost: null, accuracy: null }, test: {} }, target_epoch: null,
    first_layer_grad: null, diverged_at: { epoch: 12, step: 300 } });
  assert.deepEqual([d.train, d.trainAcc, d.target, d.diverged, d.isDiverged, d.grad],
    ["—", "—", "not yet", "at epoch 12", true, "—"]);
  assert.equal(fmtCost(1.5e7), "1.50e+7");
  assert.equal(fmtNorm(0.2314), "0.231");
  assert.equal(tableRow({ metrics: { train: { accuracy: 1 } } }).trainAcc, "100%");
});

test("the maps take the largest squares that fit", () => {
  assert.deepEqual(fitGrid(4, 800, 800, { gap: 0, extra: 0 }), { cols: 2, rows: 2, size: 400 });
  assert.deepEqual(fitGrid(2, 1000, 500, { gap: 0, extra: 0 }), { cols: 2, rows: 1, size: 500 });
  assert.deepEqual(fitGrid(6, 900, 600, { gap: 0, extra: 0 }), { cols: 3, rows: 2, size: 300 });
  assert.equal(fitGrid(6, 300, 200, { gap: 10, extra: 24, min: 90 }).size, 90, "never below the minimum");
  const f = fitGrid(6, 1000, 600, { gap: 10, extra: 24 });
  assert.ok(f.cols * f.size + (f.cols - 1) * 10 <= 1000 && f.rows * (f.size + 24) + (f.rows - 1) * 10 <= 600);
});

test("comparison URLs are relative; DELETE keeps alive; errors are ApiErrors", async () => {
  const calls = [];
  const ok = async (url, init) => { calls.push({ url, init }); return { status: 200, ok: true, json: async () => ({}) }; };
  const c = createCompareApi({ fetchImpl: ok });
  await c.create({ vary: { field: "dropout", values: [0, 0.5] } });
  await c.step("a/b", { epochs: 1 });
  await c.play("x", null);
  await c.remove("x");
  await c.preset("activation-race");
  assert.deepEqual(calls.map((k) => `${k.init.method} ${k.url}`), ["POST api/v1/comparisons",
    "POST api/v1/comparisons/a%2Fb/step", "POST api/v1/comparisons/x/play", "DELETE api/v1/comparisons/x",
    "GET api/v1/presets/activation-race"]);
  assert.equal(calls[2].init.body, '{"epochs_per_second":null}');
  assert.equal(calls[3].init.keepalive, true);
  const bad = createCompareApi({ fetchImpl: async () => ({ status: 422, ok: false, json: async () => ({
    detail: [{ field: "vary.values.1", msg: "bad" }] }) }) });
  await assert.rejects(bad.create({}), (e) => e instanceof ApiError && e.field === "vary.values.1" && e.status === 422);
});

class FakeSource {
  static last = null;
  constructor(url) { this.url = url; this.handlers = {}; this.closed = false; this.readyState = 1; FakeSource.last = this; }
  addEventListener(type, fn) { (this.handlers[type] ??= []).push(fn); }
  emit(type, data) { for (const fn of this.handlers[type] ?? []) fn({ data }); }
  close() { this.closed = true; }
}

test("the comparison stream parses frames and closes for good on gone", () => {
  const frames = [];
  let gone = 0;
  const s = openComparisonStream("c1", { fps: 30, EventSourceImpl: FakeSource, onFrame: (f) => frames.push(f),
    onGone: () => gone++ });
  assert.equal(FakeSource.last.url, "api/v1/comparisons/c1/stream?fps=30");
  FakeSource.last.emit("frame", '{"id":"c1","variants":[]}');
  FakeSource.last.emit("frame", "not json");
  FakeSource.last.emit("gone", "{}");
  FakeSource.last.emit("frame", '{"id":"late"}');
  assert.deepEqual(frames, [{ id: "c1", variants: [] }]);
  assert.equal(gone, 1);
  assert.ok(s.closed && FakeSource.last.closed);
});
