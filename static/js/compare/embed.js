// compare/embed.js — the compare page in embed mode (/embed?preset=activation-race, /embed?vary=…): the
// bar under the maps and curves (the buttons asked for, the epoch and mean cost, a link to the full
// comparison), the loop, and the parent page. The options and the postMessage contract are the session
// embed's (embedFrame.js, messages.js); `loss` in a status message is the variants' mean train cost.
import {
  autoplays, buildButtons, FRAME_BUTTONS, frameKeys, listenToParent, moveToLesson, post, prefersReducedMotion,
  presetMove, shownControls, statusSender,
} from '../embedFrame.js';
import { comparisonStatus, fmtCost } from './model.js';

const $ = (id) => document.getElementById(id);

/**
 * opts: embedOptions(); actions: the page's {play, pause, toggle, step, reset, restart}; `epochs`: the
 * lesson's (the default loop). Returns {update(variants, status), drawn(), error(message), setLink(href)}.
 */
export function createEmbedChrome({ opts, catalog, actions, epochs = null }) {
  const reduced = prefersReducedMotion();
  frameKeys(opts);  // a click leaves the keys to the frame (keys=1) or to the deck around it (keys=0)
  const buttons = buildButtons($('embed-controls'), shownControls(opts, reduced, FRAME_BUTTONS), {
    actions: { ...actions, togglePlay: () => actions.toggle() },
    labels: { reset: 'Reset every variant to its initial weights', step: '+1: train every variant one epoch' },
  });
  const statusEl = $('embed-status');
  const sendStatus = statusSender();
  const loopAt = opts.loop ?? epochs ?? 0;
  let looping = false;
  let ready = false;
  let shown = '';

  listenToParent({
    play: () => actions.play(),
    pause: () => actions.pause(),
    step: () => actions.step(),
    reset: () => actions.reset(),
    preset(name) {
      if (presetMove(name, 'comparison', catalog.presets) === 'error') {
        post({ type: 'nnp:error', message: `there is no lesson called ${name}` });
      } else moveToLesson(name);  // this frame becomes that lesson's embed (a comparison or one session)
    },
  });

  return {
    /** Each frame or REST answer: the bar, the parent, and the loop (back to the start after `loopAt` epochs). */
    update(variants, status) {
      const msg = comparisonStatus(variants, status);
      buttons.setStatus(status === 'running', status === 'diverged');
      const text = [`Epoch ${msg.epoch.toLocaleString('en')}`, `mean cost ${fmtCost(msg.loss)}`,
        ...(status === 'diverged' ? ['every variant diverged'] : [])].join(' · ');
      if (text !== shown) { shown = text; statusEl.textContent = text; }
      sendStatus(msg);
      // once per lap: a frame sent before the reset may still show the old epoch
      if (looping && msg.epoch < loopAt) looping = false;
      if (loopAt && !looping && status === 'running' && msg.epoch >= loopAt) {
        looping = true;
        actions.restart();
      }
    },
    /** The first frame is on the maps: autoplay starts, the parent may start. */
    drawn() {
      if (ready) return;
      ready = true;
      if (autoplays(opts, reduced)) actions.play();
      post({ type: 'nnp:ready' });
    },
    error(message) { post({ type: 'nnp:error', message }); },
    setLink(href) { $('embed-open').href = href; },
  };
}
