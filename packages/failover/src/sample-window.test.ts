import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LABELS, SampleWindow } from './sample-window.js';

test('the failure count follows the samples in and out (capacity and trim); list() gives them back', () => {
  const window = new SampleWindow(4);
  window.push(1, { ok: false, latencyMs: 10, model: 'm1' });
  window.push(2, { ok: true, latencyMs: 20 });
  window.push(3, { ok: false, model: 'm2' });
  assert.deepEqual([window.size, window.failures, window.errorRate], [3, 2, 2 / 3]);
  window.push(4, { ok: true, latencyMs: 40, model: 'm1' });
  window.push(5, { ok: true }); // full: the failure at 1 is dropped
  assert.deepEqual([window.size, window.failures], [4, 1]);
  assert.deepEqual(window.list(), [
    { at: 2, ok: true, latencyMs: 20 },
    { at: 3, ok: false, model: 'm2' },
    { at: 4, ok: true, latencyMs: 40, model: 'm1' },
    { at: 5, ok: true },
  ]);
  window.trim(4); // drops 2 and the failure at 3
  assert.deepEqual([window.size, window.failures, window.errorRate], [2, 0, 0]);
  window.trim(10);
  assert.deepEqual([window.size, window.failures, window.errorRate], [0, 0, 0]);
});

test(`past ${MAX_LABELS} distinct model names, a new one is recorded as "other"`, () => {
  const window = new SampleWindow(MAX_LABELS + 10);
  for (let i = 0; i < MAX_LABELS + 5; i++) window.push(i, { ok: true, model: `model-${i}` });
  const models = window.list().map((s) => s.model);
  assert.equal(models[MAX_LABELS - 1], `model-${MAX_LABELS - 1}`);
  assert.deepEqual(models.slice(MAX_LABELS), ['other', 'other', 'other', 'other', 'other']);
  window.push(MAX_LABELS + 5, { ok: true, model: 'model-3' });
  assert.equal(window.list().at(-1)!.model, 'model-3', 'a known name keeps its label');
});
