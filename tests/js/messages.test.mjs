// The embed's postMessage contract: what a parent may send, what the embed answers, how often.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseMessage, statusMessage } from "../../static/js/messages.js";
import { throttle } from "../../static/js/pace.js";

test("the four commands and nnp:preset are accepted exactly", () => {
  for (const type of ["nnp:play", "nnp:pause", "nnp:step", "nnp:reset"]) assert.deepEqual(parseMessage({ type }), { type });
  assert.deepEqual(parseMessage({ type: "nnp:preset", name: "dead-relu" }), { type: "nnp:preset", name: "dead-relu" });
});

test("anything else is ignored", () => {
  const junk = [null, undefined, 1, "nnp:play", ["nnp:play"], [{ type: "nnp:play" }], {}, { type: "nnp:PLAY" },
    { type: "nnp:play", extra: 1 }, { type: "nnp:preset" }, { type: "nnp:preset", name: "../x" },
    { type: "nnp:preset", name: "x", more: 1 }, { type: "nnp:status", epoch: 1 }, Object.create({ type: "nnp:play" }),
    new Map([["type", "nnp:play"]])];
  for (const m of junk) assert.equal(parseMessage(m), null, JSON.stringify(m));
});

test("status: epoch, training cost, status", () => {
  assert.deepEqual(statusMessage({ epoch: 12, status: "running", metrics: { train: { cost: 0.25 } } }),
    { type: "nnp:status", epoch: 12, loss: 0.25, status: "running" });
  assert.deepEqual(statusMessage({ epoch: 0, status: "idle", metrics: null }),
    { type: "nnp:status", epoch: 0, loss: null, status: "idle" });
});

test("throttle: the first at once, then at most one per interval, the last one always", () => {
  let now = 0;
  const timers = [];
  const sent = [];
  const send = throttle((v) => sent.push([now, v]), 250, { clock: () => now, timer: (fn, ms) => timers.push([now + ms, fn]) });
  const advance = (t) => {
    now = t;
    timers.sort((a, b) => a[0] - b[0]);
    while (timers.length && timers[0][0] <= now) timers.shift()[1]();
  };
  send(1);
  for (let t = 10; t <= 1000; t += 10) { advance(t); send(t); }
  advance(2000);
  assert.deepEqual(sent[0], [0, 1]);
  assert.equal(sent.at(-1)[1], 1000);
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i][0] - sent[i - 1][0] >= 250, JSON.stringify(sent));
  assert.ok(sent.length <= 6);
});
