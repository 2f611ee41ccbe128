import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { AllowanceLimitStore } from './allowance-store.js';
import { FallbackLimitStore } from './fallback-store.js';
import { RedisLimitStore } from './redis-store.js';
import { storeContract } from './store-contract.test.helper.js';

describe('RedisLimitStore (real redis-server)', () => {
  let server: TestStoreServer;
  let client: Redis;
  before(async () => {
    server = await startRedis();
    client = new Redis(server.url, { enableOfflineQueue: true });
  });
  after(async () => {
    client.disconnect();
    await server.stop();
  });

  storeContract(test, () => new RedisLimitStore({ client, prefix: `t:${randomUUID()}:` }));

  test('two instances taking blocks from one Redis never admit more than the limit, and give back what they held', async () => {
    const prefix = `blocks:${randomUUID()}:`;
    const shared = new RedisLimitStore({ client, prefix });
    const [a, b] = [new AllowanceLimitStore({ store: shared }), new AllowanceLimitStore({ store: shared })];
    const w = { tokenWindow: { windowMs: 3_600_000, bucketMs: 60_000 }, requestWindow: { windowMs: 60_000, bucketMs: 1_000 } };
    const limits = { requests: 100, totalTokens: 10_000_000 };
    const ask = (store: AllowanceLimitStore) =>
      store.reserve({ key: 'k:blocks', id: randomUUID(), now: Date.now(), ...w, limits, inputTokens: 10, outputTokens: 10, leaseMs: 30_000 });
    const decisions = await Promise.all(Array.from({ length: 160 }, (_, i) => ask(i % 2 ? a : b)));
    const admitted = decisions.filter((d) => d.allowed).length;
    assert.ok(admitted <= 100 && admitted >= 80, `${admitted} admitted of a limit of 100`);
    await Promise.all([a.close(), b.close()]);
    assert.equal((await shared.usage('k:blocks', Date.now(), w.tokenWindow, w.requestWindow)).requests, admitted);
  });

  test('every decision is one script call; keys carry one hash tag and expire', async () => {
    const prefix = `tag:${randomUUID()}:`;
    const store = new RedisLimitStore({ client, prefix });
    const w = { windowMs: 60_000, bucketMs: 1_000 };
    await store.reserve({
      key: 'k:abc',
      id: 'r1',
      now: Date.now(),
      tokenWindow: w,
      requestWindow: w,
      limits: { requests: 5 },
      inputTokens: 3,
      outputTokens: 4,
      leaseMs: 30_000,
    });
    const keys = (await client.keys(`${prefix}*`)).sort();
    assert.deepEqual(keys, [`${prefix}{k:abc}:b`, `${prefix}{k:abc}:c`]);
    const ttl = await client.pttl(`${prefix}{k:abc}:b`);
    assert.ok(ttl > 0 && ttl <= 61_000, `ttl ${ttl}`);
  });
});

describe('FallbackLimitStore over an unreachable Redis', () => {
  const w = { windowMs: 60_000, bucketMs: 1_000 };
  const input = () => ({
    key: 'k:x',
    id: randomUUID(),
    now: Date.now(),
    tokenWindow: w,
    requestWindow: w,
    limits: { requests: 1 },
    inputTokens: 1,
    outputTokens: 0,
    leaseMs: 1000,
  });
  const deadClient = () =>
    new Redis({ host: '127.0.0.1', port: 1, enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });

  test('open: decides with a local limiter, reports and counts the failure', async () => {
    const client = deadClient();
    const counted: Array<Record<string, string>> = [];
    const reported: string[] = [];
    const store = new FallbackLimitStore({
      primary: new RedisLimitStore({ client }),
      policy: 'open',
      errorCounter: { inc: (labels) => counted.push(labels) },
      onStoreError: (_err, info) => reported.push(info.operation),
    });
    const first = await store.reserve(input());
    assert.equal(first.allowed, true);
    assert.equal(first.fallback, true);
    assert.equal((await store.reserve(input())).allowed, false, 'the local limiter still enforces the limit');
    assert.deepEqual(counted[0], { operation: 'reserve', policy: 'open' });
    assert.deepEqual(reported, ['reserve', 'reserve']);
    client.disconnect();
  });

  test('closed: refuses with a 503 carrying Retry-After', async () => {
    const client = deadClient();
    const store = new FallbackLimitStore({ primary: new RedisLimitStore({ client }), policy: 'closed' });
    await assert.rejects(
      store.reserve(input()),
      (err: { status: number; headers: Record<string, string> }) => err.status === 503 && err.headers['retry-after'] === '1',
    );
    client.disconnect();
  });
});
