// follow.js — a page opened with ?follow=ID watches someone's session, read only: the banner says so
// and shows how many are watching; frames and history come as for one's own session, and nothing
// is ever sent to it (the network diagram has no editors). When the owner replaces the session (new
// data or network: the stream ends with `moved`, a GET answers 404 naming the `successor`), the page
// follows the new one. "Make it mine" forks it (POST …/fork) and turns the page into the student's own
// playground on the fork, its weights in the URL.

import { api } from "./api.js";
import { announce } from "./boot.js";
import { configToState, summary } from "./lessons.js";
import { pageQuery } from "./links.js";
import { roundWeights } from "./state.js";
import { themeToggle } from "./theme.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;  // the teacher may change the learning rate and such (PATCH): re-read the config

/** ?follow= names the session followed now, so a reload follows it too. */
function showId(id) {
  const u = new URL(location.href);
  u.searchParams.set("follow", id);
  history.replaceState(null, "", u.href);
}

const MAX_HOPS = 20;  // successors followed in one go (a chain of replacements while the page was away)

/** GET the session `id`, or the one that replaced it (404 with `successor`); {info, id}. */
async function readFollowed(id) {
  for (let hop = 0; ; hop++) {
    try {
      return { info: await api.read(id), id };
    } catch (e) {
      if (!(e.status === 404 && e.successor && hop < MAX_HOPS)) throw e;
      id = e.successor;
    }
  }
}

/** page: {catalog, store, live, session, defaults}; `becomeOwner()` builds the editing controls. */
export async function startFollow(page, firstId, becomeOwner) {
  const { catalog, store, live, session } = page;
  const root = document.documentElement;
  root.dataset.mode = "follow";
  const bar = $("follow-bar"), text = $("follow-text"), viewers = $("follow-viewers"), about = $("follow-summary");
  const mine = $("make-mine"), leave = $("follow-leave"), err = $("follow-error");
  bar.hidden = false;
  bar.append(themeToggle(page.theme));  // the bar above, with the sharing controls, is hidden meanwhile
  text.textContent = "Following a live session — read only";
  let timer = null;

  const gone = (why) => {
    clearInterval(timer);
    bar.classList.add("follow-gone");
    text.textContent = why;
    viewers.hidden = true;
    mine.hidden = true;
    leave.hidden = false;
    const q = pageQuery(store.get(), { defaults: page.defaults });
    leave.href = q ? `./?${q}` : "./";
    leave.textContent = "Open your own playground with its last settings";
    announce(why);
  };

  let info, id;
  try {
    ({ info, id } = await readFollowed(firstId));
  } catch (e) {
    gone(e.status === 404 ? "This live session has ended (or the link is wrong): there is nothing to follow."
      : `The live session cannot be reached: ${e.msg ?? e.message}`);
    leave.textContent = "Open the playground";
    leave.href = "./";
    return;
  }
  const ended = () => gone("The live session has ended: the teacher closed it. Ask for a new link.");
  let moving = null;
  /** The teacher started a new experiment (new data or network): watch it, curves and all. */
  const moveTo = (next) => {
    moving ??= (async () => {
      try {
        const r = await readFollowed(next);
        if (!session.readOnly()) return;
        id = r.id;
        showId(id);
        store.set(configToState(r.info.config, store.get(), catalog));
        about.textContent = summary(store.get(), catalog);
        await session.watch(r.info);
        announce(`The teacher started a new experiment: ${about.textContent}`);
      } catch {
        ended();
      } finally {
        moving = null;
      }
    })();
  };
  session.setHooks({ onGone: ended, onMoved: moveTo });
  if (id !== firstId) showId(id);
  store.set(configToState(info.config, store.get(), catalog));
  about.textContent = summary(store.get(), catalog);
  live.subscribe((l, prev) => {
    if (l.viewers === prev.viewers) return;
    const n = Math.max(1, (l.viewers ?? 1) - 1);  // the teacher's own page is one of the streams
    viewers.textContent = `${n} watching`;
    viewers.hidden = false;
  });
  await session.watch(info);

  timer = setInterval(async () => {
    if (!session.readOnly()) { clearInterval(timer); return; }
    if (moving) return;
    const at = id;
    try {
      const r = await api.read(at);
      if (!session.readOnly() || moving || at !== id) return;
      store.set(configToState(r.config, store.get(), catalog));
      about.textContent = summary(store.get(), catalog);
    } catch (e) {
      if (e.status === 404 && e.successor && at === id) moveTo(e.successor);  // else the stream says when it is gone
    }
  }, REFRESH_MS);

  mine.addEventListener("click", async () => {
    mine.disabled = true;
    err.hidden = true;
    try {
      const fork = await api.fork(id);
      const w = await api.weights(fork.id);
      clearInterval(timer);
      const state = { ...configToState(fork.config, store.get(), catalog), weights: roundWeights(w.layers) };
      await session.adopt(fork, state);
      delete root.dataset.mode;
      bar.hidden = true;
      await becomeOwner();
      live.set({ note: "This is your own copy: change anything, the session you followed is not affected." });
      document.getElementById("transport")?.querySelector("button")?.focus();
    } catch (e) {
      mine.disabled = false;
      err.textContent = `Could not make a copy: ${e.msg ?? e.message ?? e}`;
      err.hidden = false;
    }
  });
}
