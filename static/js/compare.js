// compare.js — the entry module of the compare page: 2–6 variants of one experiment, trained in lockstep
// by one server-side comparison, shown as small boundary maps, overlaid cost curves and a live table.
// The comparison lives in the URL (compare/query.js); one EventSource follows it; everything drawn
// happens in one animation-frame callback (plot.js everyFrame), the chart in its own heavy turn.
// Served at /embed for a comparison (body.embed), it is the embed of it: maps, curves and table sized
// to the frame, no form; the embed's options and postMessage contract (compare/embed.js).

import { ApiError, api } from "./api.js";
import { announce, fatal } from "./boot.js";
import { bindKeys } from "./controls/keys.js";
import { decodeFrame } from "./frame.js";
import { embedOptions, themed } from "./links.js";
import { everyFrame } from "./plot.js";
import { banner, bannerIsError } from "./compare/banner.js";
import { createCaption } from "./compare/caption.js";
import { createCards } from "./compare/cards.js";
import { createCharts } from "./compare/charts.js";
import { compareApi, openComparisonStream } from "./compare/client.js";
import { createEmbedChrome } from "./compare/embed.js";
import { keepTheme, openTrained, pageTheme, playgroundHref } from "./compare/exits.js";
import { createForm } from "./compare/form.js";
import {
  comparisonBody, experimentKey, fromCompareQuery, fromPreset, toCompareQuery, variantLabels,
} from "./compare/query.js";
import { createTable } from "./compare/table.js";
import { createTransport } from "./compare/transport.js";

const FPS = 60;  // frames a second asked of the stream (the server sends one only when something changed)
const RETRY_MS = 5000, RETRIES = 24;  // a full server is asked again every 5 s, for two minutes
const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const embedded = document.body.classList.contains("embed");  // served at /embed
let chrome = null;  // the embed's bar and parent page (embed mode only)

start().catch((err) => {
  fatal(err, "The comparison");
  const message = String(err?.message ?? err);
  if (chrome) chrome.error(message);
  else if (embedded && window.parent !== window) window.parent.postMessage({ type: "nnp:error", message }, "*");
});

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
  let cur = null;  // {id, configs[], variants[]}: the comparison shown, its variants' configs and session ids
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
  const cards = createCards($("maps"), { extent: catalog.limits?.grid_extent ?? 6, embed: !!embed, shows,
    onResize: () => draw(), onOpen: (e, i) => openTrained(e, cards.link(i), cur?.variants[i]) });
  const caption = createCaption({ lesson, embed, onRestore: () => queue(() => change({ ...lesson.c,
    base: { ...lesson.c.base, speed: c.base.speed, logScale: c.base.logScale } })) });
  const charts = createCharts({ logScale: c.base.logScale,
    onLogScale: (on) => setComparison({ ...c, base: { ...c.base, logScale: on } }) });
  charts.show(lesson?.preset.chart ?? "train");  // overfitting opens on the test cost, vanishing gradients by layer
  caption.show(c);
  const hrefs = (base) => (cur?.configs ?? []).map((config) => playgroundHref(config, base, catalog));

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
    cards.setLinks(hrefs(c.base));
    caption.show(c);
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
    if (bannerIsError()) banner(null);
    form.showError(null);
    const labels = variantLabels(next.field, next.values, r.variants.map((v) => v.label));
    cur = { id: r.id, configs: r.variants.map((v) => v.config), variants: r.variants.map((v) => v.session_id) };
    cards.build(r.variants, labels, hrefs(next.base));
    root.dataset.comparisonId = r.id;
    root.dataset.variants = String(r.variants.length);
    table.setVariants(labels);
    table.setTarget(next.target);
    charts.start(r, labels, next.target, () => cur?.id === r.id);
    showVariants(r.variants, r.step);
    applyStatus(r);
    const mine = cur;
    api.data(r.variants[0].session_id).then((data) => {
      if (cur !== mine) return;
      cards.setPoints({ train: data.train, test: data.test, kind: data.kind, nClasses: data.n_classes });
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
    if (cur?.id === id) await charts.refill();
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
    cards.draw();
    if (framesShown && cur) chrome?.drawn();
  }, "compare");

  function showFrame(f, outputs) {
    framesShown++;
    // read by the browser tests (attributes need no script evaluation)
    root.dataset.framesShown = String(framesShown);
    cards.setOutputs(outputs);
    showVariants(f.variants, f.step);
    applyStatus(f);
    charts.frame(f).catch(report);  // a reset starts the curves over; skipped epochs come from the history
  }

  /** Table, cards, the layer chart and the epoch counter from variants of a frame or a REST answer. */
  function showVariants(variants, step) {
    table.update(variants);
    charts.update(variants);
    cards.show(variants);
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
  if (!embed || embed.keys) bindKeys({ togglePlay: () => actions.toggle(), step: () => actions.step(), reset: () => actions.reset() });

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
