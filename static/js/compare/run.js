// compare/run.js — the comparison on the server behind the compare page: made (POST) and replaced
// (POST the new one, then DELETE the old one), started again when it ended on the server, played,
// paused, stepped and reset; its frames through liveView.js (one stream, the newest frame, one draw
// per animation frame). Server calls run one at a time, in order (serialQueue.js). What it shows is
// the page's: it hands REST answers and frames to `hooks`.
import { ApiError } from '../api.js';
import { createLiveView } from '../liveView.js';
import { everyFrame } from '../plot.js';
import { serialQueue } from '../serialQueue.js';
import { banner, bannerIsError } from './banner.js';
import { compareApi, decodeComparisonFrame, openComparisonStream } from './client.js';
import { comparisonBody, experimentKey, variantLabels } from './query.js';

const FPS = 60;  // frames a second asked of the stream (the server sends one only when something changed)
const RETRY_MS = 5000, RETRIES = 24;  // a full server is asked again every 5 s, for two minutes
const DIVERGED = 'Every variant has diverged: reset to train again.';

/**
 * comparison(): the page's comparison value (compare/query.js); embed: in a frame (no form to fix);
 * form: {showError(text | null)}; hooks: created(r, labels, next) a new comparison's REST answer
 * (cards, table, charts), variants(variants, step) a frame's or REST answer's variants, status(status,
 * variants), frame(f, outputs) the newest frame in the drawing callback, draw() every drawing callback,
 * drawn() a drawing callback after the first frame, refill(id) after a (re)connect, changed(next) a new
 * comparison replaced the old one, error(message), announce(text).
 * Returns {start(), change(next), actions, report(err), current(), playing(), draw()}.
 */
export function createRun({ comparison, embed = false, form, hooks }) {
  let cur = null;  // {id, sessions[]}: the comparison shown, its variants' session ids
  let retries = 0;  // times a full server was asked again for this page's first comparison
  let status = 'idle';
  let wantPlaying = false;
  const queue = serialQueue((err) => report(err));

  // read by the browser tests on <html>: data-frames-received, data-frames-shown
  const view = createLiveView({
    open: (id, handlers) => openComparisonStream(id, { fps: FPS, ...handlers }),
    decode: decodeComparisonFrame,
    counters: document.documentElement,
    schedule: (fn) => everyFrame(fn, 'compare'),  // its time in plot.js drawStats, as before
    hooks: {
      onFrame: ({ f, outputs }) => {
        if (f.id !== cur?.id) return;
        hooks.frame(f, outputs);
        hooks.variants(f.variants, f.step);
        applyStatus(f);
      },
      onDraw: () => {
        hooks.draw();
        if (view.shown() && cur) hooks.drawn();
      },
      onRefill: (id) => queue(async () => { if (cur?.id === id) await hooks.refill(id); }),
      onGone: (id) => { if (cur?.id === id) expired(); },
      onGiveUp: (id) => { if (cur?.id === id) queue(() => compareApi.read(id)).catch(() => {}); },
    },
  });

  function report(err) {
    if (!(err instanceof ApiError)) { console.error(err); return; }
    if (err.status === 404 && cur) { expired(); return; }
    if (err.status === 409) { banner(DIVERGED); return; }
    banner(err.status === 0 || err.status === 503 ? `${err.msg} — try again in a moment` : err.msg, true);
    hooks.error(err.msg);
  }

  async function change(next) {
    if (experimentKey(next) === experimentKey(comparison()) && cur) return;
    if (await create(next)) hooks.changed(next);
  }

  /** POST the comparison, then drop the old one; false (and the form shows why) when the server refuses. */
  async function create(next) {
    const playing = wantPlaying || status === 'running';
    let r;
    try {
      r = await compareApi.create(comparisonBody(next));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // a 422 is about the settings; a full server (503) or this client's share (429) is not, and its
      // message says what to do; a full server is asked again in a while, as its Retry-After says
      const settingsAtFault = err.status === 422;
      form.showError(settingsAtFault ? err.msg.replace(/^vary\.values\.(\d+): /, (_, i) => `value ${Number(i) + 1}: `) : '');
      if (!cur) {
        banner(settingsAtFault && !embed ? 'Fix the settings above to start the comparison.'
          : `This comparison cannot run now: ${err.msg}`, true);
        if (err.status === 503 && retries++ < RETRIES) setTimeout(() => { if (!cur) change(next); }, RETRY_MS);
      }
      hooks.error(err.msg);
      return false;
    }
    const old = cur;
    view.close();
    if (old) compareApi.remove(old.id).catch(() => {});
    if (bannerIsError()) banner(null);
    form.showError(null);
    const labels = variantLabels(next.field, next.values, r.variants.map((v) => v.label));
    cur = { id: r.id, sessions: r.variants.map((v) => v.session_id) };
    hooks.created(r, labels, next);
    hooks.variants(r.variants, r.step);
    applyStatus(r);
    view.open(r.id);
    if (playing) { wantPlaying = true; await play(); }
    return true;
  }

  function expired() {
    cur = null;
    view.close();
    banner('The comparison had ended on the server: it was started again.');
    queue(() => create(comparison()));
  }

  function applyStatus(r) {
    status = r.status;
    if (status !== 'running') wantPlaying = wantPlaying && status !== 'diverged';
    hooks.status(status, r.variants);
  }

  async function play() {
    if (!cur) return;
    if (status === 'diverged') { banner(DIVERGED); return; }
    wantPlaying = true;
    applyStatus(await compareApi.play(cur.id, comparison().base.speed));
  }

  const actions = {
    toggle: () => (status === 'running' || wantPlaying ? actions.pause() : actions.play()),
    play: () => queue(play),
    pause: () => queue(async () => {
      wantPlaying = false;
      if (cur) applyStatus(await compareApi.pause(cur.id));
    }),
    step: () => queue(async () => {
      if (!cur) return;
      wantPlaying = false;
      if (status === 'running') await compareApi.pause(cur.id);
      const r = await compareApi.step(cur.id, { epochs: 1 });
      applyStatus(r);
      if (!view.waiting() && view.shown()) hooks.variants(r.variants, r.step);  // unless a newer frame waits
    }),
    reset: () => queue(async () => {
      if (!cur) return;
      wantPlaying = false;
      const r = await compareApi.reset(cur.id);
      applyStatus(r);
      banner(null);
      hooks.announce('Every variant is back at its initial weights.');
    }),
    /** The embed's loop: back to the initial weights, and on training. */
    restart: () => queue(async () => {
      if (!cur) return;
      applyStatus(await compareApi.reset(cur.id));
      await play();
    }),
  };

  window.addEventListener('pagehide', () => {
    if (cur) compareApi.remove(cur.id).catch(() => {});
    view.close();
    cur = null;
  });
  window.addEventListener('pageshow', (e) => { if (e.persisted) queue(() => create(comparison())); });

  return {
    start: () => queue(() => create(comparison())),
    /** A new comparison value from the form or the caption: made on the server, then shown. */
    change: (next) => queue(() => change(next)),
    actions,
    report,
    /** {id, sessions[]} of the comparison shown, or null. */
    current: () => cur,
    playing: () => status === 'running' || wantPlaying,
    /** One drawing callback soon (a map resized, points arrived). */
    draw: () => view.draw(),
  };
}
