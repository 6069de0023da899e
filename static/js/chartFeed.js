// chartFeed.js — what the loss and gradient-norm charts show of one session: its recorded history
// on (re)connect and after a reset, then the stream's frames. The stream drops frames (a viewer gets
// the newest, never a queue), so when a frame skips epochs the missing ones come from
// GET …/history?since=E (at most every `minInterval` ms) instead of a straight line across the gap.
// DOM-free: `node --test tests/js/` runs it with a fake history and fake charts.

import { frameRow, historyRows } from "./decimate.js";

/**
 * history(id, since) → GET …/history columns ({epoch, train_cost, …, grad_norms: [[‖dW[l]‖…] | null]});
 * views: a promise of {loss, grad} (lossChart/gradChart, or no-op stand-ins).
 * Returns {start(id, row0), refill(), frame(decoded), stop(), charted()}.
 */
export function createChartFeed({ history, views, minInterval = 250, now = () => Date.now(),
  later = (fn, ms) => setTimeout(fn, ms) }) {
  let id = null;
  let row0 = null;  // the epoch-0 row of a fresh session (the history starts at epoch 1)
  let gen = 0;  // bumped whenever the charts start over: answers for an older generation are dropped
  let charted = -1;  // the last epoch on the charts (the history may run ahead of the frames)
  let seen = -1;  // the epoch of the last frame: frames come in order, so a lower one means a reset
  let latest = null;  // the newest frame not charted yet: {row, norms}
  let busy = false;  // a history request of this generation is on its way
  let lastFetch = -Infinity;
  let timer = null;

  const normsOf = (d) => d.metrics?.grad_norms ?? null;

  async function append(rows, norms) {
    if (!rows.length) return;
    const v = await views;
    v.loss.append(rows);
    rows.forEach((r, i) => { if (norms[i]) v.grad.append(r.epoch, norms[i]); });
  }

  /** Rows of a history answer after epoch `after`, with their gradient norms. */
  function rowsAfter(h, after) {
    const rows = [];
    const norms = [];
    historyRows(h).forEach((r, i) => {
      if (r.epoch > after) { rows.push(r); norms.push(h.grad_norms?.[i] ?? null); }
    });
    return { rows, norms };
  }

  /** The newest frame seen meanwhile: charted when it is the next epoch (or `anyway`, the history
   *  failing); dropped when the history had it; else another catch-up, once the interval allows. */
  async function appendLatest(anyway = false) {
    const l = latest;
    if (!l) return;
    if (l.row.epoch <= charted) { latest = null; return; }
    if (l.row.epoch === charted + 1 || anyway) {
      latest = null;
      charted = l.row.epoch;
      await append([l.row], [l.norms]);
      return;
    }
    catchUp();
  }

  async function catchUp() {
    if (busy || id === null || !latest) return;
    const wait = lastFetch + minInterval - now();
    if (wait > 0) {
      timer ??= later(() => { timer = null; catchUp(); }, wait);
      return;
    }
    const g = gen, since = charted, sid = id;
    busy = true;
    lastFetch = now();
    let failed = false;
    try {
      const h = await history(sid, since);
      if (g !== gen) return;
      const { rows, norms } = rowsAfter(h, charted);
      if (rows.length) charted = rows.at(-1).epoch;
      await append(rows, norms);
    } catch {
      failed = true;  // the frame alone, then: a straight line rather than a chart that stops
    } finally {
      if (g === gen) {
        busy = false;
        await appendLatest(failed);
      }
    }
  }

  return {
    /** A session shown from scratch: the charts hold `row0` (its epoch-0 row) or nothing. */
    async start(sessionId, first = null) {
      gen++;
      id = sessionId;
      row0 = first;
      charted = first ? first.epoch : -1;
      seen = -1;
      latest = null;
      busy = false;
      const v = await views;
      v.loss.reset(first ? [first] : []);
      v.grad.reset();
    },
    /** The whole recorded history (on (re)connect, after a reset), then whatever frames came meanwhile. */
    async refill() {
      if (id === null) return;
      const g = ++gen, sid = id;
      busy = true;  // frames wait in `latest` until the charts are refilled
      try {
        const h = await history(sid, -1);
        if (g !== gen) return;
        const rows = historyRows(h);
        const all = row0 && !(rows[0]?.epoch <= row0.epoch) ? [row0, ...rows] : rows;
        charted = Math.max(row0?.epoch ?? -1, rows.at(-1)?.epoch ?? -1);
        const v = await views;
        v.loss.reset(all);
        v.grad.reset(h.epoch.length ? h : null);
      } finally {
        if (g === gen) {
          busy = false;
          await appendLatest();
        }
      }
    },
    /** A decoded stream frame of this session. */
    async frame(d) {
      if (d.id !== id) return;
      const e = d.epoch;
      if (e < seen) {  // back to the start: a reset, here or by the session's owner
        await this.start(id, e === 0 ? frameRow(d) : null);
        seen = e;
        latest = { row: frameRow(d), norms: normsOf(d) };
        await this.refill();
        return;
      }
      seen = e;
      if (e <= charted) return;  // the history had it already
      if (e === charted + 1 && !busy && !latest) {
        charted = e;
        await append([frameRow(d)], [normsOf(d)]);
        return;
      }
      latest = { row: frameRow(d), norms: normsOf(d) };
      catchUp();
    },
    stop() {
      gen++;
      id = null;
      latest = null;
      busy = false;
    },
    charted: () => charted,
  };
}
