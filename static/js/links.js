// links.js — the page's URLs: the playground's query (state, lesson, theme), the embed's options,
// the iframe snippet, the follow link. DOM-free: `node --test tests/js/` runs it.

import { toQuery } from "./state.js";

export const EMBED_CONTROLS = ["play", "step", "reset", "lr"];
export const DEFAULT_CONTROLS = ["play", "step", "reset"];
export const THEMES = ["projector"];

/** `query` with the page's theme kept (a room's projector theme survives every link and reload);
 *  an unknown or absent theme leaves it as it is. */
export function themed(query, theme) {
  if (!THEMES.includes(theme)) return query;
  return query ? `${query}&theme=${theme}` : `theme=${theme}`;
}
/** Keys of the embed URL that are not experiment state (the state keys are the playground's). */
export const EMBED_KEYS = ["controls", "autoplay", "loop", "theme", "caption", "keys", "curve"];

/**
 * The playground's query string: `preset=NAME` first when the page shows a lesson (the state is then
 * written as its difference from the lesson's state), then the state, then `extra` ({theme: …}).
 */
export function pageQuery(state, { defaults, lesson = null, extra = {} } = {}) {
  const q = new URLSearchParams();
  if (lesson?.state) q.set("preset", lesson.name);
  for (const [k, v] of new URLSearchParams(toQuery(state, lesson?.state ?? defaults))) q.append(k, v);
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  return q.toString();
}

const flag = (text) => (text === "1" || text === "true" ? true : text === "0" || text === "false" ? false : undefined);

/**
 * The embed's own options from its query string; anything invalid falls back to the default.
 * {controls: [...], autoplay, loop (epochs; null: not given, 0: never), theme, caption, keys, curve}
 */
export function embedOptions(search) {
  let q;
  try { q = new URLSearchParams(String(search ?? "")); } catch { q = new URLSearchParams(); }
  let controls = DEFAULT_CONTROLS;
  const c = q.get("controls");
  if (c !== null) {
    const wanted = c.split(",").map((x) => x.trim()).filter(Boolean);
    controls = c === "none" || c === "" ? [] : EMBED_CONTROLS.filter((x) => wanted.includes(x));
  }
  const loopText = q.get("loop");
  const loop = loopText !== null && /^\d{1,7}$/.test(loopText) ? Number(loopText) : null;
  return {
    controls,
    autoplay: flag(q.get("autoplay")) ?? false,
    loop,
    theme: THEMES.includes(q.get("theme")) ? q.get("theme") : null,
    caption: flag(q.get("caption")) ?? false,
    keys: flag(q.get("keys")) ?? true,
    curve: flag(q.get("curve")) ?? false,
  };
}

/** The embed's query: the experiment as on the playground, then the options that differ from the defaults. */
export function embedQuery(state, { defaults, lesson = null, options = {} } = {}) {
  const q = new URLSearchParams(pageQuery(state, { defaults, lesson }));
  q.delete("more");  // the playground's "More settings" row: an embed has none
  const o = { ...embedOptions(""), ...options };
  const same = o.controls.length === DEFAULT_CONTROLS.length && o.controls.every((c) => DEFAULT_CONTROLS.includes(c));
  if (!same) q.set("controls", o.controls.length ? EMBED_CONTROLS.filter((c) => o.controls.includes(c)).join(",") : "none");
  if (o.autoplay) q.set("autoplay", "1");
  if (o.loop !== null && o.loop !== undefined) q.set("loop", String(o.loop));
  if (o.theme) q.set("theme", o.theme);
  if (o.caption) q.set("caption", "1");
  if (!o.keys) q.set("keys", "0");
  if (o.curve) q.set("curve", "1");
  return q.toString().replace(/%2C/g, ",");
}

const attr = (text) => String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The <iframe> HTML a teacher pastes into a slide, a notebook or an LMS page (text, never parsed here). */
export function embedSnippet({ src, width = 800, height = 500, title = "NN Playground" }) {
  const w = Math.round(Number(width)) || 800, h = Math.round(Number(height)) || 500;
  return `<iframe src="${attr(src)}" width="${w}" height="${h}" title="${attr(title)}" style="border:0" loading="lazy"></iframe>`;
}

/** The link students open to watch a session: the page's own address with only ?follow=ID. */
export function followUrl(pageUrl, id) {
  const u = new URL(pageUrl);
  u.search = `?follow=${encodeURIComponent(id)}`;
  u.hash = "";
  return u.href;
}

/** Session ids as the server makes them (URL-safe tokens); anything else in ?follow= is ignored. */
export const isSessionId = (id) => typeof id === "string" && /^[A-Za-z0-9_-]{4,64}$/.test(id);
