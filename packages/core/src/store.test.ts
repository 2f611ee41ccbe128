import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from './store.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('MemoryStore', () => {
  it('expires a value at its TTL on the injected clock, and keeps one without TTL', async () => {
    const c = clock(1_000);
    const store = new MemoryStore({ now: c.now, sweepIntervalMs: 0 });
    await store.set('a', { n: 1 }, 100);
    await store.set('b', 'forever');
    c.advance(99);
    assert.deepEqual(await store.get('a'), { n: 1 });
    c.advance(1);
    assert.equal(await store.get('a'), undefined);
    assert.equal(await store.get('b'), 'forever');
    await store.delete('b');
    assert.equal(await store.get('b'), undefined);
    store.close();
  });

  it('increment starts a missing key at 0, applies the TTL only at creation, and restarts after expiry', async () => {
    const c = clock();
    const store = new MemoryStore({ now: c.now, sweepIntervalMs: 0 });
    assert.equal(await store.increment('k', 5, 1_000), 5);
    c.advance(600);
    // A later TTL does not extend the window: it was fixed when the key was created.
    assert.equal(await store.increment('k', 2, 1_000), 7);
    assert.equal(await store.increment('k'), 8);
    c.advance(400);
    assert.equal(await store.get('k'), undefined);
    assert.equal(await store.increment('k', -3, 1_000), -3);
    store.close();
  });

  it('concurrent increments never lose an update', async () => {
    const store = new MemoryStore({ sweepIntervalMs: 0 });
    const results = await Promise.all(Array.from({ length: 50 }, () => store.increment('n', 1, 60_000)));
    assert.equal(await store.get('n'), 50);
    assert.deepEqual(
      [...results].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    store.close();
  });

  it('sweep() drops expired entries that were never read again', async () => {
    const c = clock();
    const store = new MemoryStore({ now: c.now, sweepIntervalMs: 0 });
    await store.set('short', 1, 10);
    await store.set('long', 1, 1_000);
    await store.set('none', 1);
    assert.equal(store.size, 3);
    c.advance(10);
    store.sweep();
    assert.equal(store.size, 2);
    c.advance(990);
    store.sweep();
    assert.equal(store.size, 1);
    store.close();
  });

  it('the periodic sweep runs on its interval and close() stops it', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const c = clock();
    const store = new MemoryStore({ now: c.now, sweepIntervalMs: 1_000 });
    await store.set('a', 1, 10);
    c.advance(10);
    assert.equal(store.size, 1, 'expired but not yet swept');
    t.mock.timers.tick(1_000);
    assert.equal(store.size, 0);
    store.close();
    await store.set('b', 1, 10);
    c.advance(10);
    t.mock.timers.tick(5_000);
    assert.equal(store.size, 1, 'no sweep after close()');
  });
});
