// pace.js — a value delivered at most once per interval, the newest always last (DOM-free: `node --test
// tests/js/` drives it with a fake clock and timer). Numbers people read: a frame's cost, accuracy and
// epoch change up to 60 times a second, and every change of their text is a layout of the whole page
// (~0.9 ms of a frame's ~8.5 ms at [8×6] max); nobody reads digits that change faster than ~10 times a
// second (READ_MS). Also the embed's status messages to its parent (messages.js STATUS_INTERVAL).

export const READ_MS = 100;

/** `send(latest)` at most once every `interval` ms: a call when it has not run for `interval` runs at
 *  once; calls in between fold into one later run with the newest value, so the last value is always
 *  delivered, at most `interval` late. `clock` and `timer` are for tests. */
export function throttle(send, interval = READ_MS, { clock = () => performance.now(), timer = setTimeout } = {}) {
  let last = -Infinity;
  let pending = null;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    last = clock();
    const v = pending;
    pending = null;
    send(v);
  };
  return (value) => {
    pending = value;
    if (scheduled) return;
    const wait = last + interval - clock();
    if (wait <= 0) flush();
    else { scheduled = true; timer(flush, wait); }
  };
}
