// follow.js — a page opened with ?follow=ID watches someone's session, read only: the banner says so
// and shows how many are watching; frames and history come as for one's own session, and nothing
// is ever sent to it. "Make it mine" forks it (POST …/fork) and turns the page into the student's own
// playground on the fork, its weights in the URL.

import { api } from "./api.js";
import { announce } from "./boot.js";
import { configToState, summary } from "./lessons.js";
import { pageQuery } from "./links.js";
import { roundWeights } from "./state.js";
import { themeToggle } from "./theme.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;  // the teacher may change the learning rate and such (PATCH): re-read the config

/** page: {catalog, store, live, session, defaults}; `becomeOwner()` builds the editing controls. */
export async function startFollow(page, id, becomeOwner) {
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

  let info;
  try {
    info = await api.read(id);
  } catch (e) {
    gone(e.status === 404 ? "This live session has ended (or the link is wrong): there is nothing to follow."
      : `The live session cannot be reached: ${e.msg ?? e.message}`);
    leave.textContent = "Open the playground";
    leave.href = "./";
    return;
  }
  session.setHooks({ onGone: () => gone("The live session has ended: the teacher closed it or started a new experiment. "
    + "Ask for the new link.") });
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
    try {
      const r = await api.read(id);
      if (!session.readOnly()) return;
      store.set(configToState(r.config, store.get(), catalog));
      about.textContent = summary(store.get(), catalog);
    } catch { /* the stream says when it is gone */ }
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
