// compare/transport.js — play/pause, one epoch, reset and the speed, acting on every variant at once.
import { h } from './dom.js';

const SPEEDS = [1, 3, 10, 30, 100, 300, null];  // epochs a second; null: as fast as the server can

/** Buttons in `root`; handlers {play, pause, step, reset, speed(epochsPerSecond | null)}. */
export function createTransport(root, actions) {
  let running = false;
  const play = h('button', { type: 'button', class: 'btn play', 'aria-keyshortcuts': 'Space',
    onclick: () => (running ? actions.pause() : actions.play()) });
  const step = h('button', { type: 'button', class: 'btn round', title: 'Train every variant one epoch (→)',
    'aria-keyshortcuts': 'ArrowRight', text: '+1', onclick: () => actions.step() });
  step.setAttribute('aria-label', '+1: one epoch');
  const reset = h('button', { type: 'button', class: 'btn round', title: 'Back to the initial weights (R)',
    'aria-keyshortcuts': 'R', text: '↺', onclick: () => actions.reset() });
  reset.setAttribute('aria-label', 'Reset');
  const speed = h('select', { class: 'speed', id: 'cmp-speed', onchange: () => actions.speed(speed.value === 'max' ? null : Number(speed.value)) });
  const epoch = h('span', { class: 'epoch-value', text: '0' });
  const steps = h('span', { class: 'epoch-steps', text: '' });
  root.replaceChildren(play, step, reset,
    h('div', { class: 'field' }, h('label', { for: 'cmp-speed', text: 'Epochs / s' }), speed),
    h('div', { class: 'epoch', 'aria-live': 'off' }, h('span', { class: 'epoch-label', text: 'Epoch' }), epoch, steps));

  function setSpeed(value) {
    const list = SPEEDS.includes(value) ? SPEEDS : [...SPEEDS.slice(0, -1), value, null].sort((a, b) =>
      (a === null) - (b === null) || a - b);
    speed.replaceChildren(...list.map((s) => h('option', { value: s === null ? 'max' : String(s), text: s === null ? 'max' : String(s) })));
    speed.value = value === null ? 'max' : String(value);
  }

  function setStatus(isRunning, allDiverged = false) {
    running = isRunning;
    play.textContent = running ? '❚❚' : '▶';
    play.classList.toggle('playing', running);
    play.setAttribute('aria-label', running ? 'Pause' : 'Play');
    play.title = running ? 'Pause every variant (Space)' : 'Train every variant (Space)';
    play.disabled = allDiverged && !running;
  }
  setStatus(false);

  return {
    setStatus,
    setSpeed,
    setEpoch(e, s) {
      epoch.textContent = String(e);
      steps.textContent = s === undefined ? '' : `${s} updates`;
    },
  };
}
