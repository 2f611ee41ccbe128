import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestStoreServer } from '@switchyard/stores/testing';
import { toExpress } from '@switchyard/core/express';
import { toKoa } from '@switchyard/core/koa';
import type { ExchangeMiddleware, Target } from '@switchyard/core';
import { providerLimits as providerLimitsExpress } from './express.js';
import { chat, serve, terminal } from './harness.test.helper.js';
import { providerLimits as providerLimitsKoa } from './koa.js';
import { ProviderLimiter, providerLimitsFromConfig, type ProviderLimiterOptions } from './provider-limiter.js';
import { RedisLimitStore } from './redis-store.js';
import { parseDurationMs, parseUpstreamHeadroom } from './upstream-headers.js';

const A: Target = { provider: 'openai', model: 'gpt-4o' };
const B: Target = { provider: 'azure', model: 'gpt-4o' };

describe('ProviderLimiter', () => {
  test('requests per minute roll; a released lease books real tokens', async () => {
    let now = 1_700_000_000_000;
    const limiter = new ProviderLimiter({ providers: { openai: { requestsPerMinute: 2, tokensPerMinute: 1000 } }, now: () => now });
    const l1 = await limiter.tryAcquire(A, 400);
    const l2 = await limiter.tryAcquire(A, 400);
    assert.equal(l1.ok && l2.ok, true);
    const l3 = await limiter.tryAcquire(A, 1);
    assert.equal(l3.ok, false);
    assert.equal(l3.reason, 'openai: requests_per_minute');
    assert.ok(l3.retryAfterMs > 60_000 && l3.retryAfterMs <= 61_000);
    await l1.release({ inputTokens: 10, outputTokens: 10 });
    await l2.release({ inputTokens: 10, outputTokens: 10 });
    now += 61_000;
    const big = await limiter.tryAcquire(A, 1000);
    assert.equal(big.ok, true, '1000 tokens fit exactly once the earlier 40 left the minute');
    assert.equal((await limiter.tryAcquire(A, 1)).reason, 'openai: tokens_per_minute');
  });

  test('model limits and concurrency; a refused target holds nothing', async () => {
    const limiter = new ProviderLimiter({ providers: { openai: { requestsPerMinute: 100 } }, models: { 'openai/gpt-4o': { concurrentRequests: 1 } } });
    const held = await limiter.tryAcquire(A, 10);
    assert.equal(held.ok, true);
    const refused = await limiter.tryAcquire(A, 10);
    assert.equal(refused.reason, 'openai/gpt-4o: concurrent_requests');
    assert.equal((await limiter.tryAcquire({ provider: 'openai', model: 'gpt-4o-mini' }, 10)).ok, true, 'another model is not limited');
    await held.release();
    assert.equal((await limiter.tryAcquire(A, 10)).ok, true);
  });

  test('upstream rate-limit headers update the local headroom', async () => {
    let now = 1_700_000_000_000;
    const limiter = new ProviderLimiter({ now: () => now });
    assert.equal(limiter.governs(B), false);
    limiter.observeHeaders('azure', { 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-remaining-tokens': '5000' });
    assert.equal((await limiter.tryAcquire(B, 100)).ok, true, 'one request left');
    const out = await limiter.tryAcquire(B, 100);
    assert.equal(out.ok, false);
    assert.equal(out.retryAfterMs, 2000);
    now += 2001;
    assert.equal((await limiter.tryAcquire(B, 100)).ok, true, 'the upstream window reset');
    limiter.observeHeaders(
      B,
      new Headers({ 'anthropic-ratelimit-tokens-remaining': '50', 'anthropic-ratelimit-tokens-reset': new Date(now + 10_000).toISOString() }),
    );
    assert.equal((await limiter.tryAcquire(B, 100)).reason, 'azure/gpt-4o: upstream tokens');
  });

  test('parses upstream header formats', () => {
    assert.equal(parseDurationMs('6m0s'), 360_000);
    assert.equal(parseDurationMs('59.5ms'), 59.5);
    assert.equal(parseDurationMs('1h2m3s'), 3_723_000);
    assert.equal(parseDurationMs('soon'), undefined);
    assert.deepEqual(parseUpstreamHeadroom({ 'Retry-After': '3' }, 1000), { blockedUntil: 4000 });
  });

  test('config block and bad options', () => {
    assert.deepEqual(
      providerLimitsFromConfig([
        { name: 'openai', rate_limit: { requests_per_minute: 500, tokens_per_minute: 90000, concurrent_requests: 50 } },
        { name: 'x' },
      ]),
      {
        openai: { requestsPerMinute: 500, tokensPerMinute: 90000, concurrentRequests: 50 },
      },
    );
    assert.throws(() => new ProviderLimiter({ providers: { openai: { requestsPerMinute: -1 } } }), TypeError);
    assert.throws(() => new ProviderLimiter({ providers: { openai: { rpm: 1 } as never } }), /openai\.rpm/);
  });
});

/** Planning stub: every request is planned for [openai, azure]. */
const plan: ExchangeMiddleware = async function plan(exchange, next) {
  exchange.plan = {
    strategy: 'priority',
    targets: [
      { ...A, reason: 'first' },
      { ...B, reason: 'second' },
    ],
  };
  await next();
};

for (const framework of ['koa', 'express'] as const) {
  for (const backend of ['memory', 'redis'] as const) {
    describe(`providerLimits failover (${framework}, ${backend})`, () => {
      let redis: TestStoreServer | undefined;
      let client: Redis | undefined;
      before(async () => {
        if (backend !== 'redis') return;
        redis = await startRedis();
        client = new Redis(redis.url);
      });
      after(async () => {
        client?.disconnect();
        await redis?.stop();
      });

      /** The plan, the provider limits (on this backend) and the terminal, on this framework. */
      async function limitedServer(options: ProviderLimiterOptions) {
        if (client) options.store = new RedisLimitStore({ client, prefix: `p:${randomUUID()}:` });
        const limiter = new ProviderLimiter(options);
        const server = await serve(framework, {
          koa: [toKoa(plan), providerLimitsKoa({ limiter, estimateTokens: () => 10 }), toKoa(terminal())],
          express: [toExpress(plan), providerLimitsExpress({ limiter, estimateTokens: () => 10 }), toExpress(terminal())],
        });
        return { limiter, server };
      }

      test('a full provider is skipped, then 429 when every provider is full', async () => {
        const options: ProviderLimiterOptions = { providers: { openai: { requestsPerMinute: 2 }, azure: { requestsPerMinute: 1 } } };
        const { server } = await limitedServer(options);
        try {
          const served: string[] = [];
          for (let i = 0; i < 3; i++) {
            const res = await chat(server.url, undefined);
            assert.equal(res.status, 200);
            served.push(res.json().target.provider);
          }
          assert.deepEqual(served, ['openai', 'openai', 'azure']);
          const full = await chat(server.url, undefined);
          assert.equal(full.status, 429);
          assert.equal(full.json().error.code, 'provider_rate_limited');
          assert.ok(Number(full.headers.get('retry-after')) >= 1);
        } finally {
          await server.close();
        }
      });

      test('a request that was never sent does not count against the requests per minute of its provider', async () => {
        const options: ProviderLimiterOptions = { providers: { openai: { requestsPerMinute: 1 } } };
        const { limiter, server } = await limitedServer(options);
        try {
          assert.equal((await chat(server.url, undefined, { 'x-mode': 'not-sent' })).status, 400);
          assert.equal((await chat(server.url, undefined, { 'x-mode': 'not-sent' })).status, 400);
          // Settlement runs just after the response: wait until the request is given back.
          for (let i = 0; i < 100 && !(await limiter.hasRoom(A, 10)).ok; i++) await new Promise((r) => setTimeout(r, 20));
          const res = await chat(server.url, undefined);
          assert.equal(res.status, 200);
          assert.equal(res.json().target.provider, 'openai', 'the provider still has its one request this minute');
          const full = await chat(server.url, undefined);
          assert.equal(full.json().target.provider, 'azure', 'a request that was sent counts');
        } finally {
          await server.close();
        }
      });
    });
  }
}
