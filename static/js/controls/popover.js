// controls/popover.js — the disclosure pattern: a button (aria-expanded, aria-controls) that shows a
// panel under it. Escape closes it and gives the focus back to the button; so does a click outside.
// One panel open at a time.

let openOne = null;

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && openOne) { e.preventDefault(); openOne.close(true); }
});
document.addEventListener("pointerdown", (e) => {
  if (openOne && !openOne.contains(e.target)) openOne.close(false);
}, true);

/**
 * Wires `button` to `panel` (both in the DOM already). `onOpen()` runs each time it opens (fill the
 * panel then); `focusFirst` moves the focus into the panel. Returns {open(), close(), isOpen}.
 */
export function disclosure(button, panel, { onOpen = null, focusFirst = true } = {}) {
  panel.id ||= `pop-${Math.random().toString(36).slice(2, 8)}`;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", panel.id);
  panel.hidden = true;
  const self = {
    contains: (node) => button.contains(node) || panel.contains(node),
    async open() {
      if (openOne && openOne !== self) openOne.close(false);
      openOne = self;
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      await onOpen?.();
      if (focusFirst && openOne === self) panel.querySelector("a[href], button:not([disabled]), textarea, input, select")?.focus();
    },
    close(refocus) {
      if (openOne === self) openOne = null;
      if (panel.hidden) return;
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (refocus) button.focus();
    },
    get isOpen() { return !panel.hidden; },
  };
  button.addEventListener("click", () => (panel.hidden ? self.open() : self.close(false)));
  return self;
}

/**
 * A section shown in place (inside a popover, say): `button` (aria-expanded, aria-controls) shows
 * `panel` right where it is. Sections passed the same `group` (an array) are exclusive: opening one
 * closes the others. No document-wide handlers: the popover around it closes them all by hiding.
 * Returns {open(), close(), isOpen}.
 */
export function expander(button, panel, { group = null, onOpen = null, focusFirst = true } = {}) {
  panel.id ||= `sec-${Math.random().toString(36).slice(2, 8)}`;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", panel.id);
  panel.hidden = true;
  const self = {
    async open() {
      for (const other of group ?? []) if (other !== self) other.close();
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      await onOpen?.();
      if (focusFirst && !panel.hidden) panel.querySelector("a[href], button:not([disabled]), textarea, input, select")?.focus();
    },
    close() {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
    },
    get isOpen() { return !panel.hidden; },
  };
  group?.push(self);
  button.addEventListener("click", () => (panel.hidden ? self.open() : self.close()));
  return self;
}
