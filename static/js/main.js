// main.js — the entry module: builds the page from the catalog and wires store ↔ api ↔ views.
// One live session per page: a change PATCHes it when it can, else a new session replaces it
// (POST, then DELETE the old one); one EventSource follows whichever session is current.

import { ApiError, api, openStream } from "./api.js";
import { buildControls, clearErrors, showError } from "./controls.js";
import { frameRow, historyRows } from "./decimate.js";
import { decodeFrame } from "./frame.js";
import {
  CUSTOM, classCount, createStore, customProblem, defaultState, fromQuery, LIVE_KEYS, livePatch, normalize,
  problemKind, roundWeights, sessionKey, toConfig, toQuery, VIEW_KEYS,
} from "./state.js";
import { createBoundaryView } from "./views/boundary.js";
import { createGradChart } from "./views/gradChart.js";
import { createLossChart } from "./views/lossChart.js";
import { createNetworkView } from "./views/network.js";

const FPS = 60;
const $ = (id) => document.getElementById(id);
const catalogP = api.catalog();  // preloaded by a <link> in the page
const plotlyReady = new Promise((resolve) => {
  if (window.Plotly) resolve();
  else $("plotly-js")?.addEventListener("load", resolve, { once: true });
});

start().catch((err) => {
  console.error(err);
  const p = $("banner");
  p.hidden = false;
  p.classList.add("banner-danger");
  p.textContent = `The playground could not start: ${err.message ?? err}`;
});

async function start() {
  const catalog = await catalogP;
  const store = createStore(fromQuery(location.search, catalog), { normalize: (p, n) => normalize(p, n, catalog) });
  const live = createStore({ id: null, status: "idle", epoch: 0, step: 0, metrics: null, data: null, divergedAt: null,
    note: null });
  const ui = createStore({ tool: null });
  let firstDraw = null;
  const viewsP = plotlyReady.then(() => makeViews(catalog, store, () => firstDraw));
  const session = sessionManager({ catalog, store, live, viewsP });
  firstDraw = Promise.race([session.firstDraw, new Promise((r) => setTimeout(r, 2000))]);
  const controls = buildControls({ catalog, store, live, ui, actions: session.actions });
  session.sync();  // the POST overlaps the Plotly download
  wireViews(await viewsP, { store, session, controls, ui });
  keepUrl(store, catalog);
  $("app").setAttribute("aria-busy", "false");
  await firstDraw;
  controls.picker.loadThumbnails(session.preview, new URL(import.meta.url).searchParams.get("v") ?? "");
}

/** The boundary first; the two charts once it is drawn, so their first Plotly draw does not delay it. */
function makeViews(catalog, store, firstDraw) {
  const s = store.get();
  const v = {
    boundary: createBoundaryView($("boundary"), { extent: catalog.limits.grid_extent }),
    network: createNetworkView($("network")),
    loss: later(() => createLossChart($("loss-chart")), firstDraw),
    grad: later(() => createGradChart($("grad-chart")), firstDraw),
  };
  v.boundary.setOptions({ showTest: s.showTest, discretize: s.discretize });
  v.loss.setLogScale(s.logScale);
  return v;
}

/** A view made when `when()` resolves; method calls before then are replayed on it, in order. */
function later(create, when) {
  let real = null;
  const calls = [];
  Promise.resolve().then(when).then(() => {
    real = create();
    for (const [method, args] of calls) real[method](...args);
    calls.length = 0;
  });
  return new Proxy({}, { get: (_, method) => (...args) => (real ? real[method](...args) : calls.push([method, args])) });
}

function wireViews(v, { store, session, controls, ui }) {
  const { ops, custom } = controls;
  v.network.on("toggleFeature", (name) => ops.toggleFeature(name));
  v.network.on("addLayer", () => ops.addLayer());
  v.network.on("removeLayer", () => ops.removeLayer());
  v.network.on("units", (l, delta) => ops.units(l, delta));
  v.network.on("editWeight", (l, r, c, value) => session.actions.editWeight(l, r, c, value));
  v.boundary.onPick((x1, x2) => {
    if (!custom.pick(x1, x2)) announce("To edit the data, pick a tool under “Your own points” first.");
  });
  store.subscribe((s, prev) => {
    if (s.showTest !== prev.showTest || s.discretize !== prev.discretize) {
      v.boundary.setOptions({ showTest: s.showTest, discretize: s.discretize });
    }
    if (s.logScale !== prev.logScale) v.loss.setLogScale(s.logScale);
  });
  ui.subscribe((u) => $("boundary").classList.toggle("picking", u.tool !== null));
}

