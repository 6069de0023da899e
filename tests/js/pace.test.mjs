// pace.js: numbers people read change at most every READ_MS, and the newest always shows.
import assert from "node:assert/strict";
import { test } from "node:test";

import { READ_MS, throttle } from "../../static/js/pace.js";

function fakeTime() {
  let t = 0;
  const timers = [];
  return {
    now: () => t,
    later: (f, d) => timers.push({ at: t + d, f }),
    advance(ms) {
      t += ms;
      for (const x of timers.filter((x) => x.at <= t)) { timers.splice(timers.indexOf(x), 1); x.f(); }
    },
    pending: () => timers.length,
  };
}

test("a call after a quiet spell shows at once; calls within READ_MS fold into one with the newest value", () => {
  const clock = fakeTime();
  const shown = [];
  const show = throttle((v) => shown.push(v), READ_MS, { clock: clock.now, timer: clock.later });
  show(1);
  assert.deepEqual(shown, [1], "the first at once");
  for (let epoch = 2; epoch <= 6; epoch++) { clock.advance(16); show(epoch); }  // a frame every 16 ms
  assert.deepEqual(shown, [1], "within READ_MS: nothing more yet");
  assert.equal(clock.pending(), 1, "one later run, however many calls");
  clock.advance(READ_MS);
  assert.deepEqual(shown, [1, 6], "then the newest");
  clock.advance(1000);
  show(7);
  assert.deepEqual(shown, [1, 6, 7], "after a quiet spell: at once again");
});

test("at 60 calls a second the text changes at most 1000 / READ_MS times, and the last value is the last shown", () => {
  const clock = fakeTime();
  const shown = [];
  const show = throttle((v) => shown.push(v), READ_MS, { clock: clock.now, timer: clock.later });
  for (let frame = 1; frame <= 60; frame++) { show(frame); clock.advance(1000 / 60); }
  clock.advance(READ_MS);
  assert.ok(shown.length <= 1000 / READ_MS + 1, `${shown.length} changes in a second`);
  assert.ok(shown.length >= 1000 / READ_MS - 1, `${shown.length} changes in a second: still live`);
  assert.equal(shown.at(-1), 60);
});
