/**
 * One behaviour suite run against every LimitStore (memory and Redis), so both enforce the same
 * rolling window, the same comparison and the same settlement.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { CounterLimits, LimitStore, ReserveInput } from './store.js';

const HOUR = { windowMs: 3_600_000, bucketMs: 60_000 };
const MINUTE = { windowMs: 60_000, bucketMs: 1_000 };
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 60_000); // start of a minute bucket

type Test = (name: string, fn: (t: TestContext) => Promise<void>) => unknown;

export function storeContract(test: Test, makeStore: () => LimitStore): void {
  const ask = (store: LimitStore, key: string, now: number, limits: CounterLimits, inputTokens: number, outputTokens = 0, extra: Partial<ReserveInput> = {}) =>
    store.reserve({ key, id: randomUUID(), now, tokenWindow: HOUR, requestWindow: MINUTE, limits, inputTokens, outputTokens, leaseMs: 600_000, ...extra });

  test('the token window rolls: consumption leaves an hour after it happened, not at a fixed reset', async () => {
    const store = makeStore();
    const key = `roll-${randomUUID()}`;
    const limits = { totalTokens: 1000 };
    assert.equal((await ask(store, key, T0, limits, 600)).allowed, true);
    assert.equal((await ask(store, key, T0 + 30 * 60_000, limits, 400)).allowed, true, 'landing exactly on the limit passes');
    const full = await ask(store, key, T0 + 31 * 60_000, limits, 1);
    assert.equal(full.allowed, false);
    assert.equal(full.rejectedBy, 'totalTokens');
    // The 600 from T0 free up when their minute bucket leaves the (60 + 1)-bucket window.
    assert.equal(full.retryAfterMs, T0 + 61 * 60_000 - (T0 + 31 * 60_000));
    assert.equal((await ask(store, key, T0 + 60 * 60_000, limits, 1)).allowed, false, 'still inside the hour');
    const after = T0 + 61 * 60_000;
    assert.equal((await ask(store, key, after, limits, 601)).allowed, false, 'the 400 from minute 30 still count');
    assert.equal((await ask(store, key, after, limits, 600)).allowed, true);
    const usage = await store.usage(key, after, HOUR, MINUTE);
    assert.equal(usage.inputTokens, 1000);
  });

  test('every limit uses the same comparison: exactly on the limit passes, one over fails', async () => {
    const store = makeStore();
    const cases: Array<[CounterLimits, number, number]> = [
      [{ inputTokens: 100 }, 100, 0],
      [{ outputTokens: 100 }, 0, 100],
      [{ totalTokens: 100 }, 60, 40],
    ];
    for (const [limits, i, o] of cases) {
      const key = `eq-${randomUUID()}`;
      assert.equal((await ask(store, key, T0, limits, i, o)).allowed, true, JSON.stringify(limits));
      const over = await ask(store, key, T0, limits, i > 0 ? 1 : 0, o > 0 ? 1 : 0);
      assert.equal(over.allowed, false, JSON.stringify(limits));
    }
    const rKey = `req-${randomUUID()}`;
    for (let n = 0; n < 3; n++) assert.equal((await ask(store, rKey, T0, { requests: 3 }, 0)).allowed, true);
    const r = await ask(store, rKey, T0 + 500, { requests: 3 }, 0);
    assert.equal(r.rejectedBy, 'requests');
    assert.equal(r.retryAfterMs, 61_000 - 500, 'requests free up when their second leaves the 61 s window');
    const cKey = `conc-${randomUUID()}`;
    for (let n = 0; n < 2; n++) assert.equal((await ask(store, cKey, T0, { concurrent: 2 }, 0)).allowed, true);
    assert.equal((await ask(store, cKey, T0, { concurrent: 2 }, 0)).rejectedBy, 'concurrent');
  });

  test('a request larger than a limit on its own can never pass (retryAfter Infinity)', async () => {
    const store = makeStore();
    const d = await ask(store, `big-${randomUUID()}`, T0, { outputTokens: 1000 }, 10, 4096);
    assert.equal(d.allowed, false);
    assert.equal(d.rejectedBy, 'outputTokens');
    assert.equal(d.retryAfterMs, Infinity);
  });

  test('settling replaces the reservation with real usage and frees the concurrency slot', async () => {
    const store = makeStore();
    const key = `settle-${randomUUID()}`;
    const limits = { totalTokens: 5000, concurrent: 1 };
    const id = randomUUID();
    assert.equal((await ask(store, key, T0, limits, 1000, 2000, { id })).allowed, true);
    assert.equal((await ask(store, key, T0 + 1000, limits, 1)).rejectedBy, 'concurrent');
    await store.settle({
      key,
      id,
      now: T0 + 5 * 60_000,
      reservedAt: T0,
      tokenWindow: HOUR,
      reserved: { inputTokens: 1000, outputTokens: 2000 },
      actual: { inputTokens: 900, outputTokens: 150 },
    });
    const u = await store.usage(key, T0 + 5 * 60_000, HOUR, MINUTE);
    assert.deepEqual({ i: u.inputTokens, o: u.outputTokens, c: u.concurrent }, { i: 900, o: 150, c: 0 });
    // Real usage is booked at settlement time, so it stays counted an hour from then.
    const later = await store.usage(key, T0 + 62 * 60_000, HOUR, MINUTE);
    assert.equal(later.inputTokens + later.outputTokens, 1050);
    assert.equal((await ask(store, key, T0 + 6 * 60_000, limits, 3950)).allowed, true, '5000 - 1050 fits exactly');
  });

  test('settling a request that was never sent gives its request back', async () => {
    const store = makeStore();
    const key = `refund-${randomUUID()}`;
    const limits = { requests: 1 };
    const id = randomUUID();
    assert.equal((await ask(store, key, T0, limits, 10, 0, { id })).allowed, true);
    assert.equal((await ask(store, key, T0 + 2_000, limits, 10)).rejectedBy, 'requests');
    await store.settle({
      key,
      id,
      now: T0 + 3_000,
      reservedAt: T0,
      tokenWindow: HOUR,
      refundRequestIn: MINUTE,
      reserved: { inputTokens: 10, outputTokens: 0 },
      actual: { inputTokens: 0, outputTokens: 0 },
    });
    assert.equal((await store.usage(key, T0 + 3_000, HOUR, MINUTE)).requests, 0);
    assert.equal((await ask(store, key, T0 + 4_000, limits, 10)).allowed, true);
    // A plain settlement keeps the request counted.
    const kept = randomUUID();
    const key2 = `kept-${randomUUID()}`;
    await ask(store, key2, T0, limits, 10, 0, { id: kept });
    await store.settle({
      key: key2,
      id: kept,
      now: T0 + 3_000,
      reservedAt: T0,
      tokenWindow: HOUR,
      reserved: { inputTokens: 10, outputTokens: 0 },
      actual: { inputTokens: 0, outputTokens: 0 },
    });
    assert.equal((await store.usage(key2, T0 + 3_000, HOUR, MINUTE)).requests, 1);
  });

  test('a block of requests counts each of them, and settling gives back the unused ones', async () => {
    const store = makeStore();
    const key = `block-${randomUUID()}`;
    const limits = { requests: 10, totalTokens: 1000 };
    const id = randomUUID();
    const block = await ask(store, key, T0, limits, 400, 200, { id, requests: 8 });
    assert.equal(block.allowed, true);
    assert.deepEqual(await store.usage(key, T0, HOUR, MINUTE), { inputTokens: 400, outputTokens: 200, requests: 8, concurrent: 1 });
    const tooMany = await ask(store, key, T0 + 100, limits, 1, 0, { requests: 3 });
    assert.deepEqual([tooMany.allowed, tooMany.rejectedBy], [false, 'requests']);
    assert.equal(tooMany.retryAfterMs, 61_000 - 100, 'the block leaves with its second');
    assert.equal((await ask(store, key, T0 + 100, limits, 1, 0, { requests: 2 })).allowed, true, 'landing on the limit passes');
    // The block used 5 of its 8 requests, 250 input and 90 output tokens.
    await store.settle({
      key,
      id,
      now: T0 + 900,
      reservedAt: T0,
      tokenWindow: HOUR,
      refundRequestIn: MINUTE,
      refundRequests: 3,
      reserved: { inputTokens: 400, outputTokens: 200 },
      actual: { inputTokens: 250, outputTokens: 90 },
    });
    assert.deepEqual(await store.usage(key, T0 + 900, HOUR, MINUTE), { inputTokens: 251, outputTokens: 90, requests: 7, concurrent: 1 });
  });

  test('peek writes nothing; force writes past the limit', async () => {
    const store = makeStore();
    const key = `modes-${randomUUID()}`;
    assert.equal((await ask(store, key, T0, { totalTokens: 10 }, 10, 0, { mode: 'peek' })).allowed, true);
    assert.equal((await store.usage(key, T0, HOUR, MINUTE)).inputTokens, 0);
    await ask(store, key, T0, { totalTokens: 10 }, 50, 0, { mode: 'force' });
    const u = await store.usage(key, T0, HOUR, MINUTE);
    assert.deepEqual({ i: u.inputTokens, r: u.requests, c: u.concurrent }, { i: 50, r: 1, c: 0 });
  });

  test('parallel reservations never over-admit', async () => {
    const store = makeStore();
    const key = `race-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 60 }, () => ask(store, key, T0, { totalTokens: 1000, concurrent: 50 }, 100)));
    assert.equal(results.filter((r) => r.allowed).length, 10);
    const cKey = `race-c-${randomUUID()}`;
    const conc = await Promise.all(Array.from({ length: 40 }, () => ask(store, cKey, T0, { concurrent: 7 }, 1)));
    assert.equal(conc.filter((r) => r.allowed).length, 7);
  });

  test('budget modes: strict holds max_tokens, capped holds what is left, soft admits while under the limit', async () => {
    const store = makeStore();
    const limits = { totalTokens: 5000 };
    // strict: 100 in + 4000 out held; a second such request does not fit.
    const strict = `strict-${randomUUID()}`;
    const s1 = await ask(store, strict, T0, limits, 100, 4000);
    assert.deepEqual([s1.allowed, s1.reserved], [true, undefined]);
    assert.equal((await ask(store, strict, T0, limits, 100, 4000)).rejectedBy, 'totalTokens');
    // capped: the second request holds the 800 output tokens left; a third has no room for its input.
    const capped = `capped-${randomUUID()}`;
    const c1 = await ask(store, capped, T0, limits, 100, 4000, { budget: 'capped' });
    assert.deepEqual([c1.allowed, c1.reserved], [true, { inputTokens: 100, outputTokens: 4000 }]);
    const c2 = await ask(store, capped, T0, limits, 100, 4000, { budget: 'capped' });
    assert.deepEqual([c2.allowed, c2.reserved], [true, { inputTokens: 100, outputTokens: 800 }]);
    const c3 = await ask(store, capped, T0, limits, 100, 4000, { budget: 'capped' });
    assert.deepEqual([c3.allowed, c3.rejectedBy], [false, 'totalTokens']);
    assert.equal((await store.usage(capped, T0, HOUR, MINUTE)).outputTokens, 4800);
    // An output limit caps too.
    const out = await ask(store, `capped-out-${randomUUID()}`, T0, { outputTokens: 300 }, 100, 4000, { budget: 'capped' });
    assert.deepEqual(out.reserved, { inputTokens: 100, outputTokens: 300 });
    // soft: nothing held, so any number pass while the settled usage is under the limit.
    const soft = `soft-${randomUUID()}`;
    for (let n = 0; n < 5; n++) {
      const d = await ask(store, soft, T0, limits, 100, 4000, { budget: 'soft' });
      assert.deepEqual([d.allowed, d.reserved], [true, { inputTokens: 0, outputTokens: 0 }]);
    }
    await ask(store, soft, T0, limits, 4999, 0, { mode: 'force' });
    assert.equal((await ask(store, soft, T0, limits, 100, 4000, { budget: 'soft' })).allowed, true, '4999 used: still under');
    await ask(store, soft, T0, limits, 1, 0, { mode: 'force' });
    const full = await ask(store, soft, T0 + 1000, limits, 100, 4000, { budget: 'soft' });
    assert.deepEqual([full.allowed, full.rejectedBy], [false, 'totalTokens']);
    assert.equal(full.retryAfterMs, 61 * 60_000 - 1000, 'free again when the first minute leaves the window');
    assert.equal(
      (await ask(store, `soft0-${randomUUID()}`, T0, { totalTokens: 0 }, 1, 1, { budget: 'soft' })).retryAfterMs,
      Infinity,
      'a zero budget never admits',
    );
  });
}
