// session.js — the live session behind a page. One session at a time: a change PATCHes it when it
// can, else a new session replaces it (POST, then DELETE the old one); one EventSource follows
// whichever session is current. A page may also *watch* someone else's session (read only: nothing
// is sent, nothing deleted) and later *adopt* a session of its own (a fork). The stream, its newest
// frame and the one draw per animation frame are liveView.js's.

import { ApiError, api, openStream } from "./api.js";
import { clearErrors, showError } from "./controls/dom.js";
import { createChartFeed } from "./chartFeed.js";
import { frameRow } from "./decimate.js";
import { decodeFrame } from "./frame.js";
import { createLiveView } from "./liveView.js";
import { everyFrame } from "./plot.js";
import { serialQueue } from "./serialQueue.js";
import { localPoints, networkSpec, pick, withStubs } from "./sessionViews.js";
import {
  CUSTOM, customProblem, defaultState, LIVE_KEYS, livePatch, lowerRate, sessionKey, toConfig, VIEW_KEYS,
} from "./state.js";

const FPS = 60;

/**
 * ctx: {catalog, store, live, viewsP, announce, hooks: {onFrame(decoded), onGone(), onError(err)}, watching}
 * (`watching`: start read only, for watch()). Views the page does not have (an embed has no network
 * diagram) may be null. Returns {sync, actions, firstDraw, watch, adopt, readOnly(), setHooks()}.
 */
