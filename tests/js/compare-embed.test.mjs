// The comparison embed's DOM-free pieces: its status message, and what both embeds share (embedFrame.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { comparisonStatus } from "../../static/js/compare/model.js";
import { lessonEmbedQuery, presetMove, shownControls, statusSender } from "../../static/js/embedFrame.js";
import { embedOptions } from "../../static/js/links.js";

const v = (epoch, cost, extra = {}) => ({ epoch, status: "running", metrics: { train: { cost } }, ...extra });

test("a comparison's status: the furthest epoch, the mean train cost of the variants that have not diverged", () => {
  assert.deepEqual(comparisonStatus([v(10, 0.5), v(12, 0.3)], "running"),
    { type: "nnp:status", epoch: 12, loss: 0.4, status: "running" });
  const diverged = v(12, 1e9, { status: "diverged", diverged_at: { epoch: 8 } });
  assert.equal(comparisonStatus([v(10, 0.2), v(10, 0.4), diverged], "running").loss, (0.2 + 0.4) / 2);
  assert.equal(comparisonStatus([v(3, null), v(3, NaN)], "idle").loss, null);
  assert.deepEqual(comparisonStatus([{ epoch: 0 }], "idle"), { type: "nnp:status", epoch: 0, loss: null, status: "idle" });
  assert.equal(comparisonStatus([diverged, { ...diverged }], "diverged").status, "diverged");
});

test("the controls shown: a subset, none, or a play button in place of an autoplay refused by reduced motion", () => {
  const cmp = ["reset", "play", "step"];
  assert.deepEqual(shownControls(embedOptions("controls=play,reset"), false, cmp), ["play", "reset"]);
  assert.deepEqual(shownControls(embedOptions("controls=none&autoplay=1"), false, cmp), []);
  assert.deepEqual(shownControls(embedOptions("controls=none&autoplay=1"), true, cmp), ["play"]);
  assert.deepEqual(shownControls(embedOptions("controls=step,lr"), false, cmp), ["step"]);  // no α menu on a comparison
  assert.deepEqual(shownControls(embedOptions("controls=step,lr"), false), ["step", "lr"]);
  assert.deepEqual(shownControls(embedOptions(""), false, cmp), ["play", "step", "reset"]);
});

test("another lesson's embed URL keeps the embed's options and speed, and nothing of the experiment", () => {
  const q = lessonEmbedQuery("?preset=activation-race&controls=play,reset&theme=projector&speed=100&lr=0.3&vary=lr&keys=0",
    "dead-relu");
  assert.equal(q, "preset=dead-relu&controls=play,reset&theme=projector&keys=0&speed=100");
  assert.equal(lessonEmbedQuery("", "logistic-regression"), "preset=logistic-regression");
  assert.equal(lessonEmbedQuery("?values=1,2&caption=1&loop=50", "x"), "preset=x&loop=50&caption=1");
});

test("nnp:preset: a session lesson switches a session embed in place; anything else reloads the frame", () => {
  const presets = [{ name: "logistic-regression", kind: "session" }, { name: "activation-race", kind: "comparison" }];
  assert.equal(presetMove("logistic-regression", "session", presets), "here");
  assert.equal(presetMove("activation-race", "session", presets), "move");
  assert.equal(presetMove("logistic-regression", "comparison", presets), "move");
  assert.equal(presetMove("activation-race", "comparison", presets), "move");
  assert.equal(presetMove("no-such", "session", presets), "error");
  assert.equal(presetMove("no-such", "comparison", undefined), "error");
});

test("status messages: only on a new epoch or status, at most one per interval, the last one delivered", () => {
  let now = 0;
  const timers = [];
  const sent = [];
  const send = statusSender((m) => sent.push(m), { clock: () => now, timer: (fn, ms) => timers.push([now + ms, fn]) });
  const msg = (epoch, status = "running") => ({ type: "nnp:status", epoch, loss: 0.5, status });
  send(msg(1));
  send(msg(1));  // same epoch and status: nothing new
  send(msg(2));
  send(msg(3));
  assert.deepEqual(sent.map((m) => m.epoch), [1]);
  now = 250;
  for (const [, fn] of timers.splice(0)) fn();
  assert.deepEqual(sent.map((m) => m.epoch), [1, 3]);
  now = 600;
  send(msg(3, "idle"));
  assert.deepEqual(sent.map((m) => [m.epoch, m.status]), [[1, "running"], [3, "running"], [3, "idle"]]);
});
