// Smoke test of the tracing micro-bench: it runs and reports a figure for each variant (no timing asserted).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tracingOverhead } from './tracing-overhead.js';

test('the tracing overhead bench measures all three variants', async () => {
  const r = await tracingOverhead(200);
  for (const v of [r.none, r.noSdk, r.sdk]) assert.ok(Number.isFinite(v) && v > 0);
});
