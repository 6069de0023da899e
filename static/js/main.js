// main.js — the playground's entry module: builds the page from the catalog and wires store ↔ session
// ↔ views. The session itself (create, patch, stream, actions) is session.js; a page opened with
// ?follow=ID watches someone's session first (follow.js); ?preset=NAME opens a lesson; ?own=ID takes
// over a session this tab made (a comparison's variant forked by "open as playground", trained as far
// as it was, with its curves).

import { api, pageTokens } from "./api.js";
import { announce, fatal, later, plotlyReady, timeout } from "./boot.js";
import { buildDisplay, buildEditing } from "./controls.js";
import { setAttr } from "./controls/dom.js";
import { buildLessons } from "./controls/lessons.js";
import { startFollow } from "./follow.js";
import { configToState, isPresetName, lessonOf, lessonPatch } from "./lessons.js";
import { embedQuery, followUrl, isSessionId, pageQuery, themed } from "./links.js";
import { createSession } from "./session.js";
import { createStore, defaultState, fromQuery, LIVE_KEYS, normalize, roundWeights, sessionKey } from "./state.js";
import { holdColumns } from "./pageLayout.js";
import { initTheme, refreshViews, themeToggle } from "./theme.js";
import { createBoundaryView } from "./views/boundary.js";
import { createGradChart } from "./views/gradChart.js";
import { createLossChart } from "./views/lossChart.js";
import { createMapTitle } from "./views/mapTitle.js";
import { createNetworkView } from "./views/network.js";

const $ = (id) => document.getElementById(id);
const catalogP = api.catalog();  // preloaded by a <link> in the page

start().catch(fatal);

async function start() {
  holdColumns([document.querySelector(".topbar"), document.querySelector(".subbar"), $("follow-bar")]);
  const catalog = await catalogP;
  const params = new URLSearchParams(location.search);
  const theme = initTheme(params);
  const followId = isSessionId(params.get("follow")) ? params.get("follow") : null;
  themeLessonLinks(theme.get());
  theme.onChange(themeLessonLinks);
  const lesson = followId ? null : await openLesson(params.get("preset"), catalog, theme.get());
  const defaults = defaultState(catalog);
  const store = createStore(fromQuery(location.search, catalog, lesson?.state ?? defaults),
    { normalize: (p, n) => normalize(p, n, catalog) });
  const live = createStore({ id: null, status: "idle", epoch: 0, step: 0, metrics: null, data: null, divergedAt: null,
    unstable: null, note: null, viewers: 0 });
  const ui = createStore({ tool: null, part: "train" });  // part: where a drawn point goes, train or test
  let firstDraw = null;
  const viewsP = plotlyReady.then(() => makeViews(catalog, store, () => firstDraw, { readOnly: !!followId }));
  const session = createSession({ catalog, store, live, viewsP, announce, watching: !!followId });
  firstDraw = Promise.race([session.firstDraw, timeout(2000)]);
  if (lesson === false) firstDraw.then(() => live.set({ note: `There is no lesson called “${params.get("preset")}”.` }));
  const page = { catalog, store, live, ui, session, viewsP, defaults, theme, firstDraw };
  page.lessons = buildLessons({
    current: lesson || null,
    isChanged: (l) => changedFrom(l.state, store.get()),
    restore: () => page.lessons.current() && store.set(lessonPatch(page.lessons.current(), store.get())),
  });
  store.subscribe(() => page.lessons.refresh());
  page.actions = pageActions(page);
  buildDisplay({ catalog, store, live, actions: page.actions });
  $("theme-slot").append(themeToggle(theme));
  theme.onChange(async () => refreshViews(await viewsP));
  viewsP.then((v) => wireDisplay(v, store));
  $("app").setAttribute("aria-busy", "false");
  const ownId = !followId && isSessionId(params.get("own")) ? params.get("own") : null;
  if (followId) await startFollow(page, followId, () => becomeOwner(page));
  else if (!(ownId && await takeOver(page, ownId))) await becomeOwner(page, { first: true });
}

