// The embed's URL options, the iframe snippet and the follow link.
import assert from "node:assert/strict";
import { test } from "node:test";

import { embedOptions, embedQuery, embedSnippet, followUrl, isSessionId, themed } from "../../static/js/links.js";
import { defaultState } from "../../static/js/state.js";

const D = defaultState();

test("embed options: defaults", () => {
  assert.deepEqual(embedOptions(""), { controls: ["play", "step", "reset"], autoplay: false, loop: null, theme: null,
    caption: false, keys: true, curve: false });
});

test("embed options: every key, and junk falls back to the default", () => {
  const o = embedOptions("?controls=lr,play,nope&autoplay=1&loop=150&theme=projector&caption=1&keys=0&curve=true");
  assert.deepEqual(o, { controls: ["play", "lr"], autoplay: true, loop: 150, theme: "projector", caption: true,
    keys: false, curve: true });
  assert.deepEqual(embedOptions("controls=none").controls, []);
  assert.deepEqual(embedOptions("controls=").controls, []);
  const bad = embedOptions("autoplay=yes&loop=-3&theme=dark&keys=maybe");
  assert.equal(bad.autoplay, false);
  assert.equal(bad.loop, null);
  assert.equal(bad.theme, null);
  assert.equal(bad.keys, true);
  assert.equal(embedOptions("loop=0").loop, 0);
  assert.equal(embedOptions("loop=1.5").loop, null);
});

test("embed query: the experiment, then only the options that differ from the defaults", () => {
  assert.equal(embedQuery(D, { defaults: D }), "");
  const q = embedQuery({ ...D, lr: 0.3 }, { defaults: D,
    options: { controls: ["reset", "play"], autoplay: true, theme: "projector", keys: false, loop: 0 } });
  assert.equal(q, "lr=0.3&controls=play,reset&autoplay=1&loop=0&theme=projector&keys=0");
  const back = embedOptions(q);
  assert.deepEqual(back.controls, ["play", "reset"]);
  assert.equal(embedQuery(D, { defaults: D, options: { controls: [] } }), "controls=none");
  const lesson = { name: "logistic-regression", state: { ...D, layers: [] } };
  assert.equal(embedQuery({ ...D, layers: [] }, { defaults: D, lesson, options: { caption: true } }),
    "preset=logistic-regression&caption=1");
});

test("the snippet is one <iframe> with escaped attributes", () => {
  const s = embedSnippet({ src: "http://h/embed?a=1&b=\"<x>", width: 640.4, height: "480", title: "A & \"B\"" });
  assert.equal(s, '<iframe src="http://h/embed?a=1&amp;b=&quot;&lt;x&gt;" width="640" height="480" '
    + 'title="A &amp; &quot;B&quot;" style="border:0" loading="lazy"></iframe>');
  assert.match(embedSnippet({ src: "x", width: "junk" }), /width="800" height="500" title="NN Playground"/);
});

test("the follow link keeps the page's path, drops its query", () => {
  assert.equal(followUrl("http://host:8000/sub/?lr=0.3#x", "abc_DEF-12"), "http://host:8000/sub/?follow=abc_DEF-12");
  assert.ok(isSessionId("9O-XuEXrx4AR"));
  for (const bad of ["", "a b", "../x", "x".repeat(65), null, 12]) assert.equal(isSessionId(bad), false, String(bad));
});

test('themed keeps the projector theme on a query, and nothing else', () => {
  assert.equal(themed('field=activation&values=relu,tanh', 'projector'),
    'field=activation&values=relu,tanh&theme=projector');
  assert.equal(themed('', 'projector'), 'theme=projector');
  assert.equal(themed('a=1', null), 'a=1');
  assert.equal(themed('a=1', 'neon'), 'a=1');  // only known themes travel
});
