// The REST client and the stream wrapper, against a fake fetch and a fake EventSource.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, createApi, openStream, ownerTokens } from "../../static/js/api.js";

function fakeFetch(status, body) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    return { status, ok: status >= 200 && status < 300, statusText: "x", json: async () => body };
  };
  return { calls, impl };
}

test("URLs are relative and bodies JSON", async () => {
  const f = fakeFetch(200, { id: "abc" });
  const api = createApi({ fetchImpl: f.impl });
  await api.create({ seed: 2 });
  await api.step("a/b", { epochs: 1 });
  await api.play("abc", null);
  assert.equal(f.calls[0].url, "api/v1/sessions");
  assert.equal(f.calls[0].init.method, "POST");
  assert.equal(f.calls[0].init.body, '{"seed":2}');
  assert.equal(f.calls[1].url, "api/v1/sessions/a%2Fb/step");
  assert.equal(f.calls[2].init.body, '{"epochs_per_second":null}');
  assert.ok(f.calls.every((c) => !c.url.startsWith("/")));
  assert.equal(api.exportUrl("abc", "python"), "api/v1/sessions/abc/export?format=python");
});

test("lessons and forks: relative URLs, names encoded", async () => {
  const f = fakeFetch(200, {});
  const api = createApi({ fetchImpl: f.impl });
  await api.presets();
  await api.preset("dead-relu");
  await api.preset("a/b");
  await api.fork("s1");
  assert.deepEqual(f.calls.map((c) => [c.init.method, c.url]), [["GET", "api/v1/presets"],
    ["GET", "api/v1/presets/dead-relu"], ["GET", "api/v1/presets/a%2Fb"], ["POST", "api/v1/sessions/s1/fork"]]);
});

test("a data set's preview (the picker's thumbnail): a GET, no session", async () => {
  const f = fakeFetch(200, { kind: "multiclass", n_classes: 3, points: [[0, 1]], labels: [2] });
  const api = createApi({ fetchImpl: f.impl });
  assert.deepEqual(await api.datasetPreview("spiral_multi"), { kind: "multiclass", n_classes: 3, points: [[0, 1]], labels: [2] });
  await api.datasetPreview("a/b");
  assert.deepEqual(f.calls.map((c) => [c.init.method, c.url]), [["GET", "api/v1/datasets/spiral_multi/preview"],
    ["GET", "api/v1/datasets/a%2Fb/preview"]]);
});

test("a 422 becomes an ApiError naming the field", async () => {
  const api = createApi({ fetchImpl: fakeFetch(422, { detail: [{ field: "csv line 3", msg: "x1 must be a number" }] }).impl });
  await assert.rejects(api.create({}), (e) => e instanceof ApiError && e.field === "csv line 3" &&
    e.msg === "x1 must be a number" && e.status === 422);
});

test("DELETE keeps alive through page unload and returns null on 204", async () => {
  const f = fakeFetch(204, null);
  assert.equal(await createApi({ fetchImpl: f.impl }).remove("s1"), null);
  assert.equal(f.calls[0].init.keepalive, true);
});

test("DELETE may name the session replacing this one; a 404 for a replaced one names it too", async () => {
  const f = fakeFetch(204, null);
  await createApi({ fetchImpl: f.impl }).remove("old", { successor: "new/1" });
  assert.equal(f.calls[0].url, "api/v1/sessions/old?successor=new%2F1");
  assert.equal(f.calls[0].init.method, "DELETE");
  const api = createApi({ fetchImpl: fakeFetch(404, { detail: [{ field: "id", msg: "this session was replaced by n2" }],
    successor: "n2" }).impl });
  await assert.rejects(api.read("old"), (e) => e.status === 404 && e.field === "id" && e.successor === "n2");
  const plain = createApi({ fetchImpl: fakeFetch(404, { detail: [{ field: "id", msg: "no such session" }] }).impl });
  await assert.rejects(plain.read("x"), (e) => e.status === 404 && e.successor === null);
});

test("an unreachable server is an ApiError with status 0", async () => {
  const api = createApi({ fetchImpl: async () => { throw new TypeError("Failed to fetch"); } });
  await assert.rejects(api.read("x"), (e) => e.status === 0);
});

class FakeSource {
  static last = null;
  constructor(url) { this.url = url; this.handlers = {}; this.closed = false; FakeSource.last = this; }
  addEventListener(type, fn) { (this.handlers[type] ??= []).push(fn); }
  emit(type, data) { for (const fn of this.handlers[type] ?? []) fn({ data }); }
  close() { this.closed = true; }
}

test("the stream parses frames and closes on done and gone", () => {
  const frames = [];
  let gone = null, opened = 0;
  const s = openStream("s1", { fps: 60, EventSourceImpl: FakeSource, onFrame: (f) => frames.push(f),
    onGone: (w) => { gone = w; }, onOpen: () => opened++ });
  const src = FakeSource.last;
  assert.equal(src.url, "api/v1/sessions/s1/stream?fps=60");
  src.emit("open");
  src.emit("frame", '{"epoch":3}');
  src.emit("frame", "not json");
  src.emit("gone", '{"reason":"deleted"}');
  src.emit("frame", '{"epoch":4}');
  assert.deepEqual(frames, [{ epoch: 3 }]);
  assert.deepEqual(gone, { reason: "deleted" });
  assert.equal(opened, 1);
  assert.ok(src.closed && s.closed);
  openStream("s2", { EventSourceImpl: FakeSource });
  FakeSource.last.emit("done", "{}");
  assert.ok(FakeSource.last.closed);
});