/** ?own=ID: the page's own session is that one (made by this tab: it holds its owner token), at its
 *  epoch, weights and curves. False when it cannot be (no token here, or gone): the URL's experiment
 *  then starts afresh. */
async function takeOver(page, id) {
  if (!pageTokens.get(id)) return false;
  let info, w;
  try {
    [info, w] = await Promise.all([api.read(id), api.weights(id)]);
  } catch {
    return false;
  }
  const state = { ...configToState(info.config, page.store.get(), page.catalog), weights: roundWeights(w.layers) };
  await page.session.adopt(info, state);
  await becomeOwner(page);
  announce(`Opened at epoch ${info.epoch}, as trained in the comparison.`);
  return true;
}

/** The Lessons menu's links carry the theme on show (a room's projector goes along to a comparison). */
function themeLessonLinks(theme) {
  for (const a of document.querySelectorAll("#lessons-menu a[data-preset]")) {
    const q = themed(`preset=${encodeURIComponent(a.dataset.preset)}`, theme);
    a.setAttribute("href", `${a.dataset.kind === "comparison" ? "compare" : ""}?${q}`);
  }
}

/** The lesson named in ?preset= ({name, title, state, …}), null without one, false for an unknown name;
 *  a comparison lesson lives on the comparison page (in the theme on show). */
async function openLesson(name, catalog, theme) {
  if (name === null) return null;
  const meta = isPresetName(name) ? (catalog.presets ?? []).find((p) => p.name === name) : null;
  if (!meta) return false;
  if (meta.kind === "comparison") {
    location.replace(`compare?${themed(`preset=${encodeURIComponent(name)}`, theme)}`);
    return new Promise(() => {});  // the page is going away
  }
  return lessonOf(await api.preset(name), catalog);
}

/** The page's own session from here on: the editing controls, the keys, the URL. */
async function becomeOwner(page, { first = false } = {}) {
  const { catalog, store, live, ui, session, viewsP } = page;
  const controls = buildEditing({ catalog, store, live, ui, actions: page.actions, defaults: page.defaults });
  if (first) session.sync();  // the POST overlaps the Plotly download
  wireEditing(await viewsP, { store, session, controls, ui });
  page.writeUrl = keepUrl(page);
  page.lessons.setLoader((name) => loadLesson(page, name));
  await page.firstDraw;
  controls.picker.loadThumbnails(api.datasetPreview, new URL(import.meta.url).searchParams.get("v") ?? "");
}

/** A session lesson chosen from the menu: paused, its settings, its caption. */
async function loadLesson(page, name) {
  try {
    const lesson = lessonOf(await api.preset(name), page.catalog);
    await page.session.actions.pause();
    page.lessons.show(lesson);
    page.store.set(lessonPatch(lesson, page.store.get()));
    announce(`Lesson: ${lesson.title}`);
  } catch (err) {
    page.live.set({ note: `The lesson could not be loaded: ${err.msg ?? err.message}` });
  }
}

/** Actions of the page beyond the session's: links, embed code, snapshot. */
function pageActions(page) {
  const { store, session, defaults, theme, lessons } = page;
  const query = () => pageQuery(store.get(), { defaults, lesson: lessons.current(), extra: { theme: theme.urlParam() } });
  return {
    ...session.actions,
    async shareUrl(withWeights) {
      if (withWeights) {
        const w = await session.actions.weights();
        if (w) store.set({ weights: roundWeights(w.layers) });
      } else if (store.get().weights) store.set({ weights: null });
      page.writeUrl?.();
      return location.href;
    },
    pageUrl: () => new URL(`./?${query()}`, location.href).href.replace(/\?$/, ""),
    /** The comparison page on this experiment: the playground's keys (no lesson: `preset` there names a
     *  comparison), which compare.js reads as its base before vary/values/target. */
    compareUrl: () => {
      const q = pageQuery(store.get(), { defaults, extra: { theme: theme.get() } });
      return q ? `compare?${q.replace(/%2C/g, ",")}` : "compare";
    },
    embedUrl: (options) => new URL(`embed?${embedQuery(store.get(), { defaults, lesson: lessons.current(), options })}`,
      location.href).href,
    followUrl: () => (session.current() ? followUrl(location.href, session.current()) : null),
    lesson: () => lessons.current(),
    async exportPng() {
      const a = document.createElement("a");
      a.href = await session.actions.boundaryImage(800);
      a.download = `boundary-epoch-${page.live.get().epoch}.png`;
      document.body.append(a);
      a.click();
      a.remove();
    },
    query,
  };
}

