// liveView.js — one live view of a run on the server (a session's, a comparison's): the stream's
// lifetime, the newest frame only (the stream sends faster than a busy page decodes), decoded off the
// drawing path, and one drawing callback per animation frame, each with a frame of its own: two frames
// that arrive within one display frame (the stream's clock and the screen's are not in step) are drawn
// in two, a frame apart, instead of the first being lost — without this a page that keeps up with 60
// frames a second drew ~50 of them. A jitter buffer of up to two frames (READY_MAX): the page is never
// more than two frames behind, and a page that cannot keep up draws the newest it has and decodes no
// more than it draws.
// The playground (session.js, and through it /embed and follow mode) and the comparison page
// (compare/run.js) both show their frames this way.
// DOM-free apart from the element whose data-* attributes it writes (anything with a `dataset`) and the
// default scheduler (requestAnimationFrame): `node --test tests/js/` drives it with a fake stream,
// decoder and scheduler.

/** Decoded frames that may wait for the drawing callback: the one to draw and two more. Frames come
 *  in bursts (two or three within a display frame after a stall, none in the next): with room for
 *  two after the one drawn, a page that keeps up drew 56.6 of 59 frames a second at [8×6] max, with
 *  room for one 54.9 (frames shown per second against the page's own requestAnimationFrame count,
 *  four quiet runs each, no input). The price: after a burst the page may stay up to two display
 *  frames (33 ms) behind until the stream next pauses for a display frame (at 60 frames/s it often
 *  does), and a frame more arriving meanwhile skips two at once. */
export const READY_MAX = 3;

/** `fn` once per animation frame, however often the returned function is called before it. */
export function perAnimationFrame(fn) {
  let asked = false;
  return () => {
    if (asked) return;
    asked = true;
    requestAnimationFrame(() => { asked = false; fn(); });
  };
}

/**
 * open(id, handlers) → {close()}: the stream of run `id` (api.js openStream, compare/client.js
 *   openComparisonStream), handed {onFrame, onOpen, onGone, onMoved, onError(gaveUp)}.
 * decode(frame) → decoded, or a promise of it (frame.js decodeFrame; compare/client.js decodeComparisonFrame).
 * hooks (each optional): onFrame(decoded) in the drawing callback, for the oldest decoded frame waiting
 *   (of at most READY_MAX; the newest of them when the page is behind); onDraw() at the end of every drawing
 *   callback (also those asked for by draw());
 *   onRefill(id) on every (re)connect (what the page missed meanwhile); onGone(id) the run ended on the
 *   server; onMoved(id, next) its owner replaced it; onGiveUp(id) the browser stopped reconnecting.
 * counters: the element whose data-frames-received / data-frames-shown count the frames (read by the
 *   browser tests and bench/frames.py), data-stream says the stream's status; marks(decoded) → more
 *   data-* for a frame drawn ({sessionId, epoch}).
 * schedule(fn) → ask(): `fn` at most once per animation frame (perAnimationFrame, plot.js everyFrame).
 * Returns {open(id), close(), draw(), id(), status(), shown(), received(), waiting()}.
 */
export function createLiveView({ open, decode, hooks = {}, counters = null, marks = null, schedule = perAnimationFrame }) {
  let id = null;  // the run this view follows (null: closed)
  let stream = null;
  let opens = 0;  // which open() a stream's events belong to
  let gen = 0;  // bumped on every open/close/end: a frame decoded for an older generation is dropped
  let status = "closed";  // connecting, open, retrying, gone, moved, gave-up, closed
  let pending = null;  // the newest frame not decoded yet (older ones are dropped unseen)
  let decoding = false;
  let ready = [];  // decoded frames not drawn yet, oldest first: at most READY_MAX
  let behind = false;  // a draw had to skip a frame: decode one frame a draw until the page keeps up
  let received = 0, shown = 0;  // over the page's life (one view may follow several runs in turn)

  const mark = (attrs) => { if (counters) Object.assign(counters.dataset, attrs); };
  const setStatus = (s) => { status = s; mark({ stream: s }); };

  const ask = schedule(() => {
    if (ready.length) {
      // behind: every place taken and a newer frame waiting to be decoded: the older ones are skipped
      // (the newest decoded is drawn), and until a draw finds nothing newer waiting, one frame is
      // decoded a draw (not several, all but one stale by the time they are drawn)
      if (ready.length === READY_MAX && pending) { ready = ready.slice(-1); behind = true; }
      else if (!pending) behind = false;
      const d = ready.shift();
      shown++;
      mark({ framesShown: String(shown), ...(marks?.(d) ?? {}) });
      hooks.onFrame?.(d);
      if (ready.length) ask();  // the next one in the next animation frame
      if (pending && !decoding) drain();
    }
    hooks.onDraw?.();
  });

  /** Forget the stream and every frame of it; later answers from it are ignored. */
  function forget(nextStatus) {
    gen++;
    pending = null;
    ready = [];
    behind = false;
    setStatus(nextStatus);
  }

  function close() {
    stream?.close();
    stream = null;
    id = null;
    forget("closed");
  }

  async function drain() {
    decoding = true;
    while (pending && ready.length < (behind ? 1 : READY_MAX)) {
      const f = pending;
      const at = gen;
      pending = null;
      let d;
      try {
        d = await decode(f);
      } catch (err) {
        console.error(err);  // a frame that cannot be decoded is skipped; the next one may be fine
        continue;
      }
      if (at !== gen || f.id !== id) continue;  // reopened, closed or ended meanwhile
      ready.push(d);
      ask();
    }
    decoding = false;
  }

  function openView(next) {
    close();
    id = next;
    setStatus("connecting");
    const ticket = ++opens;
    const mine = () => ticket === opens && id === next;  // events of a stream closed since are ignored
    stream = open(next, {
      onFrame: (f) => {
        if (!mine() || f.id !== next) return;
        mark({ framesReceived: String(++received) });
        pending = f;
        if (!decoding) drain();
      },
      onOpen: () => { if (mine()) { setStatus("open"); hooks.onRefill?.(next); } },
      onGone: () => { if (mine()) { forget("gone"); hooks.onGone?.(next); } },
      onMoved: (to) => {
        if (!mine()) return;
        forget("moved");
        if (hooks.onMoved) hooks.onMoved(next, to);
        else hooks.onGone?.(next);  // a page that follows no successor: the run it showed is gone
      },
      onError: (gaveUp) => {
        if (!mine()) return;
        if (!gaveUp) { setStatus("retrying"); return; }
        forget("gave-up");
        hooks.onGiveUp?.(next);
      },
    });
  }

  return {
    open: openView,
    close,
    /** One drawing callback soon, with or without a new frame (a view resized, points arrived). */
    draw: ask,
    id: () => id,
    status: () => status,
    shown: () => shown,
    received: () => received,
    /** A decoded frame waits for the next drawing callback (a REST answer now would be older). */
    waiting: () => ready.length > 0,
  };
}
