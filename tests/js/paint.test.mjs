// views/paint.js and the palette of plot.js: grids → pixels, without a DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeFrame } from '../../static/js/frame.js';
import { CLASS_COLORS, CLASS_SYMBOLS, LIGHT, divergingScale, hexRgb, symbol } from '../../static/js/plot.js';
import { classLUTs, divergingLUT, paintClasses, paintDiverging, paintOutput } from '../../static/js/views/paint.js';

const px = (dst, i) => Array.from(dst.subarray(i * 4, i * 4 + 4));

test('Okabe–Ito palette, one shape per class, hollow test symbols', () => {
  assert.deepEqual(CLASS_COLORS, ['#E69F00', '#0072B2', '#009E73', '#CC79A7', '#D55E00']);
  assert.equal(new Set(CLASS_SYMBOLS).size, 5);
  assert.equal(symbol(1), 'square');
  assert.equal(symbol(0, true), 'circle-open');
  assert.deepEqual(hexRgb('#0072B2'), [0, 114, 178]);
  assert.deepEqual(hexRgb('rgb(1, 2, 3)'), [1, 2, 3]);
});

test('the diverging scale runs class 0 → light → class 1', () => {
  const s = divergingScale();
  assert.equal(s[0][1], 'rgb(230,159,0)');
  assert.equal(s[5][1], `rgb(${hexRgb(LIGHT).join(',')})`);
  assert.equal(s.at(-1)[1], 'rgb(0,114,178)');
  const lut = divergingLUT();
  assert.deepEqual(px(lut, 0), [...hexRgb(CLASS_COLORS[0]), 255]);
  assert.deepEqual(px(lut, 255), [...hexRgb(CLASS_COLORS[1]), 255]);
});

test('paintDiverging: P = 0 / 0.5 / 1 and rows flipped so x2 grows upwards', () => {
  const lut = divergingLUT();
  const values = Float32Array.from([0, 1, 0.5, 0.5]);  // grid row 0 (x2 = −extent): [0, 1]
  const dst = paintDiverging(new Uint8ClampedArray(16), values, 2, 2, { center: 0.5, scale: 0.5, lut });
  assert.deepEqual(px(dst, 2), px(lut, 0));  // bottom-left pixel = grid row 0, col 0
  assert.deepEqual(px(dst, 3), px(lut, 255));
  assert.ok(Math.abs(px(dst, 0)[0] - hexRgb(LIGHT)[0]) <= 3);  // top row ≈ light
  const hard = paintDiverging(new Uint8ClampedArray(16), Float32Array.from([0.4, 0.6, 0.5, 0.5]), 2, 2,
                              { center: 0.5, scale: 0.5, lut, hard: true });
  assert.deepEqual(px(hard, 2), px(lut, 0));
  assert.deepEqual(px(hard, 3), px(lut, 255));
});

test('paintClasses: winning class colour faded by confidence; `only` keeps one class', () => {
  const luts = classLUTs();
  const argmax = Uint8Array.from([0, 2]);
  const conf = Float32Array.from([1, 1 / 3]);
  const dst = paintClasses(new Uint8ClampedArray(8), argmax, conf, 1, 2, { classes: 3, luts });
  assert.deepEqual(px(dst, 0), [...hexRgb(CLASS_COLORS[0]), 255]);
  assert.deepEqual(px(dst, 1), [...hexRgb(LIGHT), 255]);  // confidence 1/K: no colour
  const only = paintClasses(new Uint8ClampedArray(8), argmax, conf, 1, 2, { classes: 3, luts, only: 2 });
  assert.deepEqual(px(only, 0), [...hexRgb(LIGHT), 255]);
});

for (const kind of ['binary', 'multiclass', 'regression']) {
  test(`paintOutput paints a whole decoded ${kind} frame`, async () => {
    const { frame } = JSON.parse(readFileSync(new URL(`./fixtures/frame_${kind}.json`, import.meta.url), 'utf8'));
    const { output } = await decodeFrame(frame);
    const dst = new Uint8ClampedArray(100 * 100 * 4);
    paintOutput(dst, output, { luts: { diverging: divergingLUT(), classes: classLUTs() } });
    for (let i = 3; i < dst.length; i += 4) assert.equal(dst[i], 255);
  });
}