export function createSession({ catalog, store, live, viewsP: allViewsP, announce = () => {}, hooks = {}, watching = false }) {
  let views = null;  // the views, once made (frames wait for them)
  const viewsP = allViewsP.then(withStubs).then((v) => (views = v));
  let cur = null;  // {id, key, state, row0, owned}: the session the page shows (id null: custom data not ready)
  let readOnly = watching;  // watching a session that is not ours: nothing is sent to it
  let wantPlaying = false;
  const feed = createChartFeed({ history: (id, since) => api.history(id, since), views: viewsP });
  let note = null;  // shown once the next session is up
  let syncQueued = false;
  let resolveFirst;
  const firstDraw = new Promise((r) => { resolveFirst = r; });

  /** Server calls run one at a time, in order, so a click never races a session swap. */
  const queue = serialQueue((err) => report(err));

  // read by the browser tests and bench/frames.py on <html>: data-frames-shown, data-session-id, data-epoch
  const liveView = createLiveView({
    open: (id, handlers) => openStream(id, { fps: FPS, ...handlers }),
    // frames wait for the views (Plotly may still be loading) and for the session's network and points
    decode: async (f) => {
      const d = await decodeFrame(f);
      await viewsP;
      await cur?.ready;
      return d;
    },
    counters: document.documentElement,
    marks: (d) => ({ sessionId: d.id, epoch: String(d.epoch) }),
    schedule: (fn) => everyFrame(fn, "session"),  // a frame's time into the views, in plot.js drawStats
    hooks: {
      onFrame: (d) => { if (d.id === cur?.id) showFrame(views, d); },
      onRefill: (id) => queue(() => refill(id)),
      onGone: (id) => { if (cur?.id === id) expired(); },
      onMoved: (id, next) => { if (cur?.id === id) moved(id, next); },
      onGiveUp: (id) => { if (cur?.id === id) queue(() => api.read(id)).catch(() => {}); },
    },
  });
  function sync() {
    if (syncQueued || readOnly) return;
    syncQueued = true;
    queue(async () => { syncQueued = false; await syncOnce(); });
  }

  function report(err) {
    if (!(err instanceof ApiError)) { console.error(err); return; }
    if (err.status === 404 && err.field === "id") {
      if (err.successor && cur && !cur.owned) moved(cur.id, err.successor);
      else expired();
      return;
    }
    if (err.status === 409) { live.set({ status: "diverged" }); return; }
    showError(err.field, err.status === 0 || err.status === 503 ? `${err.msg} — try again in a moment` : err.msg);
    hooks.onError?.(err);
  }

  async function syncOnce() {
    if (readOnly) return;
    const s = store.get();
    if (!cur || sessionKey(s) !== cur.key) { await replace(s); return; }
    const patch = cur.id && livePatch(cur.state, s);
    if (!patch) return;
    try {
      await fresh(api.patch(cur.id, patch));
      cur.state = { ...cur.state, ...pick(s, LIVE_KEYS) };
      clearErrors();
    } catch (err) {
      report(err);
      store.set(pick(cur.state, LIVE_KEYS));  // back to what the session really has
    }
  }

  async function replace(s) {
    const playing = wantPlaying;
    closeStream();
    const problem = customProblem(s);
    if (problem) {
      await drop();
      cur = { id: null, key: sessionKey(s), state: s, row0: null, owned: true };
      // said where the student is looking: on the (map-less) plot, and in the data panel's status line
      live.set({ id: null, status: "idle", epoch: 0, step: 0, metrics: null, unstable: null, note: null });
      const v = await viewsP;
      v.boundary.setPoints(localPoints(catalog, s, live.get().data));
      v.boundary.setGrid(null);
      v.boundary.setHint?.(`To train, ${problem}.`);
      return;
    }
    let created;
    try {
      created = await api.create(toConfig(s));
    } catch (err) {
      report(err);
      if (s.weights) {  // shared weights that do not fit: start from the seed's
        note = `The link's weights were not used (${err.msg}); the network starts from its seed.`;
        store.set({ weights: null });
        sync();
        return;
      }
      // keep the session we have (or fall back to the defaults on a bad link), keep the page's view settings
      const back = cur?.state ?? defaultState(catalog);
      if (sessionKey(back) !== sessionKey(s)) store.set(pick(back, Object.keys(back).filter((k) => !VIEW_KEYS.includes(k))));
      return;
    }
    // its followers move on to the new session (the stream says `moved`, a GET names the successor)
    if (cur?.id && cur.owned) api.remove(cur.id, { successor: created.id }).catch(() => {});
    await show(created, s, true);
    if (playing && cur?.id === created.id) await play();
  }

  /** Make `info` (a session's REST answer) the page's session: data, network, curves, stream. */
  async function show(info, s, owned) {
    cur = { id: info.id, key: sessionKey(s), state: s, row0: info.epoch === 0 ? frameRow(info) : null, owned,
      dataSeed: info.data.seed };
    clearErrors();
    applySession(info);
    live.set({ id: info.id, note });
    note = null;
    const data = await api.data(info.id);
    if (cur?.id !== info.id) return;
    live.set({ data });
    feed.start(info.id, cur.row0);  // the curves: history on open, then frames (chartFeed.js)
    liveView.open(info.id);  // frames wait for the views (Plotly may still be loading), not the other way round
    const c = cur;
    c.ready = viewsP.then((v) => {
      v.boundary.setHint?.(null);
      v.boundary.setPoints(pointsOf(data));
      v.network.setNetwork(networkSpec(catalog, s, info));
    });
    await c.ready;
  }

  const pointsOf = (data) => ({ train: data.train, test: data.test, kind: data.kind, nClasses: data.n_classes });

  /** The session drew new points (Regenerate: PATCH dataset.seed, here or by the owner of a session
   *  followed): the same network, shown over its new data. */
  async function newData(id, seed) {
    if (cur?.id !== id || cur.dataSeed === seed) return;
    cur.dataSeed = seed;
    const data = await api.data(id);
    if (cur?.id !== id) return;
    live.set({ data });
    (await viewsP).boundary.setPoints(pointsOf(data));
  }

  async function drop() {
    if (cur?.id && cur.owned) api.remove(cur.id).catch(() => {});
    cur = null;
    feed.stop();
  }

  /** A REST answer about the session, unless a frame (newer: the runner keeps going) came meanwhile. */
  async function fresh(request) {
    const seen = liveView.shown();
    const r = await request;
    if (liveView.shown() === seen) applySession(r);
    else if (r.status === "diverged") wantPlaying = false;
    return r;
  }

  function applySession(r) {
    live.set({ status: r.status, epoch: r.epoch, step: r.step, metrics: r.metrics, divergedAt: r.diverged_at,
      unstable: r.unstable ?? null });
    if (r.status === "diverged") wantPlaying = false;
    if (r.data && cur?.id === r.id && r.data.seed !== cur.dataSeed) newData(r.id, r.data.seed).catch(report);
  }

  // --- the stream

  function closeStream() {
    liveView.close();
    feed.stop();  // no more history requests for it (it may be about to be deleted)
  }

  /** Someone else's session `from` was replaced by its owner with `to`: watch that one instead. */
  function moved(from, to) {
    if (!cur || cur.owned || cur.id !== from) return;
    closeStream();
    if (hooks.onMoved) hooks.onMoved(to);
    else expired();
  }

  function expired() {
    closeStream();  // its frames, if any still come, are of a session the page no longer shows
    if (cur && !cur.owned) {  // someone else's session: nothing to restart
      cur = null;
      live.set({ status: "gone" });
      hooks.onGone?.();
      return;
    }
    cur = null;
    note = "The session had ended on the server: it was started again from the same initial weights.";
    sync();
  }

  async function refill(id) {
    if (cur?.id === id) await feed.refill();
  }

  /** The newest decoded frame, in the live view's drawing callback. */
  function showFrame(v, d) {
    applySession(d);
    if (Number.isInteger(d.viewers)) live.set({ viewers: d.viewers });
    v.boundary.setGrid(d.output);
    v.network.setFrame(d);
    feed.frame(d);
    hooks.onFrame?.(d);
    if (resolveFirst) {
      const done = resolveFirst;
      resolveFirst = null;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        performance.mark("nnp:first-boundary");
        done();
      }));
    }
  }

  // --- actions (buttons, keys, the banner, a parent frame); none while watching

  async function play() {
    if (live.get().status === "diverged") return;
    wantPlaying = true;
    if (cur?.id) await fresh(api.play(cur.id, store.get().speed));  // else the session being made will play
  }

  const mine = (fn) => (...args) => (readOnly ? Promise.resolve() : fn(...args));
  const actions = {
    togglePlay: mine(() => (live.get().status === "running" || wantPlaying ? actions.pause() : actions.play())),
    play: mine(() => queue(play)),
    pause: mine(() => queue(async () => {
      wantPlaying = false;
      if (cur?.id) await fresh(api.pause(cur.id));
    })),
    step: mine((kind) => queue(async () => {
      if (!cur?.id) return;
      wantPlaying = false;
      if (live.get().status === "running") await api.pause(cur.id);
      await fresh(api.step(cur.id, kind === "epoch" ? { epochs: 1 } : { steps: 1 }));
    })),
    reset: mine(({ quiet = false } = {}) => queue(async () => {
      if (!cur?.id) return;
      wantPlaying = false;
      const r = await api.reset(cur.id);
      cur.row0 = frameRow(r);
      applySession(r);
      await feed.start(cur.id, cur.row0);
      feed.refill();  // the curves from the history the server now has (not awaited: play may follow at once)
      if (!quiet) announce("Reset to the initial weights.");
    })),
    /** The one way out of a diverged or bouncing run: back to the initial weights, α ÷ 10 (a PATCH),
     *  and training again. Lowering α alone leaves a diverged run's weights where they went wrong
     *  (often a dead network); reset alone brings the same blow-up back. The reset is queued before
     *  the PATCH: PATCHed first, a bouncing run trained on from its bad weights at the new α until
     *  the reset came, so the server showed α ÷ 10, its epochs going on and no warning (what the
     *  recovered run looks like) while the restart was still under way. */
    restartSlower: mine(async () => {
      const playing = wantPlaying || live.get().status === "running" || live.get().status === "diverged";
      const reset = actions.reset({ quiet: true });  // queued before the PATCH that store.set queues
      store.set({ lr: lowerRate(store.get().lr) });
      await reset;
      announce(`Started again from the initial weights with α = ${store.get().lr}.`);
      if (playing) await actions.play();
    }),
    /** New points from a new data seed for the same network: a PATCH (state.js livePatch), which
     *  keeps the weights, the epoch and the curves; Reset still goes back to the initial weights. */
    regenerate: mine(() => store.set({ dseed: Math.floor(Math.random() * 1e6) })),
    editWeight: mine((l, r, c, value) => queue(async () => {
      if (!cur?.id) return;
      const w = await api.weights(cur.id);
      const layer = w.layers[l];
      if (!layer) return;
      if (c === layer.W[r].length) layer.b[r] = value;
      else layer.W[r][c] = value;
      await api.putWeights(cur.id, w);
    })),
    /** The current weights (exact, from the server), or null without a session. */
    weights: () => (cur?.id ? queue(() => api.weights(cur.id)) : Promise.resolve(null)),
    /** A PNG data URL of the boundary as shown. */
    boundaryImage: async (size = 800) => (await viewsP).boundary.toImage({ width: size, height: size }),
    exportUrl: (format) => (cur?.id ? api.exportUrl(cur.id, format) : null),
    uploadCsv: (file) => api.uploadCsv(file),
  };

  /** Watch someone else's session (GET answer `info`): frames and history only, nothing sent. */
  function watch(info) {
    readOnly = true;
    wantPlaying = false;
    closeStream();
    return queue(() => show(info, store.get(), false));
  }

  /** Make `info` (e.g. a fork) the page's own session, with `state` as the page state. */
  function adopt(info, state) {
    readOnly = false;
    wantPlaying = false;
    closeStream();
    cur = { id: info.id, key: sessionKey(state), state, row0: null, owned: true };  // the store change below needs no sync
    store.set(state);
    const s = store.get();
    Object.assign(cur, { key: sessionKey(s), state: s });
    return queue(() => show(info, s, true));
  }

  store.subscribe((s, prev) => {
    if (readOnly) return;
    if (sessionKey(s) !== sessionKey(prev) || livePatch(prev, s)) sync();
    if (s.speed !== prev.speed && live.get().status === "running") actions.play();
    if (s.dataset === CUSTOM && (s.points !== prev.points || s.labels !== prev.labels)) {
      viewsP.then((v) => v.boundary.setPoints(localPoints(catalog, s, live.get().data)));
    }
  });
  live.subscribe((l, prev) => {
    if (l.status !== prev.status) announce({ running: "Training.", idle: "Paused.", diverged: "Diverged." }[l.status] ?? "");
  });
  window.addEventListener("pagehide", () => { if (cur?.id && cur.owned) api.remove(cur.id).catch(() => {}); closeStream(); });
  window.addEventListener("pageshow", (e) => {
    if (!e.persisted) return;
    if (readOnly) location.reload();
    else { cur = null; sync(); }
  });

  return { sync, actions, firstDraw, watch, adopt, readOnly: () => readOnly, current: () => cur?.id ?? null,
    setHooks: (h) => Object.assign(hooks, h) };
}
