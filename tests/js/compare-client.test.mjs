// compare/client.js's decodeComparisonFrame: each variant's output decoded as a session's frame's
// (fixtures written by the server's own encoder), a variant without one left null, in variant order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { decodeComparisonFrame } from '../../static/js/compare/client.js';
import { decodeFrame } from '../../static/js/frame.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

test('every variant\'s output decoded as a session frame\'s, null where a variant has none', async () => {
  const binary = fixture('frame_binary').frame, regression = fixture('frame_regression').frame;
  const f = { id: 'c1', step: 3, variants: [{ epoch: 1, output: binary.output }, { epoch: 1, output: null },
    { epoch: 1, output: regression.output }] };
  const { f: same, outputs } = await decodeComparisonFrame(f);
  assert.equal(same, f, 'the frame itself goes along (its table rows, status, step)');
  assert.equal(outputs.length, 3);
  assert.equal(outputs[1], null);
  assert.deepEqual(outputs[0], (await decodeFrame({ output: binary.output })).output);
  assert.deepEqual(outputs[2], (await decodeFrame({ output: regression.output })).output);
  assert.equal(outputs[0].kind, 'binary');
  assert.ok(outputs[0].p.values instanceof Float32Array);
});
