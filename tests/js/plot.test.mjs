// plot.js scheduling: at most one draw per animation frame, and chart redraws take turns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseConfig, drawStats, everyFrame } from '../../static/js/plot.js';

function fakeFrames() {
  let queue = [];
  let now = 0;
  globalThis.requestAnimationFrame = (fn) => queue.push(fn);
  return {
    tick(ms = 16) {
      now += ms;
      const run = queue;
      queue = [];
      run.forEach((fn) => fn(now));
    },
    get pending() { return queue.length; },
  };
}

test('many updates between two animation frames make one draw', () => {
  const frames = fakeFrames();
  let draws = 0;
  const schedule = everyFrame(() => { draws++; }, 'test-one');
  for (let i = 0; i < 50; i++) schedule();
  assert.equal(frames.pending, 1);
  frames.tick();
  assert.equal(draws, 1);
  frames.tick();
  assert.equal(draws, 1);
  schedule();
  frames.tick();
  assert.equal(draws, 2);
  assert.equal(drawStats['test-one'].count, 2);
});

test('two heavy draws scheduled together land in different animation frames', () => {
  const frames = fakeFrames();
  const order = [];
  const a = everyFrame(() => order.push('a'), 'test-a', { heavy: true });
  const b = everyFrame(() => order.push('b'), 'test-b', { heavy: true });
  a(); b();
  frames.tick();
  assert.deepEqual(order, ['a']);
  frames.tick();
  assert.deepEqual(order, ['a', 'b']);
});

test('the shared config hides the mode bar and resizes with the page', () => {
  assert.equal(baseConfig.displayModeBar, false);
  assert.equal(baseConfig.responsive, true);
  assert.equal(baseConfig.staticPlot, false);
});

test('logTicks: decades over a wide range, round numbers within one decade', async () => {
  const { logTicks } = await import('../../static/js/plot.js');
  assert.deepEqual(logTicks(2e-7, 0.9).tickvals, [1e-8, 1e-6, 1e-4, 1e-2, 1]);
  assert.deepEqual(logTicks(0.02, 0.5).tickvals, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
  assert.deepEqual(logTicks(0.21, 0.74).tickvals, [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(logTicks(0, 1), {});
  assert.deepEqual(logTicks(2e-7, 0.9).ticktext, ['10⁻⁸', '10⁻⁶', '10⁻⁴', '10⁻²', '1']);
  assert.deepEqual(logTicks(0.21, 0.74).ticktext, ['0.2', '0.4', '0.6', '0.8']);
});
