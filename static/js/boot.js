// boot.js — what every page's entry module needs first: Plotly's arrival, views made later, the
// polite announcer, and the message when a page cannot start.

const $ = (id) => document.getElementById(id);

/** Resolves once vendor/plotly-*.min.js (a deferred classic script) has run. */
export const plotlyReady = new Promise((resolve) => {
  if (window.Plotly) resolve();
  else $("plotly-js")?.addEventListener("load", resolve, { once: true });
});

/** A view made when `when()` resolves; method calls before then are replayed on it, in order. */
export function later(create, when) {
  let real = null;
  const calls = [];
  Promise.resolve().then(when).then(() => {
    real = create();
    for (const [method, args] of calls) real[method](...args);
    calls.length = 0;
  });
  return new Proxy({}, { get: (_, method) => (...args) => (real ? real[method](...args) : calls.push([method, args])) });
}

/** Says `text` once to screen readers (the page's #announce live region). */
export function announce(text) {
  const el = $("announce");
  if (!el) return;
  el.textContent = "";
  requestAnimationFrame(() => { el.textContent = text; });
}

/** The page could not start: say why in the banner (`what`: the page's name for itself). */
export function fatal(err, what = "The playground") {
  console.error(err);
  const p = $("banner");
  if (!p) return;
  p.hidden = false;
  p.classList.add("banner-danger");
  p.textContent = `${what} could not start: ${err?.message ?? err}`;
}

export const timeout = (ms) => new Promise((r) => setTimeout(r, ms));
