// Bounded plotted series for long runs (DOM-free): full-resolution tail, min/max buckets for the past.
//
// A chart pushes every point it receives and, once per animation frame, calls drain(): either the
// points to append (Plotly.extendTraces) or, after a compaction, the whole plotted series
// (Plotly.react). At most `maxPoints` are ever plotted, however long the run.

/** Min/max decimation of xs/ys[start, end) in buckets of k aligned at multiples of k (the last may be
 *  partial): each bucket keeps its lowest and highest point, in index order (one when they coincide),
 *  so spikes and the overall range survive. */
export function minMaxBuckets(xs, ys, start, end, k) {
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

function grow(a, need) {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class Series {
  constructor(maxPoints = 1000) {
    this.maxPoints = Math.max(16, maxPoints);
    this.clear();
  }

  clear() {
    this.xs = new Float64Array(256);
    this.ys = new Float64Array(256);
    this.n = 0;
    this.k = 1;  // bucket size of the head; a power of two that only grows, so buckets stay put
    this.head = { x: [], y: [] };
    this.headEnd = 0;  // raw points [0, headEnd) are represented by `head`
    this.sent = 0;  // raw points [headEnd, sent) have been handed out by drain()
    this.stale = true;  // the next drain() must hand out the whole plotted series
    this.lo = Infinity;  // range of every value pushed (for axis ticks)
    this.hi = -Infinity;
  }

  get length() { return this.n; }

  /** Adds one point; non-finite values are skipped (a log axis could not show them either). */
  push(x, y) {
    if (y === null || y === undefined || !Number.isFinite(y) || !Number.isFinite(x)) return;
    this.xs = grow(this.xs, this.n + 1);
    this.ys = grow(this.ys, this.n + 1);
    this.xs[this.n] = x;
    this.ys[this.n] = y;
    this.n++;
    if (y < this.lo) this.lo = y;
    if (y > this.hi) this.hi = y;
  }

  /** The whole plotted series now (head buckets + raw tail). */
  plotted() {
    this.compactIfNeeded();
    return {
      x: this.head.x.concat(Array.from(this.xs.subarray(this.headEnd, this.n))),
      y: this.head.y.concat(Array.from(this.ys.subarray(this.headEnd, this.n))),
    };
  }

  /** What changed since the last drain: {rebuild: true, x, y} = replace the trace with x, y;
   *  {rebuild: false, x, y} = append x, y (possibly empty). */
  drain() {
    if (this.compactIfNeeded() || this.stale) {
      this.stale = false;
      this.sent = this.n;
      return { rebuild: true, ...this.plotted() };
    }
    const x = Array.from(this.xs.subarray(this.sent, this.n));
    const y = Array.from(this.ys.subarray(this.sent, this.n));
    this.sent = this.n;
    return { rebuild: false, x, y };
  }

  compactIfNeeded() {
    const max = this.maxPoints;
    if (this.head.x.length + (this.n - this.headEnd) <= max) return false;
    // past → ≤ max/2 points; the newest max/4 stay raw, so the tip is always the latest point
    const end = this.n - Math.floor(max / 4);
    while (2 * Math.ceil(end / this.k) > max / 2) this.k *= 2;
    this.head = minMaxBuckets(this.xs, this.ys, 0, end, this.k);
    if (this.head.x[0] !== this.xs[0]) { this.head.x.unshift(this.xs[0]); this.head.y.unshift(this.ys[0]); }
    this.headEnd = end;
    this.stale = true;
    return true;
  }
}

// ---------------------------------------------------------------- rows for the charts

/** GET …/history columns → loss-chart rows {epoch, train, test, trainAcc, testAcc}. */
export function historyRows(h) {
  return h.epoch.map((epoch, i) => ({
    epoch, train: h.train_cost[i], test: h.test_cost[i],
    trainAcc: h.train_accuracy ? h.train_accuracy[i] : null,
    testAcc: h.test_accuracy ? h.test_accuracy[i] : null,
  }));
}

/** A stream frame → one loss-chart row. */
export function frameRow(frame) {
  const m = frame.metrics;
  return { epoch: frame.epoch, train: m.train.cost, test: m.test.cost,
           trainAcc: m.train.accuracy, testAcc: m.test.accuracy };
}
