// embedFrame.js — what the two kinds of /embed share: one session (embed.js) or a comparison (compare.js
// in embed mode). The options as they apply (reduced motion), the buttons under the plot, the parent
// page (messages.js has the contract: commands in, throttled status out) and the move to another
// lesson's embed. Importable by node (`node --test tests/js/`): the DOM is touched inside functions only.

import { button } from "./controls/dom.js";
import { DEFAULT_CONTROLS, EMBED_KEYS } from "./links.js";
import { parseMessage, STATUS_INTERVAL } from "./messages.js";
import { throttle } from "./pace.js";

/** The buttons both embeds can show, in the order they are laid out. */
export const FRAME_BUTTONS = ["reset", "play", "step"];
/** Keys an embed keeps when it moves to another lesson: its options, and the training speed. */
export const CARRIED_KEYS = [...EMBED_KEYS, "speed"];

export const isFramed = () => typeof window !== "undefined" && window.parent !== window;

/** To the parent page, if any ("*": the messages carry nothing private — epoch, cost, status). */
export function post(msg) {
  if (isFramed()) window.parent.postMessage(msg, "*");
}

export const prefersReducedMotion = () => typeof matchMedia === "function"
  && matchMedia("(prefers-reduced-motion: reduce)").matches;

/** Whether to start training by itself: asked for, and not for someone who asked for less motion. */
export const autoplays = (opts, reduced) => !!opts.autoplay && !reduced;

/** The controls to show: those asked for (of `allowed`); a play button in place of a refused autoplay. */
export function shownControls(opts, reduced, allowed = [...FRAME_BUTTONS, "lr"]) {
  const names = (opts.controls ?? DEFAULT_CONTROLS).filter((c) => allowed.includes(c));
  return opts.autoplay && reduced && !names.includes("play") ? ["play", ...names] : names;
}

/** The embed query of lesson `name`: this embed's options (and speed) carried over, nothing else. */
export function lessonEmbedQuery(search, name) {
  let q;
  try { q = new URLSearchParams(String(search ?? "")); } catch { q = new URLSearchParams(); }
  const out = new URLSearchParams({ preset: name });
  for (const k of CARRIED_KEYS) if (q.has(k)) out.set(k, q.get(k));
  return out.toString().replace(/%2C/g, ",");
}

/** Opens lesson `name` in this frame (its own embed URL: a session or a comparison, the server decides). */
export function moveToLesson(name) {
  location.replace(`embed?${lessonEmbedQuery(location.search, name)}`);
}

/**
 * The buttons `names` in `root` (hidden when none). actions: {play, pause, step, reset, togglePlay};
 * `extra`: {name: () => element} for controls of one kind of embed only (the session's "lr").
 * Returns {setStatus(running, diverged)} for the play button.
 */
export function buildButtons(root, names, { actions, extra = {}, labels = {} } = {}) {
  root.hidden = names.length === 0;
  let play = null;
  const made = {
    reset: () => button("⟲", { label: labels.reset ?? "Reset to the initial weights", cls: "btn round",
      onClick: () => actions.reset() }),
    play: () => (play = button("▶", { label: "Play", cls: "btn round play", onClick: () => actions.togglePlay() })),
    step: () => button("+1", { label: labels.step ?? "+1: train one epoch", cls: "btn round", onClick: () => actions.step() }),
    ...extra,
  };
  for (const name of [...FRAME_BUTTONS, ...Object.keys(extra)]) if (names.includes(name)) root.append(made[name]());
  return {
    setStatus(running, diverged = false) {
      if (!play) return;
      play.textContent = running ? "❚❚" : "▶";
      play.setAttribute("aria-label", running ? "Pause" : "Play");
      play.title = play.getAttribute("aria-label");
      play.classList.toggle("playing", running);
      play.disabled = diverged && !running;
    },
  };
}

