// views/contour.js: the ŷ = 0.5 line of an output grid, checked against boundaries known in closed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundaryLines, contourLines, simplify } from '../../static/js/views/contour.js';

const EXTENT = 6;
/** A rows×cols grid of f(x1, x2) laid out as the frames lay it: row i is x2 = axis[i]. */
function grid(n, f) {
  const v = new Float32Array(n * n);
  const axis = (k) => -EXTENT + (2 * EXTENT * k) / (n - 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = f(axis(j), axis(i));
  return v;
}
const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const points = (line) => Array.from({ length: line.length / 2 }, (_, k) => [line[2 * k], line[2 * k + 1]]);
const onBorder = ([a, c]) => Math.abs(Math.abs(a) - EXTENT) < 1e-9 || Math.abs(Math.abs(c) - EXTENT) < 1e-9;
/** Distance from p to the segment a–b: the oracle simplify is checked against. */
function toSegment([px, py], [ax, ay], [bx, by]) {
  const vx = bx - ax, vy = by - ay;
  const t = vx || vy ? Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy))) : 0;
  return Math.hypot(px - ax - t * vx, py - ay - t * vy);
}

test('logistic regression: one line across the map, every point on wᵀx + b = 0, its ends on the border', () => {
  const n = 60;
  const [w1, w2, b] = [1.5, -0.7, 0.9];
  const lines = contourLines(grid(n, (a, c) => sigmoid(w1 * a + w2 * c + b)), n, n, EXTENT);
  assert.equal(lines.length, 1, 'one stroke, not a segment a cell');
  const pts = points(lines[0]);
  assert.ok(pts.length > (n - 1) * 0.5, 'a line right across the map');
  for (const [a, c] of pts) assert.ok(Math.abs(w1 * a + w2 * c + b) < 0.05, `(${a}, ${c}) is off the line`);
  assert.ok(onBorder(pts[0]) && onBorder(pts.at(-1)), 'an open line starts and ends on the map\'s edge');
  const cell = (2 * EXTENT) / (n - 1);
  for (let k = 1; k < pts.length; k++) {
    const step = Math.hypot(pts[k][0] - pts[k - 1][0], pts[k][1] - pts[k - 1][1]);
    assert.ok(step <= cell * Math.SQRT2 + 1e-9, `points ${k - 1} and ${k} are not in one cell: a wrong join`);
  }
});

test('the line keeps the side above the level on its left, so a closed line runs counter-clockwise round a bump', () => {
  const n = 80;
  const lines = contourLines(grid(n, (a, c) => sigmoid(9 - a * a - c * c)), n, n, EXTENT);
  assert.equal(lines.length, 1);
  const pts = points(lines[0]);
  assert.ok(pts.length > 50);
  assert.deepEqual(pts[0], pts.at(-1), 'a closed line ends where it starts');
  for (const [a, c] of pts) assert.ok(Math.abs(Math.hypot(a, c) - 3) < 0.1, `(${a}, ${c}) is not on the circle`);
  let area = 0;  // shoelace: positive counter-clockwise
  for (let k = 1; k < pts.length; k++) area += pts[k - 1][0] * pts[k][1] - pts[k][0] * pts[k - 1][1];
  assert.ok(Math.abs(area / 2 - Math.PI * 9) < 0.5, `area ${area / 2}, not the circle's 9π counter-clockwise`);
  // a hole (below the level inside) runs the other way round
  const hole = points(contourLines(grid(n, (a, c) => sigmoid(a * a + c * c - 9)), n, n, EXTENT)[0]);
  let holeArea = 0;
  for (let k = 1; k < hole.length; k++) holeArea += hole[k - 1][0] * hole[k][1] - hole[k][0] * hole[k - 1][1];
  assert.ok(holeArea < 0);
});

