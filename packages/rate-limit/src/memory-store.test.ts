import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { MemoryLimitStore } from './memory-store.js';
import { storeContract } from './store-contract.test.helper.js';

describe('MemoryLimitStore', () => {
  storeContract(test, () => new MemoryLimitStore());

  test('idle keys are swept out of memory', async () => {
    const store = new MemoryLimitStore({ sweepIntervalMs: 60_000 });
    const w = { windowMs: 60_000, bucketMs: 1_000 };
    const base = { tokenWindow: w, requestWindow: w, limits: { requests: 10 }, inputTokens: 1, outputTokens: 0, leaseMs: 1_000 };
    await store.reserve({ ...base, key: 'a', id: randomUUID(), now: 1_000_000 });
    assert.equal(store.size, 1);
    await store.reserve({ ...base, key: 'b', id: randomUUID(), now: 1_000_000 + 5 * 60_000 });
    assert.equal(store.size, 1, 'key a aged out and was dropped');
  });
});
