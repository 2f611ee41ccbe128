import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { rateLimitOptionsFromConfig } from './config.js';
import { ProviderLimiter } from './provider-limiter.js';
import { RateLimiter } from './rate-limiter.js';
import { RedisLimitStore } from './redis-store.js';

let server: TestStoreServer;
before(async () => {
  server = await startRedis();
});
after(() => server.stop());

// Renewed every 500 ms: an event loop would have to stall a whole second to lose a live lease.
const LEASE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A limiter on its own Redis connection: an instance of the gateway. */
function instance(prefix: string) {
  const client = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  return { client, limiter: new RateLimiter({ store: new RedisLimitStore({ client, prefix }), onStoreError: 'closed', leaseMs: LEASE_MS }) };
}
async function connected(client: Redis): Promise<void> {
  if (client.status !== 'ready') await new Promise((r) => client.once('ready', r));
}

test('a running request keeps its concurrency slot past the lease; a dead holder frees it within one lease', async () => {
  const prefix = `lease:${randomUUID()}:`;
  const a = instance(prefix);
  const b = instance(prefix);
  await Promise.all([connected(a.client), connected(b.client)]);
  const limits = { concurrentRequests: 1 };
  const ask = { inputTokens: 1, outputTokens: 1 };
  try {
    const held = await a.limiter.reserve('k:key_1', limits, ask);
    assert.equal(held.decision.allowed, true);
    // A is alive for four leases: its renewals keep B out the whole time.
    for (let i = 0; i < 8; i++) {
      await sleep(LEASE_MS / 2);
      const tried = await b.limiter.reserve('k:key_1', limits, ask);
      assert.equal(tried.decision.allowed, false, `B was admitted after ${((i + 1) * LEASE_MS) / 2} ms while A still ran`);
      assert.equal(tried.decision.rejectedBy, 'concurrent');
    }
    // A dies (its connection is gone, nothing renews or settles): the slot frees within a lease.
    a.client.disconnect();
    const died = Date.now();
    let admitted: number | undefined;
    while (admitted === undefined && Date.now() - died < 30_000) {
      if ((await b.limiter.reserve('k:key_1', limits, ask)).decision.allowed) admitted = Date.now() - died;
      else await sleep(50);
    }
    assert.ok(admitted !== undefined, 'the dead holder kept its slot');
    // Generous bound: the slot must not outlive the dead holder by more than a few leases.
    assert.ok(admitted < 10 * LEASE_MS, `freed after ${admitted} ms`);
  } finally {
    a.client.disconnect();
    b.client.disconnect();
  }
});

test('provider concurrency leases are renewed while held and freed by release', async () => {
  const client = new Redis(server.url, { enableOfflineQueue: true });
  try {
    const store = new RedisLimitStore({ client, prefix: `please:${randomUUID()}:` });
    const limiter = new ProviderLimiter({ providers: { up: { concurrentRequests: 1 } }, store, leaseMs: LEASE_MS });
    const target = { provider: 'up', model: 'm' };
    const lease = await limiter.tryAcquire(target, 1);
    assert.equal(lease.ok, true);
    await sleep(LEASE_MS * 3);
    assert.equal((await limiter.tryAcquire(target, 1)).ok, false, 'the held slot outlived its lease only through renewal');
    await lease.release();
    assert.equal((await limiter.tryAcquire(target, 1)).ok, true);
  } finally {
    client.disconnect();
  }
});

test('rate_limits.lease: 30 s by default, durations and milliseconds accepted', () => {
  const base = {
    on_store_error: 'open' as const,
    default_output_tokens: 1024,
    default_limits: {
      total_tokens_per_hour: null,
      input_tokens_per_hour: null,
      output_tokens_per_hour: null,
      requests_per_minute: null,
      concurrent_requests: null,
    },
  };
  assert.equal(rateLimitOptionsFromConfig(base).leaseMs, 30_000);
  assert.equal(rateLimitOptionsFromConfig({ ...base, lease: '5s' }).leaseMs, 5000);
  assert.equal(rateLimitOptionsFromConfig({ ...base, lease: '750' }).leaseMs, 750);
  assert.throws(() => rateLimitOptionsFromConfig({ ...base, lease: 'soon' }), /duration/);
});
