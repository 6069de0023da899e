// controls/lessons.js — the "Lessons" menu (rendered by the server: a list of links grouped by course
// week) and the caption panel of the lesson on show (cloned from its <template id="caption-NAME">:
// title, caption, MathML formula, and the claim the teaching tests check).
// A session lesson loads in place; a comparison is a link to compare?preset=NAME.

import { setHidden } from "./dom.js";
import { disclosure } from "./popover.js";

const $ = (id) => document.getElementById(id);

/** Clones the server-rendered caption of `name` into `el` (false when there is none). */
export function fillCaption(el, name) {
  const t = document.getElementById(`caption-${name}`);
  if (!(t instanceof HTMLTemplateElement)) return false;
  el.replaceChildren(t.content.cloneNode(true));
  return true;
}

/**
 * Wires #lessons-button/#lessons-menu and #lesson (the caption panel). `current` is the lesson shown
 * at start ({name, title, state} or null). `load(name)` (set later with `setLoader`) applies a session
 * lesson in place; until then the links simply navigate. Returns {current(), show(lesson), setLoader(fn), onChange(fn)}.
 */
export function buildLessons({ current = null, isChanged = () => false, restore = null } = {}) {
  const button = $("lessons-button"), menu = $("lessons-menu"), panel = $("lesson");
  const body = $("lesson-body"), close = $("lesson-close"), changed = $("lesson-changed"), back = $("lesson-restore");
  let lesson = current;
  let load = null;
  const subs = new Set();
  const pop = button && menu ? disclosure(button, menu) : null;

  menu?.addEventListener("click", async (e) => {
    const a = e.target.closest?.("a[data-preset]");
    if (!a || !load || a.dataset.kind !== "session") return;
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;  // new tab: let it
    e.preventDefault();
    pop?.close(true);
    await load(a.dataset.preset);
  });
  close?.addEventListener("click", () => {
    panel.hidden = true;
    button?.focus();
  });
  back?.addEventListener("click", () => restore?.());

  function mark() {
    for (const a of menu?.querySelectorAll("a[data-preset]") ?? []) {
      if (a.dataset.preset === lesson?.name) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    }
  }

  function show(next) {
    lesson = next;
    mark();
    if (panel) panel.hidden = !(lesson && fillCaption(body, lesson.name));
    refresh();
    for (const fn of subs) fn(lesson);
  }

  /** The "you changed it" line: shown while the state differs from the lesson's. */
  function refresh() {
    if (changed) setHidden(changed, !(lesson && isChanged(lesson)));
  }

  show(lesson);
  return {
    current: () => lesson,
    show,
    refresh,
    setLoader(fn) { load = fn; },
    onChange(fn) { subs.add(fn); },
  };
}
