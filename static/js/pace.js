// pace.js — numbers people read, at a pace they can be read. A frame's cost, accuracy and epoch change
// up to 60 times a second, and every change of their text is a layout of the whole page (~0.9 ms of a
// frame's ~8.5 ms at [8×6] max); nobody reads digits that change faster than ~10 times a second.
// DOM-free: `node --test tests/js/` drives it with a fake clock and timer.

export const READ_MS = 100;

/** `fn(latest)` at most once every `ms`: a call when it has not run for `ms` runs at once; calls in
 *  between fold into one later run with the newest argument, so the last value always shows, at most
 *  `ms` late. */
export function paced(fn, ms = READ_MS, { now = () => performance.now(), later = (f, d) => setTimeout(f, d) } = {}) {
  let last = -Infinity;
  let waiting = false;
  let arg;
  const run = () => {
    waiting = false;
    last = now();
    fn(arg);
  };
  return (value) => {
    arg = value;
    if (waiting) return;
    const wait = last + ms - now();
    if (wait <= 0) run();
    else {
      waiting = true;
      later(run, wait);
    }
  };
}
