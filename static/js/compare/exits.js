// compare/exits.js — the compare page's ways out, in the theme on show: the link back to the
// playground, the lesson picker, and each variant opened in the playground (as trained so far, or
// from its settings).
import { ApiError, api } from '../api.js';
import { themed } from '../links.js';
import { initTheme } from '../theme.js';
import { playgroundQuery } from './query.js';

/** The page's theme: from ?theme= (applied by the server) or the playground's stored choice. */
export const pageTheme = () => document.documentElement.dataset.theme ?? null;

/** The playground's projector choice applies here too, and goes along on the ways out: the link
 *  back to the playground and the lesson picker (a plain GET form). */
export function keepTheme() {
  initTheme(new URLSearchParams(location.search));
  const theme = pageTheme();
  if (!theme) return;
  const back = document.querySelector('.brand-link');
  if (back) back.href = `./?${themed('', theme)}`;
  const form = document.querySelector('form.cmp-lessons');
  form?.append(Object.assign(document.createElement('input'), { type: 'hidden', name: 'theme', value: theme }));
}

/** A variant on its own in the playground: its config, this page's view settings. */
export function playgroundHref(config, base, catalog) {
  const q = themed(playgroundQuery(config, base, catalog), pageTheme());
  return q ? `./?${q}` : './';
}

/** "open as playground" (a plain click on `link`): a copy of the variant's session `sessionId` as
 *  trained so far — weights, epoch, optimizer state and history (POST …/fork, its owner token kept by
 *  this tab) — which the playground takes over (?own=ID). A click that opens a new tab follows the
 *  link: the variant's settings, from its initial weights. */
export async function openTrained(e, link, sessionId) {
  if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || !link || !sessionId) return;
  e.preventDefault();
  const href = link.href;
  try {
    const fork = await api.fork(sessionId);
    location.assign(`${href}${href.includes('?') ? '&' : '?'}own=${encodeURIComponent(fork.id)}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    location.assign(href);  // the comparison is gone or full: its settings at least
  }
}
