// chartFeed.js — what a page's charts show of a live run: its recorded history on (re)connect and
// after a reset, then the stream's frames. The stream drops frames (a viewer gets the newest, never a
// queue), so when a frame skips epochs the missing ones come from GET …/history?since=E (at most every
// `minInterval` ms) instead of a straight line across the gap.
//
// One feed serves N *sets* of rows: the playground's session is one set (its loss and gradient-norm
// charts, `sessionSets`), a comparison one set a variant (its cost curve, `comparisonSets`). A set
// adapter says how a history answer and a frame split into the sets' rows ({epoch, …}) and how rows
// reach the charts. One history request serves every set that has a gap.
// DOM-free: `node --test tests/js/` runs it with a fake history and fake charts.

import { frameRow, historyRows } from "./decimate.js";

/** The playground: one set; a row carries the loss chart's numbers and the epoch's ‖dW[l]‖ (`norms`).
 *  views: {loss, grad} (lossChart/gradChart, or no-op stand-ins). */
export const sessionSets = {
  starts: (row0) => [row0],
  history: (h) => [historyRows(h).map((r, i) => ({ ...r, norms: h.grad_norms?.[i] ?? null }))],
  // epoch 0 has had no update: no gradient to chart (the history's rows, too, start at epoch 1)
  frame: (d) => [{ ...frameRow(d), norms: d.epoch > 0 ? d.metrics?.grad_norms ?? null : null }],
  reset(views, i, rows) {
    views.loss.reset(rows);
    const withNorms = rows.filter((r) => r.norms);
    views.grad.reset(withNorms.length ? { epoch: withNorms.map((r) => r.epoch), grad_norms: withNorms.map((r) => r.norms) } : null);
  },
  append(views, i, rows) {
    views.loss.append(rows);
    for (const r of rows) if (r.norms) views.grad.append(r.epoch, r.norms);
  },
};

/** A comparison: one set a variant, in order; views: the cost curves (compare/curves.js). */
export const comparisonSets = {
  starts: (row0s) => row0s,
  history: (h) => h.variants.map(historyRows),
  frame: (f) => f.variants.map(frameRow),
  reset: (curves, i, rows) => curves.reset(i, rows),
  append: (curves, i, rows) => curves.append(i, rows),
};

/**
 * history(id, since) → the GET …/history answer with the epochs after `since` (-1: all);
 * views: a promise of the charts; sets: `sessionSets` (default) or `comparisonSets`.
 * Returns {start(id, first), refill(), frame(decoded), stop(), charted()}.
 */
