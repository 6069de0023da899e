// views/contour.js: the ŷ = 0.5 line of an output grid, checked against boundaries known in closed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundaryLine, contourSegments } from '../../static/js/views/contour.js';

const EXTENT = 6;
/** A rows×cols grid of f(x1, x2) laid out as the frames lay it: row i is x2 = axis[i]. */
function grid(n, f) {
  const v = new Float32Array(n * n);
  const axis = (k) => -EXTENT + (2 * EXTENT * k) / (n - 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = f(axis(j), axis(i));
  return v;
}
const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const ends = ({ x, y }) => x.map((xi, k) => [xi, y[k]]).filter(([a]) => a !== null);

test('logistic regression: the segments lie on the line wᵀx + b = 0', () => {
  const n = 60;
  const [w1, w2, b] = [1.5, -0.7, 0.9];
  const line = contourSegments(grid(n, (a, c) => sigmoid(w1 * a + w2 * c + b)), n, n, EXTENT);
  const pts = ends(line);
  assert.ok(pts.length > 2 * (n - 1) * 0.5, 'a line right across the map');
  for (const [a, c] of pts) assert.ok(Math.abs(w1 * a + w2 * c + b) < 0.05, `(${a}, ${c}) is off the line`);
  assert.equal(line.x.length % 3, 0);
  assert.ok(line.x.every((v, k) => (k % 3 === 2 ? v === null : Number.isFinite(v))));
});

test('a circle: every end point at the radius', () => {
  const n = 80;
  const pts = ends(contourSegments(grid(n, (a, c) => sigmoid(9 - a * a - c * c)), n, n, EXTENT));
  assert.ok(pts.length > 50);
  for (const [a, c] of pts) assert.ok(Math.abs(Math.hypot(a, c) - 3) < 0.1, `(${a}, ${c}) is not on the circle`);
});

test('a map on one side of the level has no line; a saddle gives two segments', () => {
  assert.deepEqual(contourSegments(grid(10, () => 0.9), 10, 10, EXTENT), { x: [], y: [] });
  const saddle = Float32Array.from([1, 0, 0, 1]);  // a 2×2 grid, rows [1, 0] and [0, 1]: corners alternate
  assert.equal(ends(contourSegments(saddle, 2, 2, EXTENT)).length, 4);
});

test('boundaryLine: binary outputs only', () => {
  const p = { shape: [3, 3], values: Float32Array.from([0, 0, 0, 1, 1, 1, 1, 1, 1]) };
  assert.ok(boundaryLine({ kind: 'binary', p }, EXTENT).x.length > 0);
  assert.equal(boundaryLine({ kind: 'regression', value: p }, EXTENT), null);
  assert.equal(boundaryLine(null, EXTENT), null);
});