const FORM_FIELDS = "select, input, textarea, [contenteditable]";
/** Keys that move the focus or belong to the focused control, never forwarded to the parent. */
const OWN_KEYS = new Set(["Tab", "Shift", "Control", "Alt", "Meta", "CapsLock"]);

/**
 * What the keyboard does in a frame after a click inside it. A clicked button, or the clicked map,
 * would keep the focus: Space would then press that button again and → move the map's crosshair.
 * So a mouse click (not a key that activates a button) leaves nothing focused, and:
 * - keys on: Space, → and r work at once, wherever the click was;
 * - keys=0 (a slide deck's background): the frame gives the focus back to the parent page, whose
 *   own keys (→, PageDown…) then work again; a key that reaches the frame all the same (the user
 *   tabbed in, or a browser refused the focus) goes to the parent as
 *   {type: "nnp:key", key, code, shiftKey, altKey, ctrlKey, metaKey}, for a deck to act on.
 * A menu (the learning rate) keeps the focus while it is open; keys=0 gives it back once one is chosen.
 */
export function frameKeys({ keys }) {
  const giveBack = () => {
    document.activeElement?.blur?.();
    if (!keys && isFramed()) {
      try { window.parent.focus(); } catch { /* a browser may refuse: the keys are forwarded below */ }
    }
  };
  // on the release of a press (a key that presses a button makes none), not on "click", which the
  // map's Plotly never gets (its drag cover takes the release); at once, not in a later task: a key
  // pressed right after would come first. The click still goes to what is under the pointer.
  window.addEventListener("pointerup", (e) => {
    if (e.isPrimary && !e.target.closest?.(FORM_FIELDS)) giveBack();
  }, true);
  if (keys || !isFramed()) return;
  document.addEventListener("change", (e) => { if (e.target.matches?.("select")) giveBack(); });
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || OWN_KEYS.has(e.key) || e.target.closest?.(FORM_FIELDS)) return;
    if ((e.key === " " || e.key === "Enter") && e.target.closest?.("button, a[href], summary")) return;
    const { key, code, shiftKey, altKey, ctrlKey, metaKey } = e;
    post({ type: "nnp:key", key, code, shiftKey, altKey, ctrlKey, metaKey });
    if (key === " ") e.preventDefault();  // nothing to scroll here; the deck decides what Space does
  });
}

/**
 * Status messages to the parent: `send({type: "nnp:status", epoch, loss, status})` after each change of
 * epoch or status, at most 4 a second (the last always delivered). `deliver` is for tests.
 */
export function statusSender(deliver = post, opts) {
  const send = throttle(deliver, STATUS_INTERVAL, opts);
  let last = null;
  return (msg) => {
    if (last && last.epoch === msg.epoch && last.status === msg.status) return;
    last = msg;
    send(msg);
  };
}

/**
 * The parent page's commands (anything else, or from anyone else, is ignored): handlers
 * {play, pause, step, reset, preset(name)}. Nothing happens when the page is not in a frame.
 */
export function listenToParent(handlers) {
  if (!isFramed()) return;
  window.addEventListener("message", (e) => {
    if (e.source !== window.parent) return;
    const m = parseMessage(e.data);
    if (!m) return;
    const fn = { "nnp:play": handlers.play, "nnp:pause": handlers.pause, "nnp:step": handlers.step,
      "nnp:reset": handlers.reset, "nnp:preset": handlers.preset }[m.type];
    Promise.resolve().then(() => fn?.(m.name)).catch((err) => post({ type: "nnp:error", message: String(err?.message ?? err) }));
  });
}

/**
 * What `nnp:preset` with lesson `name` does on an embed showing `kind` ("session" or "comparison"):
 * "error" (no such lesson), "here" (same kind: switch in place), "move" (the other kind: reload the
 * frame at that lesson's embed URL). `presets`: the catalog's [{name, kind}].
 */
export function presetMove(name, kind, presets) {
  const p = (presets ?? []).find((x) => x.name === name);
  if (!p) return "error";
  return p.kind === kind && kind === "session" ? "here" : "move";
}
