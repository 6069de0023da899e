// compare.js — the entry module of the compare page: 2–6 variants of one experiment, trained in lockstep
// by one server-side comparison, shown as small boundary maps, overlaid cost curves and a live table.
// The comparison lives in the URL (compare/query.js); one EventSource follows it; everything drawn
// happens in one animation-frame callback (plot.js everyFrame), the chart in its own heavy turn.
// Served at /embed for a comparison (body.embed), it is the embed of it: maps, curves and table sized
// to the frame, no form; the embed's options and postMessage contract (compare/embed.js).

import { ApiError, api } from "./api.js";
import { comparisonSets, createChartFeed } from "./chartFeed.js";
import { frameRow } from "./decimate.js";
import { decodeFrame } from "./frame.js";
import { embedOptions, themed } from "./links.js";
import { everyFrame } from "./plot.js";
import { quantityTexts } from "./quantities.js";
import { initTheme } from "./theme.js";
import { compareApi, openComparisonStream } from "./compare/client.js";
import { createCurves } from "./compare/curves.js";
import { h, swatch } from "./compare/dom.js";
import { createEmbedChrome } from "./compare/embed.js";
import { createForm } from "./compare/form.js";
import { createLayerChart } from "./compare/layers.js";
import { createMapView } from "./compare/maps.js";
import { fitGrid, tableRow } from "./compare/model.js";
import {
  comparisonBody, experimentKey, fromCompareQuery, fromPreset, playgroundQuery, toCompareQuery, variantLabels,
} from "./compare/query.js";
import { createTable } from "./compare/table.js";
import { createTransport } from "./compare/transport.js";
import { createUnitStrip } from "./compare/units.js";

/** The page's theme: from ?theme= (applied by the server) or the playground's stored choice. */
const pageTheme = () => document.documentElement.dataset.theme ?? null;

const FPS = 60;  // frames a second asked of the stream (the server sends one only when something changed)
const RETRY_MS = 5000, RETRIES = 24;  // a full server is asked again every 5 s, for two minutes
const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const embedded = document.body.classList.contains("embed");  // served at /embed
let chrome = null;  // the embed's bar and parent page (embed mode only)
const plotlyReady = new Promise((resolve) => {
  if (window.Plotly) resolve();
  else $("plotly-js")?.addEventListener("load", resolve, { once: true });
});

start().catch((err) => {
  console.error(err);
  banner(`The comparison could not start: ${err.message ?? err}`, true);
  if (embedded) postError(String(err?.message ?? err));
});

/** The playground's projector choice applies here too, and goes along on the ways out: the link
 *  back to the playground and the lesson picker (a plain GET form). */
function keepTheme() {
  initTheme(new URLSearchParams(location.search));
  const theme = pageTheme();
  if (!theme) return;
  const back = document.querySelector(".brand-link");
  if (back) back.href = `./?${themed("", theme)}`;
  const form = document.querySelector("form.cmp-lessons");
  form?.append(Object.assign(document.createElement("input"), { type: "hidden", name: "theme", value: theme }));
}

function postError(message) {
  if (chrome) chrome.error(message);
  else if (window.parent !== window) window.parent.postMessage({ type: "nnp:error", message }, "*");
}

function banner(text, danger = false) {
  const p = $("banner");
  p.hidden = !text;
  p.classList.toggle("banner-danger", danger);
  p.textContent = text ?? "";
}

function announce(text) {
  const el = $("announce");
  el.textContent = "";
  requestAnimationFrame(() => { el.textContent = text; });
}

async function start() {
  if (!embedded) keepTheme();
  const catalog = await api.catalog();
  let c = fromCompareQuery(location.search, catalog);
  let lesson = null;  // {name, key, preset}: the lesson the page was opened with
  if (c.preset) {
    try {
      const preset = await compareApi.preset(c.preset);
      c = fromPreset(preset, location.search, catalog);
      lesson = { name: preset.name, key: experimentKey(c), preset, c };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      banner(`There is no lesson “${c.preset}”: this is the comparison the rest of the link describes.`);
      c = { ...c, preset: null };
    }
  }
  const page = createPage({ catalog, initial: c, lesson, embed: embedded ? embedOptions(location.search) : null });
  page.start();
  $("app").setAttribute("aria-busy", "false");
}

