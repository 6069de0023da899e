// liveView.js: one live view of a run — the newest frame wins, a frame of a run no longer followed is
// dropped, the stream's end (gone, moved, given up) reaches the page once, close stops everything and
// the view can follow another run.
import assert from "node:assert/strict";
import { test } from "node:test";

import { READY_MAX, createLiveView } from "../../static/js/liveView.js";

/** Streams the test drives by hand: `streams[i].send(frame)`, `.connect()`, `.gone()`, … */
function fakeStreams() {
  const streams = [];
  const open = (id, handlers) => {
    const s = {
      id, handlers, closed: false,
      close() { s.closed = true; },
      send(frame) { if (!s.closed) handlers.onFrame(frame); },
      connect() { if (!s.closed) handlers.onOpen(); },
      gone() { s.closed = true; handlers.onGone({}); },
      moved(next) { s.closed = true; handlers.onMoved(next); },
      error(gaveUp) { if (gaveUp) s.closed = true; handlers.onError(gaveUp); },
    };
    streams.push(s);
    return s;
  };
  return { streams, open, last: () => streams.at(-1) };
}

/** A decoder the test releases by hand, so frames can pile up while one is being decoded. */
function heldDecoder() {
  const calls = [];
  const decode = (f) => new Promise((resolve) => calls.push({ f, done: () => resolve({ ...f, decoded: true }) }));
  return { calls, decode };
}

