// embed.js — the entry module of /embed: one experiment, sized to its frame, rebuilt from the URL
// alone (the playground's keys or preset=NAME, plus controls, autoplay, loop, speed, theme, caption,
// keys, curve). A parent page drives it with postMessage (messages.js has the contract). A comparison
// (lesson or URL) is served by the server as the compare page in embed mode (compare.js); what both
// embeds share is embedFrame.js.

import { api } from "./api.js";
import { announce, fatal, later, plotlyReady, timeout } from "./boot.js";
import { fmt, h, select, setSelect } from "./controls/dom.js";
import { bindKeys } from "./controls/keys.js";
import { fillCaption } from "./controls/lessons.js";
import { LEARNING_RATES } from "./controls/topbar.js";
import { isPresetName, lessonOf, lessonPatch } from "./lessons.js";
import {
  autoplays, buildButtons, frameKeys, listenToParent, moveToLesson, post, prefersReducedMotion, presetMove,
  shownControls, statusSender,
} from "./embedFrame.js";
import { embedOptions, pageQuery } from "./links.js";
import { statusMessage } from "./messages.js";
import { quantityTexts } from "./quantities.js";
import { createSession } from "./session.js";
import { createStore, defaultState, fromQuery, normalize } from "./state.js";
import { initTheme } from "./theme.js";
import { createBoundaryView } from "./views/boundary.js";
import { createLossChart } from "./views/lossChart.js";

const $ = (id) => document.getElementById(id);
const catalogP = api.catalog();

start().catch((err) => { fatal(err); post({ type: "nnp:error", message: String(err?.message ?? err) }); });

async function start() {
  const catalog = await catalogP;
  const params = new URLSearchParams(location.search);
  const opts = embedOptions(location.search);
  initTheme(params, { remember: false });
  const defaults = defaultState(catalog);
  let lesson = await fetchLesson(params.get("preset"), catalog);
  if (lesson?.kind === "comparison") { comparisonNote(lesson); return; }  // the server serves those as compare.html
  const store = createStore(fromQuery(location.search, catalog, lesson?.state ?? defaults),
    { normalize: (p, n) => normalize(p, n, catalog) });
  const live = createStore({ id: null, status: "idle", epoch: 0, step: 0, metrics: null, data: null, divergedAt: null,
    note: null, viewers: 0 });
  let firstDraw = null;
  const viewsP = plotlyReady.then(() => ({
    boundary: createBoundaryView($("boundary"), { extent: catalog.limits.grid_extent }),
    loss: opts.curve ? later(() => createLossChart($("loss-chart"), { showAccuracy: false }), () => firstDraw) : null,
  }));
  $("curve").hidden = !opts.curve;
  viewsP.then((v) => v.boundary.setOptions({ showTest: store.get().showTest, discretize: store.get().discretize }));

  let loopAt = opts.loop ?? lesson?.epochs ?? 0;
  let looping = false;
  const session = createSession({ catalog, store, live, viewsP, announce, hooks: {
    onFrame(d) {  // loop=N: back to the start and on again after N epochs
      if (!loopAt || looping || d.status !== "running" || d.epoch < loopAt) return;
      looping = true;
      session.actions.reset({ quiet: true }).then(() => session.actions.play()).finally(() => { looping = false; });
    },
    onError: (err) => post({ type: "nnp:error", message: err.msg ?? String(err) }),
  } });
  firstDraw = Promise.race([session.firstDraw, timeout(2000)]);
  if (lesson === false) firstDraw.then(() => live.set({ note: `There is no lesson called “${params.get("preset")}”.` }));
  const { actions } = session;

  const reduced = prefersReducedMotion();
  // no motion that starts by itself for someone who asked for less: a play button instead
  buildControls($("embed-controls"), shownControls(opts, reduced), { store, live, actions });
  buildStatus($("embed-status"), live, () => lesson?.shows);
  buildBanner($("banner"), live);
  const showLesson = (l) => {
    const cap = $("lesson");
    cap.hidden = !(opts.caption && l && fillCaption($("lesson-body"), l.name));
    const q = pageQuery(store.get(), { defaults, lesson: l || null });
    $("embed-open").href = q ? `./?${q}` : "./";
  };
  showLesson(lesson);
  store.subscribe(() => showLesson(lesson));
  if (opts.keys) bindKeys(actions);
  frameKeys(opts);  // a click leaves the keys to the frame (keys=1) or to the deck around it (keys=0)
  if (autoplays(opts, reduced)) actions.play();
  session.sync();
  $("app").setAttribute("aria-busy", "false");

  // --- the parent page
  const sendStatus = statusSender();
  live.subscribe((l, prev) => { if (l.epoch !== prev.epoch || l.status !== prev.status) sendStatus(statusMessage(l)); });
  listenToParent({
    play: () => actions.play(),
    pause: () => actions.pause(),
    step: () => actions.step("epoch"),
    reset: () => actions.reset(),
    async preset(name) {
      const move = presetMove(name, "session", catalog.presets);
      if (move === "error") { post({ type: "nnp:error", message: `there is no lesson called ${name}` }); return; }
      if (move === "move") { moveToLesson(name); return; }  // a comparison: this frame becomes its embed
      const next = await fetchLesson(name, catalog);
      if (!next) { post({ type: "nnp:error", message: `there is no lesson called ${name}` }); return; }
      lesson = next;
      loopAt = opts.loop ?? lesson.epochs ?? 0;
      store.set(lessonPatch(lesson, store.get()));
      showLesson(lesson);
    },
  });
  await session.firstDraw;
  post({ type: "nnp:ready" });
}

