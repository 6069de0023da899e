// compare/banner.js — the compare page's one message line (#banner): what went wrong, or what the
// page did about it (a comparison started again, a lesson that does not exist).
const el = () => document.getElementById('banner');

/** Shows `text` (null: hides the banner); `danger` styles it as an error. */
export function banner(text, danger = false) {
  const p = el();
  p.hidden = !text;
  p.classList.toggle('banner-danger', danger);
  p.textContent = text ?? '';
}

/** An error is on show (a new comparison that started clears it). */
export const bannerIsError = () => el().classList.contains('banner-danger');