function createPage({ catalog, initial, lesson, embed = null }) {
  let c = initial;
  let cur = null;  // {id, labels, cards[]}
  let retries = 0;  // times a full server was asked again for this page's first comparison
  let status = "idle";
  let wantPlaying = false;
  let stream = null;
  let pending = null;
  let decoding = false;
  let latest = null;  // the newest decoded frame not drawn yet
  let framesShown = 0;
  let framesReceived = 0;
  let chain = Promise.resolve();
  const extent = catalog.limits?.grid_extent ?? 6;

  const queue = (task) => {
    const p = chain.then(task);
    chain = p.catch(report);
    return p;
  };

  function report(err) {
    if (!(err instanceof ApiError)) { console.error(err); return; }
    if (err.status === 404 && cur) { expired(); return; }
    if (err.status === 409) { banner("Every variant has diverged: reset to train again."); return; }
    banner(err.status === 0 || err.status === 503 ? `${err.msg} — try again in a moment` : err.msg, true);
    chrome?.error(err.msg);
  }

  // ---------------------------------------------------------------- views

  // embed mode: no transport, no form (nothing to change), the embed's bar instead
  const transport = embed ? null : createTransport($("transport"), {
    play: () => actions.play(), pause: () => actions.pause(), step: () => actions.step(), reset: () => actions.reset(),
    speed: (s) => setComparison({ ...c, base: { ...c.base, speed: s } }),
  });
  transport?.setSpeed(c.base.speed);
  const form = embed ? { set() {}, showError(text) { if (text) banner(text, true); } } : createForm($("compare-form"), {
    catalog,
    onChange: ({ field, values, target }) => queue(() => change({ ...c, field, values, target })),
  });
  form.set(c);
  // what the lesson's claim is about (preset `shows`): its table columns, the line under each map
  const shows = lesson?.preset.shows ?? [];
  const table = createTable($("cmp-table"));
  table.setKeys(shows);
  const mapsBox = $("maps");
  const curvesP = plotlyReady.then(() => {
    const curves = createCurves($("curves"));
    curves.setLogScale(c.base.logScale);
    return curves;
  });
  const layersP = plotlyReady.then(() => createLayerChart($("layer-chart")));
  // the curves: the history on (re)connect, then frames; epochs the stream skipped from history?since=
  const feed = createChartFeed({ history: (id, since) => compareApi.history(id, since), views: curvesP,
    sets: comparisonSets });
  /** The chart on show: "train" or "test" cost over the epochs, or ‖dW[l]‖ by "layers". */
  function showChart(which) {
    const radio = document.querySelector(`input[name="cmp-metric"][value="${which}"]`);
    if (radio) radio.checked = true;
    $("curves").hidden = which === "layers";
    if (logBox) logBox.disabled = which === "layers";
    layersP.then((v) => v.setShown(which === "layers"));
    if (which !== "layers") curvesP.then((v) => v.setMetric(which));
    root.dataset.chart = which;
    const title = $("curves-title");
    if (title) title.textContent = which === "layers" ? "Gradient norm by layer" : "Cost over the epochs";
  }
  const logBox = $("cmp-log");
  if (logBox) logBox.checked = c.base.logScale;
  logBox?.addEventListener("change", () => {
    setComparison({ ...c, base: { ...c.base, logScale: logBox.checked } });
    curvesP.then((v) => v.setLogScale(logBox.checked));
  });
  for (const radio of document.querySelectorAll('input[name="cmp-metric"]')) {
    radio.addEventListener("change", () => { if (radio.checked) showChart(radio.value); });
  }
  showChart(lesson?.preset.chart ?? "train");  // overfitting opens on the test cost, vanishing gradients by layer
  showCaption();

  /** The maps' cards tile the space left to them: the largest squares that fit. A card's title and
   *  the line under its map wrap by the map's width, so they are measured again at the new size until
   *  the cards fit (in a small frame "train acc. 67.5%" takes two lines under a narrow map, one under a
   *  wide one). The page scrolls below 90 px a map; the embed never scrolls: its maps shrink instead. */
  function layoutCards() {
    const n = cur?.cards.length ?? 0;
    if (!n) return;
    const style = getComputedStyle(mapsBox);
    const gap = parseFloat(style.columnGap) || 8;
    let extra = -1;
    for (let i = 0; i < 4; i++) {
      const card = cur.cards.reduce((a, k) => (k.el.offsetHeight > a.el.offsetHeight ? k : a));
      const head = card.head.offsetHeight || 24;
      const stat = card.stat ? card.stat.offsetHeight + 3 : 0;
      if (head + stat + 4 <= extra) break;
      extra = head + stat + 4;
      const fit = fitGrid(n, mapsBox.clientWidth, mapsBox.clientHeight, { gap, extra, min: embed ? 24 : 90 });
      const size = fit.size - 2;  // a map's 1px border on each side, outside --map-size (content-box)
      mapsBox.style.gridTemplateColumns = `repeat(${fit.cols}, ${size + 2}px)`;
      mapsBox.style.setProperty("--map-size", `${size}px`);
    }
  }
  new ResizeObserver(() => layoutCards()).observe(mapsBox);

  function buildCards(r, labels, base) {
    const cards = r.variants.map((v, i) => {
      const mapEl = h("div", { class: "cmp-map-box" });
      const map = createMapView(mapEl, { extent, label: labels[i], onResize: draw });
      const badge = h("span", { class: "cmp-badge", hidden: true });
      mapEl.append(badge);
      // "open" alone where the card is narrow (compare.css): the variant's name comes first
      const link = embed ? null : h("a", { class: "cmp-open", href: playgroundHref(v.config, base),
        "aria-label": `open ${labels[i]} as playground`, title: `Open ${labels[i]} in the playground, on its own` },
      "open", h("span", { class: "cmp-open-more", text: " as playground" }));
      link?.addEventListener("click", (e) => openTrained(e, i));
      const head = h("figcaption", { class: "cmp-card-head" },
        h("span", { class: "cmp-variant" }, swatch(i), h("span", { class: "cmp-label", text: labels[i], title: labels[i] })), link);
      // the lesson's quantities of this variant, under its map (the table may be off a small frame)
      const statText = h("span", { class: "cmp-stat-text" });
      const strip = shows.includes("dead_units") ? createUnitStrip({ label: labels[i] }) : null;
      const stat = shows.length ? h("div", { class: `cmp-stat${shows.length > 1 ? " two-lines" : ""}` }, statText, strip?.el) : null;
      const el = h("figure", { class: "cmp-card", "data-variant": String(i) }, head, mapEl, stat);
      return { el, head, map, badge, link, stat, statText, strip, shown: "", config: v.config, diverged: null, reached: null };
    });
    mapsBox.replaceChildren(...cards.map((k) => k.el));
    mapsBox.dataset.count = String(cards.length);
    return cards;
  }

  /** A variant on its own in the playground: its config, this page's view settings. */
  function playgroundHref(config, base) {
    const q = themed(playgroundQuery(config, base, catalog), pageTheme());
    return q ? `./?${q}` : "./";
  }

  /** "open as playground" (a plain click): a copy of variant i as trained so far — weights, epoch,
   *  optimizer state and history (POST …/fork, its owner token kept by this tab) — which the playground
   *  takes over (?own=ID). A click that opens a new tab follows the link: the variant's settings, from
   *  its initial weights. */
  async function openTrained(e, i) {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || !cur) return;
    e.preventDefault();
    const card = cur.cards[i];
    const href = card.link.href;
    try {
      const fork = await api.fork(cur.variants[i]);
      location.assign(`${href}${href.includes("?") ? "&" : "?"}own=${encodeURIComponent(fork.id)}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      location.assign(href);  // the comparison is gone or full: its settings at least
    }
  }

  /** The lesson's caption (its server-rendered <template id="caption-NAME">) while it is on show; once
   *  the settings differ from the lesson's, a way back to it. */
  function showCaption() {
    const box = $("caption");
    if (!lesson || (embed && !embed.caption)) { box.hidden = true; return; }
    const body = $("caption-body");
    if (!body.dataset.lesson) {
      const tpl = document.getElementById(`caption-${lesson.name}`);
      if (tpl instanceof HTMLTemplateElement) body.replaceChildren(tpl.content.cloneNode(true));
      else body.replaceChildren(h("div", { class: "lesson-text" }, h("h2", { class: "lesson-title", id: "lesson-title",
        text: lesson.preset.title }), h("p", { class: "lesson-caption", text: lesson.preset.caption })));
      body.dataset.lesson = lesson.name;
    }
    if (!embed) {
      $("caption-changed").hidden = c.preset === lesson.name;
      $("cmp-lesson").value = c.preset ?? "";
    }
    box.hidden = false;
  }
  $("caption-restore")?.addEventListener("click", () => {
    if (lesson) queue(() => change({ ...lesson.c, base: { ...lesson.c.base, speed: c.base.speed, logScale: c.base.logScale } }));
  });

  // ---------------------------------------------------------------- the URL

  function writeUrl() {
    const q = toCompareQuery(c, catalog);
    if (embed) { chrome?.setLink(`compare?${q}`); return; }  // the embed's URL is the teacher's: left alone
    const own = themed(q, pageTheme());
    if (`?${own}` !== location.search) history.replaceState(null, "", `?${own}`);
  }

  /** A new comparison value (made on the server already, or only its view settings changed): the URL,
   *  the caption and the links follow; a new speed reaches a running comparison. */
  function setComparison(next) {
    const speedChanged = next.base.speed !== c.base.speed;
    c = { ...next, preset: lesson && experimentKey(next) === lesson.key ? lesson.name : null };
    writeUrl();
    for (const card of cur?.cards ?? []) if (card.link) card.link.href = playgroundHref(card.config, c.base);
    showCaption();
    if (speedChanged && (status === "running" || wantPlaying)) actions.play();
  }

  // ---------------------------------------------------------------- the comparison on the server

  async function change(next) {
    if (experimentKey(next) === experimentKey(c) && cur) return;
    if (await create(next)) {
      setComparison(next);
      form.set(c);
    }
  }

  /** POST the comparison, then drop the old one; false (and the form shows why) when the server refuses. */
  async function create(next) {
    const playing = wantPlaying || status === "running";
    let r;
    try {
      r = await compareApi.create(comparisonBody(next));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // a 422 is about the settings; a full server (503) or this client's share (429) is not, and its
      // message says what to do; a full server is asked again in a while, as its Retry-After says
      const settingsAtFault = err.status === 422;
      form.showError(settingsAtFault ? err.msg.replace(/^vary\.values\.(\d+): /, (_, i) => `value ${Number(i) + 1}: `) : "");
      if (!cur) {
        banner(settingsAtFault && !embed ? "Fix the settings above to start the comparison."
          : `This comparison cannot run now: ${err.msg}`, true);
        if (err.status === 503 && retries++ < RETRIES) setTimeout(() => { if (!cur) change(next); }, RETRY_MS);
      }
      chrome?.error(err.msg);
      return false;
    }
    const old = cur;
    closeStream();
    if (old) compareApi.remove(old.id).catch(() => {});
    if ($("banner").classList.contains("banner-danger")) banner(null);
    form.showError(null);
    const labels = variantLabels(next.field, next.values, r.variants.map((v) => v.label));
    const row0 = r.variants.map((v) => frameRow(v));
    cur = { id: r.id, labels, cards: null, data: null,
      variants: r.variants.map((v) => v.session_id) };
    cur.cards = buildCards(r, labels, next.base);
    layoutCards();
    root.dataset.comparisonId = r.id;
    root.dataset.variants = String(r.variants.length);
    table.setVariants(labels);
    table.setTarget(next.target);
    layersP.then((v) => { if (cur?.id === r.id) v.setVariants(labels); });
    showVariants(r.variants, r.step);
    applyStatus(r);
    curvesP.then((v) => {
      if (cur?.id !== r.id) return;
      v.setVariants(labels);
      v.setTarget(next.target);
    });
    feed.start(r.id, row0);  // its resets wait for the curves too, after setVariants (registered first)
    const mine = cur;
    api.data(r.variants[0].session_id).then((data) => {
      if (cur !== mine) return;
      const pts = { train: data.train, test: data.test, kind: data.kind, nClasses: data.n_classes };
      for (const card of mine.cards) card.map.setPoints(pts);
      draw();
    }).catch(report);
    openLive(r.id);
    if (playing) { wantPlaying = true; await play(); }
    return true;
  }

  function expired() {
    cur = null;
    closeStream();
    banner("The comparison had ended on the server: it was started again.");
    queue(() => create(c));
  }

  function applyStatus(r) {
    status = r.status;
    if (status !== "running") wantPlaying = wantPlaying && status !== "diverged";
    transport?.setStatus(status === "running", status === "diverged");
    root.dataset.status = status;
    chrome?.update(r.variants, status);
  }

  // ---------------------------------------------------------------- the stream

  function openLive(id) {
    stream = openComparisonStream(id, {
      fps: FPS,
      onFrame: (f) => {
        if (f.id !== cur?.id) return;
        root.dataset.framesReceived = String(++framesReceived);
        pending = f;
        if (!decoding) decodeFrames();
      },
      onOpen: () => queue(() => refill(id)),
      onGone: () => { if (cur?.id === id) expired(); },
      onError: (gaveUp) => { if (gaveUp && cur?.id === id) queue(() => compareApi.read(id)).catch(() => {}); },
    });
  }

  function closeStream() {
    stream?.close();
    stream = null;
    pending = null;
    latest = null;
  }

  /** After a (re)connect: every curve from the server's history (chartFeed.js). */
  async function refill(id) {
    if (cur?.id === id) await feed.refill();
  }

  async function decodeFrames() {
    decoding = true;
    try {
      while (pending) {
        const f = pending;
        pending = null;
        // decodeFrame decodes a frame's `output`; each variant carries its own
        const outputs = await Promise.all(f.variants.map((v) => (v.output ? decodeFrame({ output: v.output })
          .then((d) => d.output) : null)));
        if (f.id !== cur?.id) continue;
        latest = { f, outputs };
        draw();
      }
    } catch (err) {
      console.error(err);
    } finally {
      decoding = false;
    }
  }

  /** The one drawing callback: the newest frame (if any), then every map that changed. */
  const draw = everyFrame(() => {
    if (latest) {
      const { f, outputs } = latest;
      latest = null;
      showFrame(f, outputs);
    }
    for (const card of cur?.cards ?? []) card.map.draw();
    if (framesShown && cur) chrome?.drawn();
  }, "compare");

  function showFrame(f, outputs) {
    framesShown++;
    // read by the browser tests (attributes need no script evaluation)
    root.dataset.framesShown = String(framesShown);
    f.variants.forEach((v, i) => cur.cards[i]?.map.setOutput(outputs[i]));
    showVariants(f.variants, f.step);
    applyStatus(f);
    feed.frame(f).catch(report);  // a reset starts the curves over; skipped epochs come from the history
  }

  /** Table, map badges, the lesson's line under each map, the layer chart and the epoch counter from
   *  variants of a frame or a REST answer (a REST answer has no units and layer_grads: those wait). */
  function showVariants(variants, step) {
    table.update(variants);
    layersP.then((v) => v.update(variants));
    let restated = false;
    variants.forEach((v, i) => {
      const card = cur.cards[i];
      if (!card) return;
      if (card.stat && v.units) {
        // the target's epoch has the map's badge once reached; a divergence has the map's overlay
        const keys = shows.filter((k) => k !== "diverged" && !(k === "target_epoch" && v.target_epoch !== null));
        const text = quantityTexts(keys, v).join(" · ");
        if (text !== card.shown) { card.shown = text; card.statText.textContent = text; restated = true; }
        card.strip?.set(v.units);
      }
      const row = tableRow(v);
      const diverged = row.isDiverged ? `diverged${v.diverged_at ? ` at epoch ${v.diverged_at.epoch}` : ""}` : null;
      if (diverged !== card.diverged) { card.diverged = diverged; card.map.setDiverged(diverged); }
      const reached = row.reached ? `target at epoch ${v.target_epoch}` : null;
      if (reached !== card.reached) {
        card.reached = reached;
        card.badge.hidden = !reached;
        // "✓ target at epoch 64"; on a small map (CSS container query) "✓ 64"
        card.badge.replaceChildren(...(reached ? ["✓ ", h("span", { class: "cmp-badge-long", text: "target at epoch " }),
          String(v.target_epoch)] : []));
        card.badge.title = reached ?? "";
      }
    });
    // a line under a map took another line (or one less): the maps make room. One read of the
    // layout for all the cards, after every write.
    if (restated) {
      let changed = false;
      for (const k of cur.cards) {
        const height = k.stat?.offsetHeight ?? 0;
        if (height !== k.statHeight) { k.statHeight = height; changed = true; }
      }
      if (changed) layoutCards();
    }
    const epoch = Math.max(...variants.map((v) => v.epoch));
    transport?.setEpoch(epoch, step);
    root.dataset.epoch = String(epoch);
    root.dataset.step = String(step);
  }

  // ---------------------------------------------------------------- actions

  async function play() {
    if (!cur) return;
    if (status === "diverged") { banner("Every variant has diverged: reset to train again."); return; }
    wantPlaying = true;
    applyStatus(await compareApi.play(cur.id, c.base.speed));
  }

  const actions = {
    toggle: () => (status === "running" || wantPlaying ? actions.pause() : actions.play()),
    play: () => queue(play),
    pause: () => queue(async () => {
      wantPlaying = false;
      if (cur) applyStatus(await compareApi.pause(cur.id));
    }),
    step: () => queue(async () => {
      if (!cur) return;
      wantPlaying = false;
      if (status === "running") await compareApi.pause(cur.id);
      const r = await compareApi.step(cur.id, { epochs: 1 });
      applyStatus(r);
      if (!latest && framesShown) showVariants(r.variants, r.step);
    }),
    reset: () => queue(async () => {
      if (!cur) return;
      wantPlaying = false;
      const r = await compareApi.reset(cur.id);
      applyStatus(r);
      banner(null);
      announce("Every variant is back at its initial weights.");
    }),
    /** The embed's loop: back to the initial weights, and on training. */
    restart: () => queue(async () => {
      if (!cur) return;
      applyStatus(await compareApi.reset(cur.id));
      await play();
    }),
  };
  if (embed) {
    chrome = createEmbedChrome({ opts: embed, catalog, actions, epochs: lesson?.preset.epochs ?? null });
  }

  // keyboard: space plays or pauses, → trains one epoch, r resets (not while typing in a field; keys=0: never)
  if (!embed || embed.keys) document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest?.("input, select, textarea, [contenteditable]")) return;
    if (e.key === " " || e.key === "Spacebar") {
      if (t.closest?.("button, a, summary")) return;  // their own activation
      e.preventDefault();
      actions.toggle();
    } else if (e.key === "ArrowRight") {
      e.preventDefault();
      actions.step();
    } else if (e.key === "r" || e.key === "R") {
      e.preventDefault();
      actions.reset();
    }
  });

  window.addEventListener("pagehide", () => {
    if (cur) compareApi.remove(cur.id).catch(() => {});
    closeStream();
    cur = null;
  });
  window.addEventListener("pageshow", (e) => { if (e.persisted) queue(() => create(c)); });

  return {
    start() {
      writeUrl();
      queue(() => create(c));
    },
  };
}
