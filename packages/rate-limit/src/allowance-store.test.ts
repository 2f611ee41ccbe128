import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { AllowanceLimitStore } from './allowance-store.js';
import { MemoryLimitStore } from './memory-store.js';
import type { CounterLimits, LimitStore, ReserveInput, SettleInput } from './store.js';

const HOUR = { windowMs: 3_600_000, bucketMs: 60_000 };
const MINUTE = { windowMs: 60_000, bucketMs: 1_000 };
const T0 = 1_700_000_040_000; // the start of a second, 40 s into a minute

/** A MemoryLimitStore that counts the calls reaching it (as round trips to Redis or the primary would be). */
function counted(inner = new MemoryLimitStore()) {
  const calls = { reserve: 0, settle: 0 };
  const store: LimitStore = {
    reserve: async (input) => {
      calls.reserve++;
      await sleep(1); // a round trip: requests arriving meanwhile must not each take a block
      return inner.reserve(input);
    },
    settle: async (input) => {
      calls.settle++;
      return inner.settle(input);
    },
    renew: (input) => inner.renew(input),
    usage: (...args) => inner.usage(...args),
  };
  return { store, calls, inner };
}

function asker(store: LimitStore, key: string, limits: CounterLimits) {
  return (now: number, inputTokens = 100, outputTokens = 50, extra: Partial<ReserveInput> = {}) => {
    const id = randomUUID();
    const input = { key, id, now, tokenWindow: HOUR, requestWindow: MINUTE, limits, inputTokens, outputTokens, leaseMs: 30_000, ...extra };
    return store.reserve(input).then((decision) => ({ decision, id }));
  };
}

function settleInput(key: string, id: string, now: number, reserved: [number, number], actual: [number, number]): SettleInput {
  return {
    key,
    id,
    now,
    reservedAt: now,
    tokenWindow: HOUR,
    reserved: { inputTokens: reserved[0], outputTokens: reserved[1] },
    actual: { inputTokens: actual[0], outputTokens: actual[1] },
  };
}

