import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, type KeyValueStore } from '@switchyard/core';
import { sharedFlags } from './shared-state.js';

/** A store that counts its reads and can be told to fail them. */
function countingStore(inner: KeyValueStore = new MemoryStore({ sweepIntervalMs: 0 })) {
  const counts = { reads: 0 };
  let failing = false;
  const store: KeyValueStore = {
    get: async <T>(key: string) => {
      counts.reads++;
      if (failing) throw new Error('store down');
      return inner.get<T>(key);
    },
    set: (key, value, ttlMs) => inner.set(key, value, ttlMs),
    delete: (key) => inner.delete(key),
    increment: (key, by, ttlMs) => inner.increment(key, by, ttlMs),
  };
  return { store, counts, fail: (on: boolean) => (failing = on) };
}

describe('sharedFlags', () => {
  it('reads a key from the store once per refresh period, however many reads ask for it', async () => {
    let now = 1_000;
    const { store, counts } = countingStore();
    const flags = sharedFlags(store, 'p:', { refreshMs: 500, now: () => now });
    await store.set('p:breaker:a:m', 9_000, 60_000);
    // Concurrent reads share the one on its way.
    assert.deepEqual(await Promise.all([flags.get('breaker:a:m'), flags.get('breaker:a:m'), flags.get('breaker:a:m')]), [9_000, 9_000, 9_000]);
    assert.equal(counts.reads, 1);
    now += 499;
    assert.equal(await flags.get('breaker:a:m'), 9_000);
    assert.equal(await flags.get('cooldown:a:m'), undefined);
    assert.equal(counts.reads, 2, 'one read per key');
    now += 1;
    assert.equal(await flags.get('breaker:a:m'), 9_000);
    assert.equal(counts.reads, 3, 'read again once the period is over');
  });

  it("sees another instance's opening at most one period late, and its own writes at once", async () => {
    let now = 1_000;
    const shared = new MemoryStore({ sweepIntervalMs: 0 });
    const one = sharedFlags(shared, 'p:', { refreshMs: 500, now: () => now });
    const two = sharedFlags(shared, 'p:', { refreshMs: 500, now: () => now });
    assert.equal(await two.get('breaker:a:m'), undefined);
    await one.set('breaker:a:m', 31_000, 30_000);
    assert.equal(await one.get('breaker:a:m'), 31_000, 'the writer knows at once');
    assert.equal(await two.get('breaker:a:m'), undefined, 'within the period the other still has its read');
    now += 500;
    assert.equal(await two.get('breaker:a:m'), 31_000);
    await one.delete('breaker:a:m');
    assert.equal(await one.get('breaker:a:m'), undefined);
    now += 500;
    assert.equal(await two.get('breaker:a:m'), undefined);
  });

  it('does not keep a failed read: the next read asks the store again', async () => {
    const { store, counts, fail } = countingStore();
    const flags = sharedFlags(store, 'p:', { refreshMs: 60_000 });
    fail(true);
    await assert.rejects(flags.get('breaker:a:m'), /store down/);
    fail(false);
    await store.set('p:breaker:a:m', 5, 60_000);
    assert.equal(await flags.get('breaker:a:m'), 5);
    assert.equal(counts.reads, 2);
  });

  it('with refreshMs 0 reads the store every time, and ignores values that are not numbers', async () => {
    const { store, counts } = countingStore();
    const flags = sharedFlags(store, '', { refreshMs: 0 });
    await store.set('breaker:a:m', 'soon', 60_000);
    assert.equal(await flags.get('breaker:a:m'), undefined);
    assert.equal(await flags.get('breaker:a:m'), undefined);
    assert.equal(counts.reads, 2);
  });
});