export function createChartFeed({ history, views, sets = sessionSets, minInterval = 250, now = () => Date.now(),
  later = (fn, ms) => setTimeout(fn, ms) }) {
  let id = null;
  let row0 = [];  // per set: its epoch-0 row of a fresh run (the history starts at epoch 1), or null
  let gen = 0;  // bumped whenever the charts start over: answers for an older generation are dropped
  let charted = [];  // per set: the last epoch on its chart (the history may run ahead of the frames)
  let seen = [];  // per set: the epoch of its last frame: frames come in order, so a lower one means a reset
  let latest = [];  // per set: its newest row not charted yet, or null
  let busy = false;  // a history request of this generation is on its way
  let lastFetch = -Infinity;
  let timer = null;

  async function append(i, rows) {
    if (!rows.length) return;
    sets.append(await views, i, rows);
  }

  /** Each set's newest row seen meanwhile: charted when it is the set's next epoch (or `anyway`, the
   *  history failing); dropped when the history had it; else another catch-up, once the interval allows. */
  async function appendLatest(anyway = false) {
    let gap = false;
    for (let i = 0; i < latest.length; i++) {
      const row = latest[i];
      if (!row) continue;
      if (row.epoch <= charted[i]) { latest[i] = null; continue; }
      if (row.epoch === charted[i] + 1 || anyway) {
        latest[i] = null;
        charted[i] = row.epoch;
        await append(i, [row]);
        continue;
      }
      gap = true;
    }
    if (gap) catchUp();
  }

  async function catchUp() {
    const waiting = latest.flatMap((row, i) => (row ? [i] : []));
    if (busy || id === null || !waiting.length) return;
    const wait = lastFetch + minInterval - now();
    if (wait > 0) {
      timer ??= later(() => { timer = null; catchUp(); }, wait);
      return;
    }
    // one request for every set with a gap, from the earliest of them; each set keeps what it lacks
    const g = gen, sid = id, since = Math.min(...waiting.map((i) => charted[i]));
    busy = true;
    lastFetch = now();
    let failed = false;
    try {
      const answer = sets.history(await history(sid, since));
      if (g !== gen) return;
      for (const [i, rows] of answer.entries()) {
        if (i >= charted.length) break;
        const after = rows.filter((r) => r.epoch > charted[i]);
        if (after.length) charted[i] = after.at(-1).epoch;
        await append(i, after);
      }
    } catch {
      failed = true;  // the frames alone, then: a straight line rather than a chart that stops
    } finally {
      if (g === gen) {
        busy = false;
        await appendLatest(failed);
      }
    }
  }

  /** The charts start over for `runId`, holding each set's epoch-0 row (or nothing). */
  async function startSets(runId, firsts) {
    gen++;
    id = runId;
    row0 = firsts;
    charted = row0.map((r) => (r ? r.epoch : -1));
    seen = row0.map(() => -1);
    latest = row0.map(() => null);
    busy = false;
    const v = await views;
    row0.forEach((r, i) => sets.reset(v, i, r ? [r] : []));
  }

  return {
    /** A run shown from scratch: the charts hold its epoch-0 rows (`first`: a row or null for a
     *  session, one a variant for a comparison) or nothing. */
    start: (runId, first = null) => startSets(runId, sets.starts(first)),
    /** The whole recorded history (on (re)connect, after a reset), then whatever frames came meanwhile. */
    async refill() {
      if (id === null) return;
      const g = ++gen, sid = id;
      busy = true;  // frames wait in `latest` until the charts are refilled
      try {
        const answer = sets.history(await history(sid, -1));
        if (g !== gen) return;
        const v = await views;
        row0.forEach((first, i) => {
          const rows = answer[i] ?? [];
          const all = first && !(rows[0]?.epoch <= first.epoch) ? [first, ...rows] : rows;
          charted[i] = Math.max(first?.epoch ?? -1, rows.at(-1)?.epoch ?? -1);
          sets.reset(v, i, all);
        });
      } finally {
        if (g === gen) {
          busy = false;
          await appendLatest();
        }
      }
    },
    /** A decoded stream frame of this run. */
    async frame(d) {
      if (d.id !== id) return;
      const rows = sets.frame(d).slice(0, charted.length);
      if (rows.some((r, i) => r.epoch < seen[i])) {  // back to the start: a reset, here or by the run's owner
        await startSets(id, rows.map((r) => (r.epoch === 0 ? r : null)));
        seen = rows.map((r) => r.epoch);
        latest = [...rows];
        await this.refill();
        return;
      }
      let gap = false;
      for (const [i, r] of rows.entries()) {
        seen[i] = r.epoch;
        if (r.epoch <= charted[i]) continue;  // the history had it already
        if (r.epoch === charted[i] + 1 && !busy && !latest[i]) {
          charted[i] = r.epoch;
          await append(i, [r]);
          continue;
        }
        latest[i] = r;
        gap = true;
      }
      if (gap) catchUp();
    },
    stop() {
      gen++;
      id = null;
      latest = [];
      busy = false;
    },
    /** The last charted epoch: of the one set, or per set (an array) when there are several. */
    charted: () => (charted.length === 1 ? charted[0] : [...charted]),
  };
}