/** The URL follows the state (replaceState, at most every 200 ms). */
function keepUrl(store, catalog) {
  const defaults = defaultState(catalog);
  let timer = null;
  const write = () => {
    timer = null;
    const q = toQuery(store.get(), defaults);
    const url = q ? `?${q}` : location.pathname;
    if (url !== location.search && !(q === "" && location.search === "")) history.replaceState(null, "", url);
  };
  store.subscribe(() => { if (!timer) timer = setTimeout(write, 200); });
  write();
  return write;
}

function announce(text) {
  const el = $("announce");
  el.textContent = "";
  requestAnimationFrame(() => { el.textContent = text; });
}

// ------------------------------------------------------------------ the live session

function sessionManager({ catalog, store, live, viewsP }) {
  let cur = null;  // {id, key, state, row0}: the session the page shows (id null: custom data not ready)
  let stream = null;
  let wantPlaying = false;
  let lastEpoch = 0;
  let pending = null, decoding = false, framesShown = 0;
  let note = null;  // shown once the next session is up
  let chain = Promise.resolve();
  let syncQueued = false;
  let resolveFirst;
  const firstDraw = new Promise((r) => { resolveFirst = r; });

  /** Server calls run one at a time, in order, so a click never races a session swap. */
  const queue = (task) => {
    const p = chain.then(task);
    chain = p.catch(report);
    return p;
  };
  function sync() {
    if (syncQueued) return;
    syncQueued = true;
    queue(async () => { syncQueued = false; await syncOnce(); });
  }

  function report(err) {
    if (!(err instanceof ApiError)) { console.error(err); return; }
    if (err.status === 404 && err.field === "id") { expired(); return; }
    if (err.status === 409) { live.set({ status: "diverged" }); return; }
    showError(err.field, err.status === 0 || err.status === 503 ? `${err.msg} — try again in a moment` : err.msg);
  }

  async function syncOnce() {
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
      cur = { id: null, key: sessionKey(s), state: s, row0: null };
      live.set({ id: null, status: "idle", epoch: 0, step: 0, metrics: null, note: `Your own data: ${problem} to train.` });
      (await viewsP).boundary.setPoints(localPoints(catalog, s, live.get().data));
      (await viewsP).boundary.setGrid(null);
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
    const old = cur;
    cur = { id: created.id, key: sessionKey(s), state: s, row0: frameRow(created) };
    if (old?.id) api.remove(old.id).catch(() => {});
    clearErrors();
    applySession(created);
    live.set({ id: created.id, note });
    note = null;
    const data = await api.data(created.id);
    if (cur?.id !== created.id) return;
    live.set({ data });
    openLive(created.id);  // frames wait for the views (Plotly may still be loading), not the other way round
    cur.ready = viewsP.then((v) => {
      v.boundary.setPoints({ train: data.train, test: data.test, kind: data.kind, nClasses: data.n_classes });
      v.network.setNetwork(networkSpec(catalog, s, created));
      v.loss.reset([cur.row0]);
      v.grad.reset();
    });
    lastEpoch = created.epoch;
    await cur.ready;
    if (playing) await play();
  }

  async function drop() {
    if (cur?.id) api.remove(cur.id).catch(() => {});
    cur = null;
  }

  /** A REST answer about the session, unless a frame (newer: the runner keeps going) came meanwhile. */
  async function fresh(request) {
    const seen = framesShown;
    const r = await request;
    if (framesShown === seen) applySession(r);
    else if (r.status === "diverged") wantPlaying = false;
    return r;
  }

  function applySession(r) {
    live.set({ status: r.status, epoch: r.epoch, step: r.step, metrics: r.metrics, divergedAt: r.diverged_at });
    if (r.status === "diverged") wantPlaying = false;
  }

  // --- the stream

  function openLive(id) {
    stream = openStream(id, {
      fps: FPS,
      onFrame: (f) => { if (f.id === cur?.id) { pending = f; if (!decoding) drainFrames(); } },
      onOpen: () => queue(() => refill(id)),
      onGone: () => { if (cur?.id === id) expired(); },
      onError: (gaveUp) => { if (gaveUp && cur?.id === id) queue(() => api.read(id)).catch(() => {}); },
    });
  }

  function closeStream() {
    stream?.close();
    stream = null;
    pending = null;
  }

  function expired() {
    cur = null;
    note = "The session had ended on the server: it was started again from the same initial weights.";
    sync();
  }

  async function refill(id) {
    if (cur?.id !== id) return;
    const h = await api.history(id);
    if (cur?.id !== id) return;
    const rows = historyRows(h);
    (await viewsP).loss.reset([cur.row0, ...rows]);
    lastEpoch = Math.max(lastEpoch, rows.at(-1)?.epoch ?? 0);
  }

  async function drainFrames() {
    decoding = true;
    try {
      while (pending) {
        const f = pending;
        pending = null;
        const d = await decodeFrame(f);
        const v = await viewsP;
        await cur?.ready;
        if (d.id !== cur?.id) continue;
        showFrame(v, d);
      }
    } catch (err) {
      console.error(err);
    } finally {
      decoding = false;
    }
  }

  function showFrame(v, d) {
    framesShown++;
    // read by the browser tests and bench/frames.py (attributes need no script evaluation)
    document.documentElement.dataset.framesShown = String(framesShown);
    document.documentElement.dataset.sessionId = d.id;
    document.documentElement.dataset.epoch = String(d.epoch);
    applySession(d);
    v.boundary.setGrid(d.output);
    v.network.setFrame(d);
    if (d.epoch < lastEpoch) {
      v.loss.reset([frameRow(d)]);
      v.grad.reset();
    } else if (d.epoch > lastEpoch) {
      v.loss.append([frameRow(d)]);
      if (d.metrics.grad_norms) v.grad.append(d.epoch, d.metrics.grad_norms);
    }
    lastEpoch = d.epoch;
    if (resolveFirst) {
      const done = resolveFirst;
      resolveFirst = null;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        performance.mark("nnp:first-boundary");
        done();
      }));
    }
  }

  // --- actions (buttons, keys, the banner)

  async function play() {
    if (live.get().status === "diverged") return;
    wantPlaying = true;
    if (cur?.id) await fresh(api.play(cur.id, store.get().speed));  // else the session being made will play
  }

  const actions = {
    togglePlay: () => (live.get().status === "running" || wantPlaying ? actions.pause() : actions.play()),
    play: () => queue(play),
    pause: () => queue(async () => {
      wantPlaying = false;
      if (cur?.id) await fresh(api.pause(cur.id));
    }),
    step: (kind) => queue(async () => {
      if (!cur?.id) return;
      wantPlaying = false;
      if (live.get().status === "running") await api.pause(cur.id);
      await fresh(api.step(cur.id, kind === "epoch" ? { epochs: 1 } : { steps: 1 }));
    }),
    reset: () => queue(async () => {
      if (!cur?.id) return;
      wantPlaying = false;
      const r = await api.reset(cur.id);
      cur.row0 = frameRow(r);
      lastEpoch = 0;
      const v = await viewsP;
      v.loss.reset([cur.row0]);
      v.grad.reset();
      applySession(r);
      announce("Reset to the initial weights.");
    }),
    lowerLearningRate: () => store.set({ lr: Number((store.get().lr / 10).toPrecision(6)) }),
    regenerate: () => store.set({ dseed: Math.floor(Math.random() * 1e6) }),
    editWeight: (l, r, c, value) => queue(async () => {
      if (!cur?.id) return;
      const w = await api.weights(cur.id);
      const layer = w.layers[l];
      if (!layer) return;
      if (c === layer.W[r].length) layer.b[r] = value;
      else layer.W[r][c] = value;
      await api.putWeights(cur.id, w);
    }),
    async shareUrl(withWeights) {
      if (withWeights && cur?.id) {
        const w = await queue(() => api.weights(cur.id));
        store.set({ weights: roundWeights(w.layers) });
      } else if (!withWeights && store.get().weights) store.set({ weights: null });
      const q = toQuery(store.get(), defaultState(catalog));
      history.replaceState(null, "", q ? `?${q}` : location.pathname);
      return location.href;
    },
    async exportPng() {
      const div = $("boundary").querySelector(".js-plotly-plot");
      const url = await window.Plotly.toImage(div, { format: "png", width: 800, height: 800 });
      const a = document.createElement("a");
      a.href = url;
      a.download = `boundary-epoch-${live.get().epoch}.png`;
      document.body.append(a);
      a.click();
      a.remove();
    },
    exportUrl: (format) => (cur?.id ? api.exportUrl(cur.id, format) : null),
    uploadCsv: (file) => api.uploadCsv(file),
  };

  /** Points of one generated set for its thumbnail: a throwaway data-only session, deleted at once. */
  async function preview(name) {
    const s = await api.create({ dataset: { name, n_samples: 120 }, layers: [], batch_size: null });
    try {
      const d = await api.data(s.id);
      const r = (x) => Math.round(x * 100) / 100;
      return { points: [...d.train.x, ...d.test.x].map(([a, b]) => [r(a), r(b)]), labels: [...d.train.y, ...d.test.y],
        kind: d.kind };
    } finally {
      api.remove(s.id).catch(() => {});
    }
  }

  store.subscribe((s, prev) => {
    if (sessionKey(s) !== sessionKey(prev) || livePatch(prev, s)) sync();
    if (s.speed !== prev.speed && live.get().status === "running") actions.play();
    if (s.dataset === CUSTOM && (s.points !== prev.points || s.labels !== prev.labels)) {
      viewsP.then((v) => v.boundary.setPoints(localPoints(catalog, s, live.get().data)));
    }
  });
  live.subscribe((l, prev) => {
    if (l.status !== prev.status) announce({ running: "Training.", idle: "Paused.", diverged: "Diverged." }[l.status] ?? "");
  });
  window.addEventListener("pagehide", () => { if (cur?.id) api.remove(cur.id).catch(() => {}); closeStream(); });
  window.addEventListener("pageshow", (e) => { if (e.persisted) { cur = null; sync(); } });

  return { sync, actions, preview, firstDraw };
}