/** The boundary first; the two charts once it is drawn, so their first Plotly draw does not delay it.
 *  `readOnly`: a followed session's diagram, without editors (until the page becomes the owner). */
function makeViews(catalog, store, firstDraw, { readOnly = false } = {}) {
  const s = store.get();
  const v = {
    boundary: createBoundaryView($("boundary"), { extent: catalog.limits.grid_extent }),
    network: createNetworkView($("network"), { readOnly }),
    loss: later(() => createLossChart($("loss-chart")), firstDraw),
    grad: later(() => createGradChart($("grad-chart")), firstDraw),
  };
  v.boundary.setOptions({ showTest: s.showTest, discretize: s.discretize });
  v.loss.setLogScale(s.logScale);
  return v;
}

function wireDisplay(v, store) {
  // exploring the diagram (a follower too): a unit's or feature's map in the output plot, named, with its formula
  const title = createMapTitle($("boundary"), { onBack: () => v.network.unpin() });
  v.network.on("show", (m) => { v.boundary.showMap(m); title.show(m); });
  store.subscribe((s, prev) => {
    if (s.showTest !== prev.showTest || s.discretize !== prev.discretize) {
      v.boundary.setOptions({ showTest: s.showTest, discretize: s.discretize });
    }
    if (s.logScale !== prev.logScale) v.loss.setLogScale(s.logScale);
  });
}

function wireEditing(v, { session, controls, ui }) {
  const { ops, custom } = controls;
  v.network.setReadOnly(false);
  v.network.on("toggleFeature", (name) => ops.toggleFeature(name));
  v.network.on("addLayer", () => ops.addLayer());
  v.network.on("removeLayer", () => ops.removeLayer());
  v.network.on("units", (l, delta) => ops.units(l, delta));
  v.network.on("editWeight", (l, r, c, value) => session.actions.editWeight(l, r, c, value));
  v.boundary.onPick((x1, x2) => {
    if (!custom.pick(x1, x2)) announce("To draw points, choose “Draw points” under “Your own points”, then a class.");
  });
  ui.subscribe((u) => $("boundary").classList.toggle("picking", u.tool !== null));
}

/** The URL follows the state (replaceState, at most every 200 ms); returns `write` to do it now. */
function keepUrl(page) {
  let timer = null;
  const write = () => {
    clearTimeout(timer);
    timer = null;
    const q = page.actions.query();
    const url = q ? `?${q}` : location.pathname;
    if (url !== location.search && !(q === "" && location.search === "")) history.replaceState(null, "", url);
    const link = $("compare-link");
    if (link) setAttr(link, "href", page.actions.compareUrl());
  };
  const later_ = () => { if (!timer) timer = setTimeout(write, 200); };
  page.store.subscribe(later_);
  page.lessons.onChange(later_);
  page.theme.onChange(later_);
  write();
  return write;
}

/** Whether `s` differs from a lesson's state in anything the session sees. */
function changedFrom(lessonState, s) {
  return sessionKey(lessonState) !== sessionKey(s) || LIVE_KEYS.some((k) => JSON.stringify(lessonState[k]) !== JSON.stringify(s[k]));
}
