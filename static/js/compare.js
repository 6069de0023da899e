// compare.js — the entry module of the compare page: 2–6 variants of one experiment, trained in lockstep
// by one server-side comparison, shown as small boundary maps, overlaid cost curves and a live table.
// It builds the page from its parts and wires them: the comparison lives in the URL (compare/query.js),
// on the server behind compare/run.js (one live view: liveView.js), in cards of maps (compare/cards.js),
// the table, the charts and the lesson's caption. Served at /embed for a comparison (body.embed), it is
// the embed of it: maps, curves and table sized to the frame, no form; the embed's options and
// postMessage contract (compare/embed.js).

import { ApiError, api } from "./api.js";
import { announce, fatal } from "./boot.js";
import { bindKeys } from "./controls/keys.js";
import { embedOptions, themed } from "./links.js";
import { banner } from "./compare/banner.js";
import { createCaption } from "./compare/caption.js";
import { createCards } from "./compare/cards.js";
import { createCharts } from "./compare/charts.js";
import { compareApi } from "./compare/client.js";
import { createEmbedChrome } from "./compare/embed.js";
import { keepTheme, openTrained, pageTheme, playgroundHref } from "./compare/exits.js";
import { createForm } from "./compare/form.js";
import { experimentKey, fromCompareQuery, fromPreset, toCompareQuery } from "./compare/query.js";
import { createRun } from "./compare/run.js";
import { createTable } from "./compare/table.js";
import { createTransport } from "./compare/transport.js";

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
  let lesson = null;  // {name, key, preset, c}: the lesson the page was opened with
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
  buildPage({ catalog, initial: c, lesson, embed: embedded ? embedOptions(location.search) : null });
  $("app").setAttribute("aria-busy", "false");
}

function buildPage({ catalog, initial, lesson, embed = null }) {
  let c = initial;
  let configs = [];  // each variant's config, for its playground link
  const hrefs = () => configs.map((config) => playgroundHref(config, c.base, catalog));

  // embed mode: no transport, no form (nothing to change), the embed's bar instead
  const transport = embed ? null : createTransport($("transport"), {
    play: () => run.actions.play(), pause: () => run.actions.pause(), step: () => run.actions.step(),
    reset: () => run.actions.reset(), speed: (s) => setComparison({ ...c, base: { ...c.base, speed: s } }),
  });
  transport?.setSpeed(c.base.speed);
  const form = embed ? { set() {}, showError(text) { if (text) banner(text, true); } } : createForm($("compare-form"), {
    catalog, onChange: ({ field, values, target }) => run.change({ ...c, field, values, target }),
  });
  form.set(c);
  // what the lesson's claim is about (preset `shows`): its table columns, the line under each map
  const shows = lesson?.preset.shows ?? [];
  const table = createTable($("cmp-table"));
  table.setKeys(shows);
  const cards = createCards($("maps"), { extent: catalog.limits?.grid_extent ?? 6, embed: !!embed, shows,
    onResize: () => run.draw(), onOpen: (e, i) => openTrained(e, cards.link(i), run.current()?.sessions[i]) });
  const caption = createCaption({ lesson, embed, onRestore: () => run.change({ ...lesson.c,
    base: { ...lesson.c.base, speed: c.base.speed, logScale: c.base.logScale } }) });

  const charts = createCharts({ logScale: c.base.logScale,
    onLogScale: (on) => setComparison({ ...c, base: { ...c.base, logScale: on } }) });
  charts.show(lesson?.preset.chart ?? "train");  // overfitting opens on the test cost, vanishing gradients by layer
  caption.show(c);

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
    cards.setLinks(hrefs());
    caption.show(c);
    if (speedChanged && run.playing()) run.actions.play();
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

  const run = createRun({ comparison: () => c, embed: !!embed, form, hooks: {
    created(r, labels, next) {
      configs = r.variants.map((v) => v.config);
      cards.build(r.variants, labels, configs.map((config) => playgroundHref(config, next.base, catalog)));
      root.dataset.comparisonId = r.id;
      root.dataset.variants = String(r.variants.length);
      table.setVariants(labels);
      table.setTarget(next.target);
      const mine = () => run.current()?.id === r.id;
      charts.start(r, labels, next.target, mine);
      api.data(r.variants[0].session_id).then((data) => {
        if (!mine()) return;
        cards.setPoints({ train: data.train, test: data.test, kind: data.kind, nClasses: data.n_classes });
        run.draw();
      }).catch((err) => run.report(err));
    },
    variants: showVariants,
    status(status, variants) {
      transport?.setStatus(status === "running", status === "diverged");
      root.dataset.status = status;
      chrome?.update(variants, status);
    },
    frame(f, outputs) {
      cards.setOutputs(outputs);
      charts.frame(f).catch((err) => run.report(err));
    },
    draw: () => cards.draw(),
    drawn: () => chrome?.drawn(),
    refill: () => charts.refill(),
    changed(next) {
      setComparison(next);
      form.set(c);
    },
    error: (message) => chrome?.error(message),
    announce,
  } });

  if (embed) {
    chrome = createEmbedChrome({ opts: embed, catalog, actions: run.actions, epochs: lesson?.preset.epochs ?? null });
  }
  // keyboard: space plays or pauses, → trains one epoch, r resets (not while typing in a field; keys=0: never)
  if (!embed || embed.keys) {
    bindKeys({ togglePlay: () => run.actions.toggle(), step: () => run.actions.step(), reset: () => run.actions.reset() });
  }
  writeUrl();
  run.start();
}