/** A scheduler whose "animation frame" runs when the test says so. */
function manualFrames() {
  const fns = [];
  let asked = false;
  return {
    schedule: (fn) => { fns.push(fn); return () => { asked = true; }; },
    run() { if (asked) { asked = false; fns.forEach((fn) => fn()); } },
    get asked() { return asked; },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(hooks = {}) {
  const s = fakeStreams();
  const dec = heldDecoder();
  const frames = manualFrames();
  const shown = [];
  const counters = { dataset: {} };
  const view = createLiveView({
    open: s.open, decode: dec.decode, counters, schedule: frames.schedule,
    marks: (d) => ({ epoch: String(d.epoch) }),
    hooks: { onFrame: (d) => shown.push(d.epoch), ...hooks },
  });
  return { s, dec, frames, shown, counters, view };
}

test("the newest frame wins: frames that came while one was decoding are dropped but the last", async () => {
  const { s, dec, frames, shown, counters, view } = setup();
  view.open("a");
  s.last().send({ id: "a", epoch: 1 });
  s.last().send({ id: "a", epoch: 2 });
  s.last().send({ id: "a", epoch: 3 });
  assert.equal(dec.calls.length, 1, "one decode at a time");
  dec.calls[0].done();
  await settle();
  assert.deepEqual(dec.calls.map((c) => c.f.epoch), [1, 3], "epoch 2 was never decoded");
  dec.calls[1].done();
  await settle();
  frames.run();
  assert.deepEqual(shown, [1], "the older of two decoded frames first…");
  assert.ok(frames.asked, "…and another drawing callback asked for the other");
  frames.run();
  assert.deepEqual(shown, [1, 3], "…in the next animation frame");
  assert.equal(counters.dataset.framesReceived, "3");
  assert.equal(counters.dataset.framesShown, "2");
  assert.equal(counters.dataset.epoch, "3");
  frames.run();
  assert.deepEqual(shown, [1, 3], "nothing new: nothing drawn again");
});

test("two frames that arrive within one animation frame are drawn in two, not one", async () => {
  const { s, dec, frames, shown, view } = setup();
  view.open("a");
  for (const epoch of [1, 2]) {
    s.last().send({ id: "a", epoch });
    dec.calls.at(-1).done();
    await settle();
  }
  assert.ok(view.waiting());
  frames.run();
  frames.run();
  assert.deepEqual(shown, [1, 2]);
  assert.ok(!view.waiting());
});

test("a page that falls behind skips to the newest it has and decodes no more than READY_MAX ahead", async () => {
  assert.ok(READY_MAX >= 2, "a jitter buffer: at least the frame to draw and one more");
  const { s, dec, frames, shown, counters, view } = setup();
  view.open("a");
  const full = Array.from({ length: READY_MAX }, (_, i) => i + 1);  // epochs 1 … READY_MAX, decoded
  for (const epoch of full) {
    s.last().send({ id: "a", epoch });
    dec.calls.at(-1).done();
    await settle();
  }
  const [next, newest] = [READY_MAX + 1, READY_MAX + 2];
  s.last().send({ id: "a", epoch: next });
  s.last().send({ id: "a", epoch: newest });
  await settle();
  assert.equal(dec.calls.length, READY_MAX, "the buffer is full: the newer arrivals are not decoded yet");
  frames.run();
  assert.deepEqual(shown, [READY_MAX], "behind: the older ones skipped, the newest decoded drawn");
  assert.deepEqual(dec.calls.map((c) => c.f.epoch), [...full, newest], `then the newest arrival decoded, epoch ${next} never`);
  dec.calls.at(-1).done();
  await settle();
  s.last().send({ id: "a", epoch: newest + 1 });
  await settle();
  assert.equal(dec.calls.length, READY_MAX + 1, "still behind: one frame decoded a draw, the next waits for a draw");
  frames.run();
  assert.deepEqual(shown, [READY_MAX, newest]);
  assert.equal(dec.calls.at(-1).f.epoch, newest + 1, "the draw took one: now the next is decoded");
  dec.calls.at(-1).done();
  await settle();
  frames.run();
  assert.deepEqual(shown, [READY_MAX, newest, newest + 1]);
  assert.equal(counters.dataset.framesShown, String(shown.length));
  // caught up (a draw found nothing newer waiting): READY_MAX may wait again, one display frame apart
  const again = Array.from({ length: READY_MAX }, (_, i) => newest + 2 + i);
  for (const epoch of again) {
    s.last().send({ id: "a", epoch });
    dec.calls.at(-1).done();
    await settle();
  }
  assert.deepEqual(dec.calls.map((c) => c.f.epoch).slice(-READY_MAX), again);
  for (let i = 0; i < READY_MAX; i++) frames.run();
  assert.deepEqual(shown.slice(-READY_MAX), again);
});

test("one drawing callback per animation frame, and draw() asks for one without a frame", async () => {
  let draws = 0;
  const { s, dec, frames, shown, view } = setup({ onDraw: () => draws++ });
  view.open("a");
  view.draw();
  frames.run();
  assert.equal(draws, 1);
  assert.deepEqual(shown, []);
  s.last().send({ id: "a", epoch: 1 });
  dec.calls[0].done();
  await settle();
  assert.ok(frames.asked);
  assert.ok(view.waiting(), "a decoded frame waits for the drawing callback");
  frames.run();
  assert.deepEqual(shown, [1]);
  assert.equal(draws, 2);
  assert.ok(!view.waiting());
});

test("a frame decoded after the view moved to another run is dropped; the new run's frames are shown", async () => {
  const { s, dec, frames, shown, counters, view } = setup();
  view.open("a");
  const a = s.last();
  a.send({ id: "a", epoch: 7 });
  view.open("b");
  assert.ok(a.closed, "the old stream is closed");
  a.send({ id: "a", epoch: 8 });  // a late event of the old stream
  dec.calls[0].done();
  await settle();
  frames.run();
  assert.deepEqual(shown, [], "run a's frame, decoded late, is not drawn");
  assert.equal(dec.calls.length, 1, "run a's late frame was not even decoded");
  s.last().send({ id: "b", epoch: 1 });
  s.last().send({ id: "a", epoch: 9 });  // a frame naming another run on b's stream
  dec.calls[1].done();
  await settle();
  frames.run();
  assert.deepEqual(shown, [1]);
  assert.equal(view.id(), "b");
  assert.equal(counters.dataset.framesShown, "1");
});

test("every (re)connect asks for a refill; gone, moved and give-up reach the page once, naming the run", async () => {
  const calls = [];
  const hooks = {
    onRefill: (id) => calls.push(["refill", id]), onGone: (id) => calls.push(["gone", id]),
    onMoved: (id, next) => calls.push(["moved", id, next]), onGiveUp: (id) => calls.push(["giveUp", id]),
  };
  const { s, view, counters } = setup(hooks);
  view.open("a");
  assert.equal(view.status(), "connecting");
  s.last().connect();
  s.last().error(false);
  assert.equal(view.status(), "retrying");
  s.last().connect();
  assert.equal(counters.dataset.stream, "open");
  s.last().gone();
  assert.equal(view.status(), "gone");
  view.open("b");
  s.last().moved("c");
  assert.equal(view.status(), "moved");
  view.open("c");
  s.last().error(true);
  assert.equal(view.status(), "gave-up");
  assert.deepEqual(calls, [["refill", "a"], ["refill", "a"], ["gone", "a"], ["moved", "b", "c"], ["giveUp", "c"]]);
});

test("without an onMoved hook a replaced run is gone", () => {
  const gone = [];
  const { s, view } = setup({ onGone: (id) => gone.push(id) });
  view.open("a");
  s.last().moved("b");
  assert.deepEqual(gone, ["a"]);
});

test("a frame being decoded when the run ends is not drawn", async () => {
  const { s, dec, frames, shown, view } = setup({ onGone: () => {} });
  view.open("a");
  s.last().send({ id: "a", epoch: 5 });
  s.last().gone();
  dec.calls[0].done();
  await settle();
  frames.run();
  assert.deepEqual(shown, []);
});

test("close stops everything: the stream, frames on their way, frames decoded, hooks", async () => {
  const calls = [];
  const { s, dec, frames, shown, view } = setup({ onRefill: () => calls.push("refill"), onGone: () => calls.push("gone") });
  view.open("a");
  const a = s.last();
  a.send({ id: "a", epoch: 1 });
  dec.calls[0].done();
  await settle();  // decoded, not drawn yet
  a.send({ id: "a", epoch: 2 });  // being decoded
  view.close();
  assert.ok(a.closed);
  assert.equal(view.id(), null);
  assert.equal(view.status(), "closed");
  dec.calls[1].done();
  await settle();
  frames.run();
  a.handlers.onOpen();  // events of a closed stream (EventSource may still deliver one)
  a.handlers.onFrame({ id: "a", epoch: 3 });
  a.handlers.onGone({});
  assert.deepEqual(shown, []);
  assert.deepEqual(calls, []);
  assert.equal(dec.calls.length, 2);
});

test("the same run opened again is followed afresh: the old stream's events are ignored", async () => {
  const { s, dec, frames, shown, view } = setup();
  view.open("a");
  const first = s.last();
  view.open("a");
  first.handlers.onFrame({ id: "a", epoch: 1 });
  assert.equal(dec.calls.length, 0);
  s.last().send({ id: "a", epoch: 2 });
  dec.calls[0].done();
  await settle();
  frames.run();
  assert.deepEqual(shown, [2]);
});

test("a frame that cannot be decoded is skipped; the next one is shown", async () => {
  const s = fakeStreams();
  const frames = manualFrames();
  const shown = [];
  const error = console.error;
  console.error = () => {};
  try {
    const view = createLiveView({
      open: s.open, schedule: frames.schedule, hooks: { onFrame: (d) => shown.push(d.epoch) },
      decode: async (f) => { if (f.bad) throw new Error("bad grid"); return f; },
    });
    view.open("a");
    s.last().send({ id: "a", epoch: 1, bad: true });
    await settle();
    s.last().send({ id: "a", epoch: 2 });
    await settle();
    frames.run();
    assert.deepEqual(shown, [2]);
  } finally {
    console.error = error;
  }
});