describe('AllowanceLimitStore', () => {
  test('a busy key takes blocks that grow, so most requests cost no call to the shared store', async () => {
    const { store, calls, inner } = counted();
    const allowance = new AllowanceLimitStore({ store, maxRequests: 32, now: () => T0 });
    const ask = asker(allowance, 'k:busy', { totalTokens: 10_000_000, requests: 10_000 });
    for (let i = 0; i < 100; i++) assert.equal((await ask(T0)).decision.allowed, true);
    // The first alone (it tells the key's usage), then blocks of 2, 4, 8, 16, 32, 32, 32: eight
    // reservations. Blocks that ran out stay open for their requests' settlements until they end.
    assert.equal(calls.reserve, 8);
    assert.equal(calls.settle, 0);
    await allowance.close();
    assert.equal(calls.settle, 7, 'one settlement per block');
    const used = await inner.usage('k:busy', T0, HOUR, MINUTE);
    // The first request's lease is held until it settles (blocks hold none for their requests).
    assert.deepEqual(
      used,
      { inputTokens: 100 * 100, outputTokens: 100 * 50, requests: 100, concurrent: 1 },
      'unused requests given back, asks of running requests kept',
    );
  });

  test('requests arriving while a block is on its way share it instead of each taking one', async () => {
    const { store, calls } = counted();
    const allowance = new AllowanceLimitStore({ store, maxRequests: 32, now: () => T0 });
    const ask = asker(allowance, 'k:burst', { requests: 1000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => ask(T0)));
    assert.equal(results.filter((r) => r.decision.allowed).length, 20);
    // The first alone (the key's usage was not known), then one block for the 19 that waited.
    assert.equal(calls.reserve, 2);
    await allowance.close();
  });

  test('instances sharing a store never admit more than the limit, and nothing held is lost', async () => {
    const shared = new MemoryLimitStore();
    const a = new AllowanceLimitStore({ store: counted(shared).store, now: () => T0 });
    const b = new AllowanceLimitStore({ store: counted(shared).store, now: () => T0 });
    const limits = { requests: 60, totalTokens: 1_000_000 };
    const askA = asker(a, 'k:shared', limits);
    const askB = asker(b, 'k:shared', limits);
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => (i % 2 ? askA(T0) : askB(T0))));
    const admitted = results.filter((r) => r.decision.allowed).length;
    assert.ok(admitted <= 60, `${admitted} admitted`);
    assert.ok(admitted >= 50, `blocks shrink near the limit: only ${admitted} of 60 admitted`);
    await Promise.all([a.close(), b.close()]);
    assert.equal((await shared.usage('k:shared', T0, HOUR, MINUTE)).requests, admitted, 'the blocks gave back what they did not hand out');
    const more = await Promise.all(Array.from({ length: 20 }, () => askA(T0 + 10)));
    assert.equal(more.filter((r) => r.decision.allowed).length, 60 - admitted, 'and the rest of the limit is there to take');
  });

  test('real usage settles into the open block; a request still running at its end keeps its ask until it settles', async () => {
    const { store, inner } = counted();
    const allowance = new AllowanceLimitStore({ store, now: () => T0 });
    const ask = asker(allowance, 'k:settle', { totalTokens: 1_000_000 });
    const alone = await ask(T0, 100, 500);
    await allowance.settle(settleInput('k:settle', alone.id, T0 + 1, [100, 500], [0, 0]));
    const first = await ask(T0, 100, 500);
    const second = await ask(T0, 100, 500);
    await allowance.settle(settleInput('k:settle', first.id, T0 + 5, [100, 500], [90, 20]));
    await allowance.close();
    // The block of two: 90 + 20 used, the second request's 100 + 500 still held (and the first request alone, settled with nothing).
    assert.deepEqual(await inner.usage('k:settle', T0 + 10, HOUR, MINUTE), { inputTokens: 190, outputTokens: 520, requests: 3, concurrent: 0 });
    await allowance.settle(settleInput('k:settle', second.id, T0 + 2_000, [100, 500], [80, 30]));
    assert.deepEqual(await inner.usage('k:settle', T0 + 2_000, HOUR, MINUTE), { inputTokens: 170, outputTokens: 50, requests: 3, concurrent: 0 });
  });

  test('a request settling after its block ran out still settles into the block, while the block is open', async () => {
    const { store, calls, inner } = counted();
    const allowance = new AllowanceLimitStore({ store, maxRequests: 2, now: () => T0 });
    const ask = asker(allowance, 'k:drained', { totalTokens: 1_000_000 });
    const alone = await ask(T0, 100, 500);
    await allowance.settle(settleInput('k:drained', alone.id, T0, [100, 500], [100, 5]));
    const held = [await ask(T0, 100, 500), await ask(T0, 100, 500), await ask(T0, 100, 500)];
    assert.equal(calls.reserve, 3, 'the first alone, two blocks of two');
    for (const h of held) await allowance.settle(settleInput('k:drained', h.id, T0 + 50, [100, 500], [100, 5]));
    assert.equal(calls.settle, 1, 'only the lone request settled at the store');
    await allowance.close();
    assert.deepEqual(await inner.usage('k:drained', T0 + 100, HOUR, MINUTE), { inputTokens: 400, outputTokens: 20, requests: 4, concurrent: 0 });
  });

  test('one reservation id under two keys (a provider and its model) settles into each key', async () => {
    const { store, inner } = counted();
    const allowance = new AllowanceLimitStore({ store, now: () => T0 });
    const limits = { totalTokens: 1_000_000 };
    const both = async (id: string) => {
      for (const key of ['p:a', 'm:a/x'])
        await allowance.reserve({ key, id, now: T0, tokenWindow: HOUR, requestWindow: MINUTE, limits, inputTokens: 100, outputTokens: 0, leaseMs: 30_000 });
    };
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await both(id); // the first alone, then blocks
    for (const id of ids) for (const key of ['p:a', 'm:a/x']) await allowance.settle(settleInput(key, id, T0 + 5, [100, 0], [40, 0]));
    await allowance.close();
    for (const key of ['p:a', 'm:a/x']) assert.equal((await inner.usage(key, T0 + 10, HOUR, MINUTE)).inputTokens, 120, key);
  });

  test('a block ends with the request bucket it was taken in, so no request is counted in an earlier second', async () => {
    const { store, calls, inner } = counted();
    let now = T0 + 990;
    const allowance = new AllowanceLimitStore({ store, now: () => now });
    const ask = asker(allowance, 'k:edge', { requests: 100 });
    await ask(now); // alone
    await ask(now);
    await ask(now);
    assert.equal(calls.reserve, 2, 'one block of two');
    now = T0 + 1_000;
    await ask(now);
    assert.equal(calls.reserve, 3, 'the next second takes a new block');
    await allowance.close();
    // 3 requests in the first second, 1 in the next: the first second leaves the window first.
    assert.equal((await inner.usage('k:edge', T0 + 60_999, HOUR, MINUTE)).requests, 4);
    assert.equal((await inner.usage('k:edge', T0 + 61_000, HOUR, MINUTE)).requests, 1);
  });

  test('a block nobody draws on is settled by its timer at the end of its second', async () => {
    const { store, calls, inner } = counted();
    const allowance = new AllowanceLimitStore({ store, maxRequests: 32 });
    const ask = asker(allowance, 'k:timer', { requests: 100 });
    await ask(Date.now()); // alone
    await ask(Date.now());
    assert.equal((await inner.usage('k:timer', Date.now(), HOUR, MINUTE)).requests, 3, 'and a block of two');
    await sleep(1_100);
    assert.equal(calls.settle, 1);
    assert.equal((await inner.usage('k:timer', Date.now(), HOUR, MINUTE)).requests, 2, 'the unused request given back');
  });

  test('near a limit blocks shrink to single decisions at the store, exact to the last request', async () => {
    const { store, calls } = counted();
    const allowance = new AllowanceLimitStore({ store, share: 0.1, now: () => T0 });
    const ask = asker(allowance, 'k:near', { totalTokens: 10_000 });
    const results = [];
    for (let i = 0; i < 12; i++) results.push((await ask(T0, 500, 500)).decision);
    assert.equal(results.filter((d) => d.allowed).length, 10, 'exactly the limit');
    assert.equal(results[10]!.rejectedBy, 'totalTokens');
    assert.equal(calls.reserve, 12, 'the first alone, a block of two while the limit is far, then every request alone');
  });

  test('what a block cannot hold is decided at the store: concurrency limits, capped and soft budgets, peek, force', async () => {
    const { store, calls } = counted();
    const allowance = new AllowanceLimitStore({ store, now: () => T0 });
    for (const [limits, extra] of [
      [{ concurrent: 5 }, {}],
      [{ totalTokens: 100_000 }, { budget: 'capped' }],
      [{ totalTokens: 100_000 }, { budget: 'soft' }],
      [{ totalTokens: 100_000 }, { mode: 'peek' }],
      [{ totalTokens: 100_000 }, { mode: 'force' }],
    ] as Array<[CounterLimits, Partial<ReserveInput>]>) {
      const ask = asker(allowance, `k:${randomUUID()}`, limits);
      const before = calls.reserve;
      for (let i = 0; i < 3; i++) await ask(T0, 10, 10, extra);
      assert.equal(calls.reserve - before, 3, JSON.stringify([limits, extra]));
    }
  });

  test('a key whose limits change starts a new block under the new limits', async () => {
    const { store, calls } = counted();
    const allowance = new AllowanceLimitStore({ store, now: () => T0 });
    await asker(allowance, 'k:change', { requests: 100 })(T0);
    await asker(allowance, 'k:change', { requests: 100 })(T0);
    assert.equal(calls.reserve, 2, 'the second took a block of two');
    // 3 reserved, 2 handed out: the old block's unused request is given back before the new decision.
    const tightened = await asker(allowance, 'k:change', { requests: 2 })(T0);
    assert.equal(tightened.decision.allowed, false, 'the old block does not admit past the new limit');
    assert.equal(tightened.decision.rejectedBy, 'requests');
  });

  test('a failing store fails the reservation (the fallback policy takes it) and the next one tries again', async () => {
    const inner = new MemoryLimitStore();
    let down = true;
    const store: LimitStore = {
      reserve: async (input) => {
        if (down) throw new Error('store down');
        return inner.reserve(input);
      },
      settle: (input) => inner.settle(input),
      renew: (input) => inner.renew(input),
      usage: (...args) => inner.usage(...args),
    };
    const allowance = new AllowanceLimitStore({ store, now: () => T0 });
    const ask = asker(allowance, 'k:down', { requests: 10 });
    await assert.rejects(ask(T0), /store down/);
    down = false;
    assert.equal((await ask(T0)).decision.allowed, true);
    await allowance.close();
  });

  test('options are checked', () => {
    const store = new MemoryLimitStore();
    assert.throws(() => new AllowanceLimitStore({} as never), /store is required/);
    assert.throws(() => new AllowanceLimitStore({ store, maxRequests: 0 }), /maxRequests/);
    assert.throws(() => new AllowanceLimitStore({ store, share: 0 }), /share/);
  });
});
