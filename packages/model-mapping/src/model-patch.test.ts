import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEmptyPatch, mergeModelPatch, parseModelPatch, parseModelPatchUpdate } from './model-patch.js';

test('merging folds later values in; a price replaces the same price in the other unit', () => {
  const base = { enabled: false, cost: { input_per_1k: 0.01, output_per_1k: 0.03 }, capabilities: { vision: true } };
  const merged = mergeModelPatch(base, { cost: { input_per_1m: 5 }, capabilities: { tools: false }, region: 'eu' });
  assert.deepEqual(merged, { enabled: false, cost: { output_per_1k: 0.03, input_per_1m: 5 }, capabilities: { vision: true, tools: false }, region: 'eu' });
  assert.deepEqual(base.cost, { input_per_1k: 0.01, output_per_1k: 0.03 }, 'the base is not mutated');
  assert.deepEqual(mergeModelPatch(merged, { cost: null, capabilities: null, enabled: null, region: null }), {});
  assert.ok(isEmptyPatch({}));
});

test('null is accepted only by the update parser', () => {
  assert.deepEqual(parseModelPatchUpdate({ context_window: null, prices: null }), { context_window: null, cost: null });
  assert.throws(() => parseModelPatch({ context_window: null }), /context_window/);
  assert.deepEqual(parseModelPatch({ prices: { input_per_1m: 1 } }), { cost: { input_per_1m: 1 } });
});
