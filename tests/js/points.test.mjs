// views/points.js: the boundary plot's markers as its canvas draws them — which points, in what order and
// style (as the Plotly traces had them), the shapes' geometry, the colourscale and the hover's pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_COLORS, divergingScale } from '../../static/js/plot.js';
import { darker, drawMarkers, markerList, nearestMarker, OUTLINE, scaleColor, tracePath } from '../../static/js/views/points.js';

const sizes = { size: 7, outline: 1, ring: 2 };
const style = { colors: CLASS_COLORS, sizes };
const train = { x: [[0, 0], [1, 1], [2, 2]], y: [1, 0, 1] };
const test_ = { x: [[3, 3], [4, 4]], y: [0, 1] };

test('classes: each class’s train points filled in its colour and shape, then its test points hollow and darker', () => {
  const list = markerList({ train, test: test_, kind: 'binary', nClasses: 2 }, style);
  assert.deepEqual(list.map((m) => [m.x1, m.set, m.label, m.shape, m.open]), [
    [1, 'train', 'class 0', 'circle', false], [0, 'train', 'class 1', 'square', false], [2, 'train', 'class 1', 'square', false],
    [3, 'test', 'class 0', 'circle', true], [4, 'test', 'class 1', 'square', true]]);
  assert.deepEqual([list[0].fill, list[0].stroke, list[0].width], [CLASS_COLORS[0], OUTLINE, 1]);
  assert.deepEqual([list[4].fill, list[4].stroke, list[4].width], [null, darker(CLASS_COLORS[1]), 2]);
});

test('test points left out when not shown; five classes take five shapes', () => {
  assert.equal(markerList({ train, test: test_ }, { ...style, showTest: false }).length, 3);
  const many = { x: [0, 1, 2, 3, 4].map((k) => [k, k]), y: [0, 1, 2, 3, 4] };
  const shapes = markerList({ train: many, test: null, kind: 'multiclass', nClasses: 5 }, style).map((m) => m.shape);
  assert.deepEqual(shapes, ['circle', 'square', 'diamond', 'triangle-up', 'x']);
});

test('regression: train points coloured by value on the diverging scale, test points hollow rings', () => {
  const pts = { train: { x: [[0, 0], [1, 1], [2, 2]], y: [-2, 0, 2] }, test: { x: [[5, 5]], y: [1] }, kind: 'regression', nClasses: 1 };
  const list = markerList(pts, { ...style, valueScale: 2 });
  const scale = divergingScale(CLASS_COLORS[0], CLASS_COLORS[1]);
  assert.deepEqual(list.map((m) => m.fill), [scale[0][1], scale[5][1], scale[10][1], null]);
  assert.deepEqual([list[3].set, list[3].open, list[3].stroke, list[3].width], ['test', true, OUTLINE, 1.5]);
});

test('scaleColor interpolates between stops and clamps', () => {
  const scale = [[0, 'rgb(0,0,0)'], [0.5, 'rgb(100,200,0)'], [1, 'rgb(200,200,200)']];
  assert.equal(scaleColor(scale, 0.25), 'rgb(50,100,0)');
  assert.equal(scaleColor(scale, 0.75), 'rgb(150,200,100)');
  assert.equal(scaleColor(scale, -3), 'rgb(0,0,0)');
  assert.equal(scaleColor(scale, 9), 'rgb(200,200,200)');
});

/** A path recorder: the points a shape's outline passes through. */
function recorder() {
  const pts = [];
  const calls = [];
  return {
    pts, calls,
    moveTo: (x, y) => pts.push([x, y]), lineTo: (x, y) => pts.push([x, y]), closePath: () => calls.push('close'),
    rect: (x, y, w, h) => pts.push([x, y], [x + w, y + h]), arc: (x, y, r) => pts.push([x - r, y], [x + r, y]),
    beginPath: () => calls.push('begin'), fill: () => calls.push('fill'), stroke: () => calls.push('stroke'),
  };
}
const reach = (pts, x, y) => Math.max(...pts.map(([a, b]) => Math.hypot(a - x, b - y)));

test('shapes as Plotly sizes them: a square to r, a diamond to 1.3 r, a triangle to r up, an x within r', () => {
  const at = (shape) => { const g = recorder(); tracePath(g, shape, 10, 20, 5); return g.pts; };
  assert.ok(Math.abs(reach(at('square'), 10, 20) - 5 * Math.SQRT2) < 1e-9);
  assert.ok(Math.abs(reach(at('diamond'), 10, 20) - 6.5) < 1e-9);
  const tri = at('triangle-up');
  assert.equal(Math.min(...tri.map(([, y]) => y)), 15);  // the tip up (screen y grows down)
  assert.ok(tri.every(([, y]) => y <= 22.5));
  const x = at('x');
  assert.equal(x.length, 12);
  assert.ok(Math.abs(reach(x, 10, 20) - Math.hypot(2, 1) * (5 * 0.8) / Math.SQRT2) < 1e-9);
  assert.equal(reach(at('circle'), 10, 20), 5);
});

test('drawMarkers: filled markers filled then outlined, open ones outlined only, one path each', () => {
  const g = recorder();
  const list = markerList({ train, test: test_ }, style);
  drawMarkers(g, list, (a, b) => [a, b], 3.5);
  const ops = g.calls.filter((c) => c !== 'close');
  assert.deepEqual(ops, ['begin', 'fill', 'stroke', 'begin', 'fill', 'stroke', 'begin', 'fill', 'stroke', 'begin', 'stroke', 'begin', 'stroke']);
});

test('nearestMarker: the closest within reach, the later one on a tie, none beyond reach', () => {
  const list = [{ x1: 0, x2: 0, id: 'a' }, { x1: 10, x2: 0, id: 'b' }, { x1: 10, x2: 0, id: 'c' }];
  const px = (a, b) => [a, b];
  assert.equal(nearestMarker(list, px, 2, 0, 5).id, 'a');
  assert.equal(nearestMarker(list, px, 9, 0, 5).id, 'c');
  assert.equal(nearestMarker(list, px, 5, 8, 5), null);
});