test('two bumps are two closed lines; a line meeting the border twice is open', () => {
  const n = 70;
  const two = contourLines(grid(n, (a, c) => sigmoid(4 - (a - 3) ** 2 - c * c) + sigmoid(4 - (a + 3) ** 2 - c * c)), n, n, EXTENT);
  assert.equal(two.length, 2);
  for (const l of two) assert.deepEqual(points(l)[0], points(l).at(-1));
  const edge = contourLines(grid(n, (a, c) => sigmoid(9 - (a - EXTENT) ** 2 - c * c)), n, n, EXTENT);  // a circle cut by x₁ = 6
  assert.equal(edge.length, 1);
  const pts = points(edge[0]);
  assert.ok(onBorder(pts[0]) && onBorder(pts.at(-1)));
  assert.notDeepEqual(pts[0], pts.at(-1));
});

test('a map on one side of the level has no line; a saddle gives two lines; NaN cells are left out', () => {
  assert.deepEqual(contourLines(grid(10, () => 0.9), 10, 10, EXTENT), []);
  const saddle = Float32Array.from([1, 0, 0, 1]);  // a 2×2 grid, rows [1, 0] and [0, 1]: corners alternate
  const lines = contourLines(saddle, 2, 2, EXTENT);
  assert.equal(lines.length, 2);
  for (const l of lines) assert.equal(l.length, 4);
  const v = grid(20, (a) => sigmoid(a));
  v.fill(NaN, 20 * 10, 20 * 11);  // one row unknown: the vertical line breaks round it
  assert.equal(contourLines(v, 20, 20, EXTENT).length, 2);
});

test('the scratch arrays a call keeps do not leak into the next: a large map, then a small one', () => {
  const big = contourLines(grid(100, (a, c) => sigmoid(a + c)), 100, 100, EXTENT);
  const small = contourLines(grid(8, (a, c) => sigmoid(a - c)), 8, 8, EXTENT);
  assert.equal(big.length, 1);
  assert.equal(small.length, 1);
  for (const [a, c] of points(small[0])) assert.ok(Math.abs(a - c) < 1e-6);
});

test('simplify: every dropped point within the tolerance of what is kept; a straight line is its ends', () => {
  const straight = [];
  for (let k = 0; k <= 100; k++) straight.push(k / 10, 0.5 * k / 10 + 1);
  assert.deepEqual(simplify(straight, 1e-6), [0, 1, 10, 6]);
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const wiggly = [];
  for (let k = 0; k < 400; k++) wiggly.push(k * 0.05, Math.sin(k * 0.07) + 0.02 * rand());
  for (const tol of [0.005, 0.05, 0.3]) {
    const kept = points(simplify(wiggly, tol));
    assert.ok(kept.length < 200, `${kept.length} points left at ${tol}`);
    for (const p of points(wiggly)) {
      const near = Math.min(...kept.slice(1).map((q, k) => toSegment(p, kept[k], q)));
      assert.ok(near <= tol + 1e-12, `a point ${near} from the result at tolerance ${tol}`);
    }
  }
  assert.equal(simplify(wiggly, 0), wiggly, 'no tolerance: the line as it was');
  const circle = points(contourLines(grid(80, (a, c) => sigmoid(9 - a * a - c * c)), 80, 80, EXTENT)[0]);
  const closed = points(simplify(circle.flat(), 0.01));
  assert.deepEqual(closed[0], closed.at(-1), 'a closed line stays closed');
  assert.ok(closed.length >= 20, 'a circle keeps its shape');
});

test('boundaryLines: binary outputs only, simplified', () => {
  const n = 50;
  const p = { shape: [n, n], values: grid(n, (a, c) => sigmoid(2 * a - c)) };
  const raw = boundaryLines({ kind: 'binary', p }, EXTENT);
  assert.ok(raw[0].length > 40);
  assert.equal(boundaryLines({ kind: 'binary', p }, EXTENT, 0.01)[0].length, 4, 'a straight boundary: two points');
  assert.equal(boundaryLines({ kind: 'regression', value: p }, EXTENT), null);
  assert.equal(boundaryLines(null, EXTENT), null);
});
