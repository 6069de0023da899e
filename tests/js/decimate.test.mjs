// decimate.js: bounded plotted series that keep the curve's range, its tip and its order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameRow, historyRows, Series } from '../../static/js/decimate.js';

/** The oracle (what Series compacted with before its head was built incrementally): min/max
 *  decimation of xs/ys[start, end) in buckets of k aligned at multiples of k (the last may be
 *  partial), each bucket's lowest and highest point in index order (one when they coincide). */
function minMaxBuckets(xs, ys, start, end, k) {
  const x = [];
  const y = [];
  for (let b = Math.floor(start / k) * k; b < end; b += k) {
    const from = Math.max(b, start);
    const to = Math.min(b + k, end);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (ys[i] < ys[lo]) lo = i;
      if (ys[i] > ys[hi]) hi = i;
    }
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    x.push(xs[first]);
    y.push(ys[first]);
    if (second !== first) { x.push(xs[second]); y.push(ys[second]); }
  }
  return { x, y };
}

test('the oracle, minMaxBuckets, keeps each bucket\'s lowest and highest point in index order', () => {
  const xs = [0, 1, 2, 3, 4, 5, 6];
  const ys = [5, 9, 1, 4, 4, 4, 7];
  assert.deepEqual(minMaxBuckets(xs, ys, 0, 7, 3), { x: [1, 2, 3, 6], y: [9, 1, 4, 7] });
  assert.deepEqual(minMaxBuckets(xs, ys, 0, 7, 1), { x: xs, y: ys });
});

test('a short series is plotted as is, then extended point by point', () => {
  const s = new Series(100);
  for (let i = 0; i < 10; i++) s.push(i, i * i);
  assert.deepEqual(s.drain(), { rebuild: true, x: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
                                y: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81] });
  s.push(10, 100);
  assert.deepEqual(s.drain(), { rebuild: false, x: [10], y: [100] });
  assert.deepEqual(s.drain(), { rebuild: false, x: [], y: [] });
});

test('non-finite values are skipped', () => {
  const s = new Series(100);
  s.push(0, 1); s.push(1, null); s.push(2, NaN); s.push(3, Infinity); s.push(4, 2);
  assert.deepEqual(s.plotted(), { x: [0, 4], y: [1, 2] });
});

test('100k points at once: at most maxPoints plotted, range, ends and order kept', () => {
  const s = new Series(1000);
  const n = 100_000;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = Math.exp(-i / 20000) + (i === 31337 ? 5 : 0) + 0.01 * Math.sin(i);
    lo = Math.min(lo, y); hi = Math.max(hi, y);
    s.push(i, y);
  }
  const d = s.drain();
  assert.equal(d.rebuild, true);
  assert.ok(d.x.length <= 1000, `${d.x.length} points`);
  assert.equal(d.x[0], 0);
  assert.equal(d.x.at(-1), n - 1);
  assert.equal(Math.max(...d.y), hi);  // the spike at 31337 survives
  assert.equal(Math.min(...d.y), lo);
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1]);
});

test('streaming one point per frame: the trace built from drains always equals plotted() and stays bounded', () => {
  const s = new Series(200);
  let trace = { x: [], y: [] };
  let rebuilds = 0;
  for (let i = 0; i < 20_000; i++) {
    s.push(i, Math.cos(i / 50) / (1 + i / 1000));
    if (i % 3) continue;  // several points per animation frame
    const d = s.drain();
    if (d.rebuild) { trace = { x: d.x, y: d.y }; rebuilds++; } else {
      trace.x.push(...d.x); trace.y.push(...d.y);
    }
    assert.ok(trace.x.length <= 200);
    assert.equal(trace.x.at(-1), i);  // the tip is never behind
  }
  const last = s.drain();
  assert.equal(last.rebuild, false);
  trace.x.push(...last.x); trace.y.push(...last.y);
  assert.deepEqual(trace, s.plotted());
  assert.ok(rebuilds < 20_000 / 3 / 10, `${rebuilds} rebuilds`);  // mostly cheap appends
});

test('compaction keeps only what the plot needs, and plots what minMaxBuckets over every point would', () => {
  // the oracle: the head recomputed from every point pushed, with the series' own k and boundary
  const reference = (xs, ys, s) => {
    const head = minMaxBuckets(xs, ys, 0, s.headEnd, s.k);
    if (head.x.length && head.x[0] !== xs[0]) { head.x.unshift(xs[0]); head.y.unshift(ys[0]); }
    return { x: head.x.concat(xs.slice(s.headEnd)), y: head.y.concat(ys.slice(s.headEnd)) };
  };
  let seed = 11;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const max of [16, 100, 1000]) {
    const s = new Series(max);
    const xs = [], ys = [];
    let compactions = 0;
    for (let i = 0; i < 30_000; i++) {
      const y = Math.round(rand() * 20) / 4 + (i % 997 === 0 ? 50 : 0);  // ties, and spikes
      s.push(i, y); xs.push(i); ys.push(y);
      if (rand() < 0.3) {
        const d = s.drain();
        if (d.rebuild) {
          compactions++;
          assert.deepEqual(d, { rebuild: true, ...reference(xs, ys, s) }, `max ${max}, after ${i + 1} points`);
        }
      }
    }
    assert.ok(compactions > 10, `${compactions} compactions`);
    assert.deepEqual(s.plotted(), reference(xs, ys, s));
    assert.ok(s.plotted().x.length <= max);
    assert.ok(s.xs.length <= Math.max(256, 4 * max), `the raw points kept: ${s.xs.length} for ${xs.length} pushed`);
  }
});

test('clear() starts over with a rebuild', () => {
  const s = new Series(100);
  s.push(0, 1); s.drain();
  s.clear(); s.push(5, 2);
  assert.deepEqual(s.drain(), { rebuild: true, x: [5], y: [2] });
});

test('rows from history columns and from a frame', () => {
  const h = { epoch: [0, 1], train_cost: [0.7, 0.5], test_cost: [0.8, null], train_accuracy: [0.5, 0.6],
              test_accuracy: [0.4, 0.5] };
  assert.deepEqual(historyRows(h)[1], { epoch: 1, train: 0.5, test: null, trainAcc: 0.6, testAcc: 0.5 });
  const frame = { epoch: 7, metrics: { train: { cost: 1, accuracy: null }, test: { cost: 2, accuracy: null } } };
  assert.deepEqual(frameRow(frame), { epoch: 7, train: 1, test: 2, trainAcc: null, testAcc: null });
});