test("a frame that leaves out the slow parts the stream sent before gets them back, the same objects", () => {
  const frames = [];
  openStream("s1", { EventSourceImpl: FakeSource, onFrame: (f) => frames.push(f) });
  const src = FakeSource.last;
  src.emit("frame", '{"epoch":1,"neurons":{"layers":["n1"]},"weights":["w1"],"units":[{"dead":[]}]}');
  src.emit("frame", '{"epoch":2}');
  src.emit("frame", '{"epoch":3}');
  src.emit("frame", '{"epoch":4,"neurons":{"layers":["n2"]},"weights":["w2"],"units":[]}');
  src.emit("frame", '{"epoch":5}');
  assert.deepEqual(frames.map((f) => [f.epoch, f.neurons.layers[0], f.weights[0], f.units.length]),
                   [[1, "n1", "w1", 1], [2, "n1", "w1", 1], [3, "n1", "w1", 1], [4, "n2", "w2", 0], [5, "n2", "w2", 0]]);
  assert.equal(frames[2].neurons, frames[0].neurons);  // kept, not copied: decodeOnce knows them by identity
  // another stream (another session) starts with nothing kept: a lean frame stays lean
  const other = [];
  openStream("s2", { EventSourceImpl: FakeSource, onFrame: (f) => other.push(f) });
  FakeSource.last.emit("frame", '{"epoch":9}');
  assert.deepEqual(other, [{ epoch: 9 }]);
});

test("`moved` closes the stream and names the new session; without an id it is `gone`", () => {
  let moved = null, gone = null;
  const s = openStream("s1", { EventSourceImpl: FakeSource, onMoved: (id) => { moved = id; }, onGone: (w) => { gone = w; } });
  FakeSource.last.emit("moved", '{"id":"s2"}');
  assert.equal(moved, "s2");
  assert.equal(gone, null);
  assert.ok(s.closed && FakeSource.last.closed);
  FakeSource.last.emit("frame", '{"epoch":1}');
  openStream("s3", { EventSourceImpl: FakeSource, onGone: (w) => { gone = w; } });
  FakeSource.last.emit("moved", "{}");
  assert.deepEqual(gone, { reason: "moved" });
});

// a fetch that answers each call with the next of `replies` ([status, body])
function scripted(replies) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    const [status, body] = replies.shift();
    return { status, ok: status >= 200 && status < 300, statusText: "x", json: async () => body };
  };
  return { calls, impl };
}

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), m };
}

test("owner tokens: kept from the create, sent only for that id, never handed to the caller", async () => {
  const f = scripted([[201, { id: "s1", owner_token: "T1" }], [200, {}], [200, {}], [200, {}], [201, { id: "s2", owner_token: "T2" }], [200, {}]]);
  const api = createApi({ fetchImpl: f.impl, tokens: ownerTokens(null) });
  const made = await api.create({});
  assert.equal(made.owner_token, undefined);
  await api.step("s1", { epochs: 1 });
  await api.read("other");  // someone else's: no token to send
  await api.pause("followed");
  await api.fork("other");  // "make it mine": the fork's own token comes back
  await api.play("s2");
  const auth = f.calls.map((c) => c.init.headers.Authorization ?? null);
  assert.deepEqual(auth, [null, "Bearer T1", null, null, null, "Bearer T2"]);
});

test("owner tokens: a reload of the tab keeps them (sessionStorage); a DELETE forgets them", async () => {
  const storage = memoryStorage();
  const f = scripted([[201, { id: "c/1", owner_token: "T" }], [204, null], [200, {}]]);
  await createApi({ fetchImpl: f.impl, tokens: ownerTokens(storage) }).create({});
  const afterReload = createApi({ fetchImpl: f.impl, tokens: ownerTokens(storage) });  // a fresh page, same tab
  await afterReload.remove("c/1");
  assert.equal(f.calls[1].init.headers.Authorization, "Bearer T");
  assert.equal(f.calls[1].url, "api/v1/sessions/c%2F1");
  await afterReload.read("c/1");
  assert.equal(f.calls[2].init.headers.Authorization, undefined);
  assert.equal(storage.m.size, 0);
});

test("owner tokens: comparisons are signed the same way", async () => {
  const { createCompareApi } = await import("../../static/js/compare/client.js");
  const f = scripted([[201, { id: "k1", owner_token: "TK" }], [200, {}], [200, {}]]);
  const c = createCompareApi({ fetchImpl: f.impl, tokens: ownerTokens(null) });
  await c.create({});
  await c.play("k1", 30);
  await c.read("k2");
  assert.deepEqual(f.calls.map((x) => x.init.headers.Authorization ?? null), [null, "Bearer TK", null]);
});