/** The lesson of preset=NAME: null without one, false when there is no such lesson. */
async function fetchLesson(name, catalog) {
  if (name === null) return null;
  if (!isPresetName(name) || !(catalog.presets ?? []).some((p) => p.name === name)) return false;
  return lessonOf(await api.preset(name), catalog);
}

function comparisonNote(lesson) {
  const b = $("banner");
  b.hidden = false;
  b.append(h("span", { class: "banner-text", text: `“${lesson.title}” compares several networks side by side. ` }),
    h("a", { href: `compare?preset=${encodeURIComponent(lesson.name)}`, target: "_blank", rel: "noopener",
      text: "Open it on the comparison page" }));
  $("boundary").closest("figure").hidden = true;
  document.querySelector(".embed-bar").hidden = true;
  $("app").setAttribute("aria-busy", "false");
  post({ type: "nnp:error", message: `${lesson.name} is a comparison: it runs on the comparison page` });
}

function buildControls(root, names, { store, live, actions }) {
  const lr = () => {
    const s = select(LEARNING_RATES.map((v) => ({ value: v, label: `α ${v}` })),
      { label: "Learning rate α", parse: Number, onChange: (v) => store.set({ lr: v }) });
    const render = (st) => setSelect(s, st.lr, (v) => `α ${v}`);
    render(store.get());
    store.subscribe(render);
    return s;
  };
  const buttons = buildButtons(root, names, { actions: { ...actions, step: () => actions.step("epoch") }, extra: { lr } });
  const render = (l) => buttons.setStatus(l.status === "running", l.status === "diverged");
  render(live.get());
  live.subscribe(render);
}

/** "Epoch 200 · cost 0.43", then what the lesson's claim is about ("train acc. 58.0%"), else the
 *  test accuracy. `shows()`: the lesson's quantities (quantities.js), or none. */
function buildStatus(el, live, shows) {
  const render = (l) => {
    const acc = l.metrics?.test?.accuracy;
    const parts = [`Epoch ${l.epoch.toLocaleString("en")}`, `cost ${fmt(l.metrics?.train?.cost, 3)}`];
    const lesson = l.metrics ? quantityTexts((shows() ?? []).filter((k) => k !== "train_cost"), l) : [];
    if (lesson.length) parts.push(...lesson);
    else if (Number.isFinite(acc)) parts.push(`test ${(acc * 100).toFixed(0)}%`);
    if (l.status === "diverged") parts.push("diverged");
    el.textContent = parts.join(" · ");
  };
  live.subscribe((l, prev) => {
    if (l.epoch === prev.epoch && l.metrics === prev.metrics && l.status === prev.status) return;
    render(l);
  });
}

function buildBanner(el, live) {
  const render = (l) => {
    const text = l.status === "diverged" ? "Diverged: reset, or lower the learning rate." : l.note;
    el.hidden = !text;
    el.classList.toggle("banner-danger", l.status === "diverged");
    el.textContent = text ?? "";
  };
  render(live.get());
  live.subscribe((l, prev) => { if (l.note !== prev.note || l.status !== prev.status) render(l); });
}
