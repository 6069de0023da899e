// controls/keys.js — the keyboard shortcuts of a page that owns its session: space, →, r.

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** space: play/pause, →: one batch (shift: one epoch), r: reset — not while typing, not with modifiers. */
export function bindKeys(actions, { step = true } = {}) {
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const t = e.target;
    if (TYPING.has(t.tagName) || t.isContentEditable) return;
    // space keeps its native meaning on buttons and links; widgets that use arrows prevent the default
    const onButton = t.closest?.("button, a[href], [role=button], summary");
    if (e.key === " " && !onButton) { e.preventDefault(); actions.togglePlay(); }
    else if (e.key === "ArrowRight" && step) { e.preventDefault(); actions.step(e.shiftKey ? "epoch" : "batch"); }
    else if ((e.key === "r" || e.key === "R") && !e.shiftKey) { e.preventDefault(); actions.reset(); }
  });
}
