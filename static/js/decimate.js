// Bounded plotted series for long runs (DOM-free): full-resolution tail, min/max buckets for the past.
//
// A chart pushes every point it receives and, once per animation frame, calls drain(): either the
// points to append (Plotly.extendTraces) or, after a compaction, the whole plotted series
// (Plotly.react). At most `maxPoints` are ever plotted, however long the run.

/** A bucket of k raw points, aligned at a multiple of k (`b`: which), as its lowest and highest point,
 *  each [index, x, y]; the plot shows the two in index order (one when they coincide), so spikes and
 *  the overall range survive. */
const bucketOf = (b, i, x, y) => ({ b, lo: [i, x, y], hi: [i, x, y] });

/** `into` (buckets in order, the last perhaps partial) extended with the bucket `m` after them: a
 *  bucket of its own, or the same one as the last, whose extremes then take m's where m's are lower or
 *  higher (the earlier point on a tie). */
function addBucket(into, m) {
  const last = into.at(-1);
  if (last?.b !== m.b) { into.push(m); return; }
  if (m.lo[2] < last.lo[2]) last.lo = m.lo;
  if (m.hi[2] > last.hi[2]) last.hi = m.hi;
}

export class Series {
  constructor(maxPoints = 1000) {
    this.maxPoints = Math.max(16, maxPoints);
    this.clear();
  }

  clear() {
    this.xs = new Float64Array(256);  // the raw points not in the head: index i at [i − base]
    this.ys = new Float64Array(256);
    this.base = 0;
    this.n = 0;
    this.first = null;  // the very first point [x, y]: the curve starts where the run did
    this.k = 1;  // bucket size of the head; a power of two that only grows, so buckets stay put
    this.buckets = [];  // the head: raw points [0, headEnd) as buckets of k (the last may be partial)
    this.headEnd = 0;
    this.head = { x: [], y: [] };  // the head's points, as plotted (headPoints, at each compaction)
    this.sent = 0;  // raw points [headEnd, sent) have been handed out by drain()
    this.stale = true;  // the next drain() must hand out the whole plotted series
    this.lo = Infinity;  // range of every value pushed (for axis ticks)
    this.hi = -Infinity;
  }

  get length() { return this.n; }

  /** Adds one point; non-finite values are skipped (a log axis could not show them either). */
  push(x, y) {
    if (y === null || y === undefined || !Number.isFinite(y) || !Number.isFinite(x)) return;
    const at = this.n - this.base;
    if (at >= this.xs.length) {
      const xs = new Float64Array(2 * this.xs.length);
      const ys = new Float64Array(2 * this.ys.length);
      xs.set(this.xs); ys.set(this.ys);
      this.xs = xs; this.ys = ys;
    }
    this.xs[at] = x;
    this.ys[at] = y;
    this.first ??= [x, y];
    this.n++;
    if (y < this.lo) this.lo = y;
    if (y > this.hi) this.hi = y;
  }

  /** The head's points: each bucket's lowest and highest in index order (one when they coincide),
   *  the run's first point before them. */
  headPoints() {
    const x = [];
    const y = [];
    for (const { lo, hi } of this.buckets) {
      const [a, b] = lo[0] <= hi[0] ? [lo, hi] : [hi, lo];
      x.push(a[1]); y.push(a[2]);
      if (b[0] !== a[0]) { x.push(b[1]); y.push(b[2]); }
    }
    if (x.length && this.first && x[0] !== this.first[0]) { x.unshift(this.first[0]); y.unshift(this.first[1]); }
    return { x, y };
  }

  /** The whole plotted series now (head buckets + raw tail). */
  plotted() {
    this.compactIfNeeded();
    const head = this.head;
    const from = this.headEnd - this.base;
    return {
      x: head.x.concat(Array.from(this.xs.subarray(from, this.n - this.base))),
      y: head.y.concat(Array.from(this.ys.subarray(from, this.n - this.base))),
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
    const x = Array.from(this.xs.subarray(this.sent - this.base, this.n - this.base));
    const y = Array.from(this.ys.subarray(this.sent - this.base, this.n - this.base));
    this.sent = this.n;
    return { rebuild: false, x, y };
  }

  /** Past → ≤ max/2 points; the newest max/4 stay raw, so the tip is always the latest point. The head
   *  is what bucketing every point in [0, end) by k would give, built from the head as it was (its
   *  buckets merged in pairs when k doubles) and the raw points since: a compaction costs what the
   *  plot holds, not what the run has pushed (a run at full speed pushes ~800 points a second, and
   *  each compaction went over all of them), and the raw points in the head are let go. */
  compactIfNeeded() {
    const max = this.maxPoints;
    if (this.head.x.length + (this.n - this.headEnd) <= max) return false;
    const end = this.n - Math.floor(max / 4);
    let k = this.k;
    while (2 * Math.ceil(end / k) > max / 2) k *= 2;
    if (k !== this.k) {  // every bucket into the one of k it is part of
      const merged = [];
      for (const bucket of this.buckets) addBucket(merged, { ...bucket, b: Math.floor(bucket.b * this.k / k) });
      this.buckets = merged;
      this.k = k;
    }
    for (let i = this.headEnd; i < end; i++) {
      addBucket(this.buckets, bucketOf(Math.floor(i / k), i, this.xs[i - this.base], this.ys[i - this.base]));
    }
    this.head = this.headPoints();
    // the raw points now in the head are not needed again: the tail moves to the front
    this.xs.copyWithin(0, end - this.base, this.n - this.base);
    this.ys.copyWithin(0, end - this.base, this.n - this.base);
    this.base = end;
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
