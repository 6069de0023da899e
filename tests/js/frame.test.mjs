// frame.js against fixtures written by the server's own encoder (tests/js/fixtures/make_fixtures.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeBytes, decodeFrame, decodeGrid, decodeOnce } from '../../static/js/frame.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const rawBytes = (b64) => Uint8Array.from(Buffer.from(b64, 'base64'));
const grids = fixture('grids');

for (const [name, c] of Object.entries(grids)) {
  test(`decodeGrid matches the Python decoder exactly: ${name}`, async () => {
    const g = await decodeGrid(c.grid);
    assert.deepEqual(g.shape, c.grid.shape);
    assert.equal(g.lo, c.grid.lo);
    assert.equal(g.hi, c.grid.hi);
    assert.ok(g.values instanceof Float32Array);
    assert.deepEqual(Array.from(await decodeBytes(c.grid)), c.q);
    assert.deepEqual(Array.from(g.values), c.values.map(Math.fround));
  });
}

test('residuals that wrap mod 256 come back as the original bytes', async () => {
  const g = await decodeGrid(grids.wrap.grid);
  assert.deepEqual(Array.from(g.values), [250, 3, 128, 0, 2, 255, 127, 1, 255, 0, 0, 255]);
});

test('values are clipped to [lo, hi] and NaN becomes lo', async () => {
  const g = await decodeGrid(grids.clipped.grid);
  assert.deepEqual(Array.from(g.values), [0, Math.fround(128 / 255), 1, 0]);  // 0.5 → q 128
});

test('a grid whose byte count does not fit its shape is refused', async () => {
  await assert.rejects(decodeGrid({ ...grids.ramp.grid, shape: [5, 5] }), /expected 25 bytes/);
});

for (const kind of ['binary', 'multiclass', 'regression']) {
  test(`decodeFrame: a real ${kind} frame`, async () => {
    const { frame, expect } = fixture(`frame_${kind}`);
    const f = await decodeFrame(frame);
    assert.equal(f.epoch, frame.epoch);
    assert.equal(f.output.kind, kind);
    const check = (decoded, grid, b64) => {
      const q = rawBytes(b64);
      assert.equal(decoded.length, q.length);
      for (let i = 0; i < q.length; i++) {
        assert.equal(decoded[i], Math.fround(grid.lo + q[i] * (grid.hi - grid.lo) / grid.levels));
      }
    };
    if (kind === 'binary') check(f.output.p.values, frame.output.p, expect.output.p);
    if (kind === 'regression') check(f.output.value.values, frame.output.value, expect.output.value);
    if (kind === 'multiclass') {
      assert.equal(f.output.classes, frame.output.classes);
      assert.ok(f.output.argmax instanceof Uint8Array);
      assert.deepEqual(Array.from(f.output.argmax), Array.from(rawBytes(expect.output.argmax)));
      assert.ok(Math.max(...f.output.argmax) < f.output.classes);
      check(f.output.confidence.values, frame.output.confidence, expect.output.confidence);
    }
    assert.equal(f.neurons.length, frame.sizes.length - 2);
    f.neurons.forEach((layer, l) => {
      assert.equal(layer.units, frame.sizes[l + 1]);
      assert.equal(layer.res, frame.neurons.resolution);
      check(layer.values, frame.neurons.layers[l], expect.neurons[l]);
    });
    assert.equal(f.weights.length, frame.sizes.length - 1);
    f.weights.forEach((w, l) => {
      const exact = expect.weights_exact[l];
      assert.equal(w.rows, frame.sizes[l + 1]);
      assert.equal(w.cols, frame.sizes[l] + 1);
      assert.equal(w.W.length, w.rows * (w.cols - 1));
      const tol = (w.hi - w.lo) / 255 / 2 + 1e-6;  // quantised to 255 levels over the layer's range
      for (let r = 0; r < w.rows; r++) {
        for (let c = 0; c < w.cols - 1; c++) assert.ok(Math.abs(w.W[r * (w.cols - 1) + c] - exact.W[r][c]) <= tol);
        assert.ok(Math.abs(w.b[r] - exact.b[r]) <= tol);
      }
    });
  });
}

test('corrupt data rejects', async () => {
  await assert.rejects(decodeGrid({ ...grids.ramp.grid, data: btoa('not deflate at all') }));
});

test('a unit map or weight layer sent unchanged decodes to the same object, once', async () => {
  const { frame } = fixture('frame_binary');
  const again = JSON.parse(JSON.stringify(frame));  // the next frame: the same text, new objects
  again.output.p = JSON.parse(JSON.stringify(fixture('frame_binary').frame.output.p));
  const [a, b] = [await decodeFrame(frame), await decodeFrame(again)];
  a.neurons.forEach((layer, l) => assert.equal(b.neurons[l], layer));
  a.weights.forEach((layer, l) => assert.equal(b.weights[l], layer));
  assert.notEqual(b.output, a.output);  // the output map changes every frame: decoded afresh
  // a layer re-encoded with other values is a new object
  const moved = { ...frame, weights: [{ ...frame.weights[0], hi: frame.weights[0].hi + 1 }, ...frame.weights.slice(1)] };
  const c = await decodeFrame(moved);
  assert.notEqual(c.weights[0], a.weights[0]);
  assert.equal(c.weights[1], a.weights[1]);
});

test('decodeOnce knows a grid object it decoded before without reading its text', async () => {
  let calls = 0;
  const decode = async (g) => { calls++; return decodeGrid(g); };
  const g = { ...grids.ramp.grid, lo: grids.ramp.grid.lo - 0.5 };  // a grid no other test decodes
  const x = await decodeOnce('identity', g, decode);
  Object.defineProperty(g, 'data', { get() { throw new Error('read its text'); } });
  assert.equal(await decodeOnce('identity', g, decode), x);
  assert.equal(calls, 1);
});

test('decodeOnce: one decode per distinct grid; a failed one is tried again', async () => {
  let calls = 0;
  const decode = async (g) => { calls++; return decodeGrid(g); };
  const g = grids.ramp.grid;
  const [x, y] = [await decodeOnce('test', g, decode), await decodeOnce('test', { ...g }, decode)];
  assert.equal(x, y);
  assert.equal(calls, 1);
  const bad = { ...g, data: btoa('not deflate at all') };
  await assert.rejects(decodeOnce('test', bad, decode));
  await assert.rejects(decodeOnce('test', bad, decode));
  assert.equal(calls, 3);
});