// ------------------------------------------------------------------ helpers

function pick(obj, keys) {
  return Object.fromEntries(keys.filter((k) => k in obj).map((k) => [k, obj[k]]));
}

/** The diagram's spec: every feature (on or off) with its map, the hidden layers, the outputs. */
const featureMaps = new WeakMap();
function networkSpec(catalog, s, created) {
  if (!featureMaps.has(catalog)) featureMaps.set(catalog, Object.fromEntries(catalog.features.map((f) => [f.name, f.map])));
  return {
    features: catalog.features.map((f) => ({ name: f.name, label: f.label, on: s.features.includes(f.name) })),
    featureMaps: featureMaps.get(catalog),
    hidden: s.layers.map((l) => ({ ...l })),
    outputs: { units: created.sizes.at(-1), activation: created.config.output.activation },
    limits: { maxLayers: catalog.limits.max_layers, maxUnits: catalog.limits.max_units },
  };
}

/** Own points drawn at once, before the server has split them: known points keep their split. */
function localPoints(catalog, s, data) {
  const where = new Map();
  const key = ([a, b]) => `${a},${b}`;
  for (const part of ["train", "test"]) data?.[part]?.x.forEach((p) => where.set(key(p), part));
  const sets = { train: { x: [], y: [] }, test: { x: [], y: [] } };
  (s.points ?? []).forEach((p, i) => {
    const part = where.get(key(p)) ?? "train";
    sets[part].x.push(p);
    sets[part].y.push(s.labels[i]);
  });
  return { ...sets, kind: problemKind(s, catalog), nClasses: classCount(s, catalog) };
}
