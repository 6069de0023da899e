// theme.js — the projector theme: large type, thick lines, high contrast. Only CSS variables change
// (static/css/projector.css, on html[data-theme="projector"]); the views re-read them.
// ?theme=projector asks for it (the server already set the attribute, so nothing flashes); on the
// playground a toggle remembers the choice in localStorage.

import { THEMES } from "./links.js";

const KEY = "nnp-theme";

function stored() {
  try { return THEMES.includes(localStorage.getItem(KEY)) ? localStorage.getItem(KEY) : null; } catch { return null; }
}

function apply(name) {
  const root = document.documentElement;
  if (name) root.dataset.theme = name;
  else delete root.dataset.theme;
}

/** The page's theme from ?theme= (or, when `remember`, the stored choice). */
export function initTheme(params, { remember = true } = {}) {
  const fromUrl = THEMES.includes(params.get("theme")) ? params.get("theme") : null;
  let name = fromUrl ?? (remember ? stored() : null);
  apply(name);
  const subs = new Set();
  return {
    get: () => name,
    /** `theme` for the page's own URL: kept only while the theme the URL asked for is on. */
    urlParam: () => (fromUrl && name === fromUrl ? name : null),
    set(next) {
      name = THEMES.includes(next) ? next : null;
      apply(name);
      if (remember) { try { if (name) localStorage.setItem(KEY, name); else localStorage.removeItem(KEY); } catch { /* private mode */ } }
      for (const fn of subs) fn(name);
    },
    onChange(fn) { subs.add(fn); },
  };
}

/** Views re-read colours, fonts and line widths from the CSS variables. */
export function refreshViews(views) {
  for (const v of Object.values(views ?? {})) v?.refreshTheme?.();
}

/** A toggle button for the projector theme. */
export function themeToggle(theme) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "btn theme-toggle";
  b.textContent = "Projector";
  b.title = "Projector theme: large type, thick lines, high contrast";
  const render = () => b.setAttribute("aria-pressed", String(theme.get() === "projector"));
  b.addEventListener("click", () => theme.set(theme.get() === "projector" ? null : "projector"));
  theme.onChange(render);
  render();
  return b;
}
