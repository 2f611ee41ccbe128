import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Exchange, emptyUsage, type KeyLimits } from '@switchyard/core';
import { rateLimit as rateLimitExpress } from './express.js';
import { chat, serve, stubAuth, terminal, type Framework } from './harness.test.helper.js';
import { rateLimit as rateLimitKoa } from './koa.js';
import { MemoryLimitStore } from './memory-store.js';
import { rateLimit, type RateLimitOptions } from './rate-limit.js';
import { RateLimiter } from './rate-limiter.js';
import { toExpress } from '@switchyard/core/express';
import { toKoa } from '@switchyard/core/koa';

/** A release-on-demand gate for requests that must stay in flight. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { wait: () => opened, open: () => open() };
}

async function app(framework: Framework, limits: Map<string, KeyLimits>, options: RateLimitOptions, g?: ReturnType<typeof gate>) {
  const auth = stubAuth(limits);
  return serve(framework, {
    koa: [toKoa(auth), rateLimitKoa(options), toKoa(terminal(g))],
    express: [toExpress(auth), rateLimitExpress(options), toExpress(terminal(g))],
  });
}

/** Wait until settlement listeners (which defer one tick) have run. */
const settled = () => new Promise((r) => setTimeout(r, 20));

/** Poll until the server side has settled (its 'close' may trail the client's last byte). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
}

for (const framework of ['koa', 'express'] as const) {
  describe(`rateLimit over HTTP (${framework})`, () => {
    test('allowed responses carry remaining budget; the request past the limit gets a 429 in OpenAI format', async () => {
      const limiter = new RateLimiter();
      const server = await app(framework, new Map([['a', { totalTokensPerHour: 300 }]]), { limiter, estimateInputTokens: () => 50 });
      try {
        const first = await chat(server.url, 'a', { 'x-usage': '50,100' });
        assert.equal(first.status, 200);
        assert.equal(first.headers.get('ratelimit-policy'), '"total-tokens";q=300;w=3600;qu="tokens"');
        assert.match(first.headers.get('ratelimit')!, /^"total-tokens";r=150;t=\d+$/);
        assert.equal(first.headers.get('x-ratelimit-remaining-total-tokens'), '150');
        await settled();
        assert.equal((await chat(server.url, 'a', { 'x-usage': '50,100' })).status, 200, '150 + 150 lands exactly on 300');
        await settled();
        const refused = await chat(server.url, 'a');
        assert.equal(refused.status, 429);
        assert.equal(refused.json().error.type, 'rate_limit_error');
        assert.equal(refused.json().error.code, 'rate_limit_exceeded');
        const retry = Number(refused.headers.get('retry-after'));
        assert.ok(retry > 3540 && retry <= 3660, `retry-after ${retry}`);
        assert.match(refused.headers.get('ratelimit')!, /"total-tokens";r=0;/);
      } finally {
        await server.close();
      }
    });

    test('Anthropic clients get the 429 in Anthropic format', async () => {
      const server = await app(framework, new Map([['a', { requestsPerMinute: 0 }]]), { estimateInputTokens: () => 1 });
      try {
        const res = await chat(server.url, 'a', { 'x-path': '/v1/messages' });
        assert.equal(res.status, 429);
        assert.equal(res.json().type, 'error');
        assert.equal(res.json().error.type, 'rate_limit_error');
      } finally {
        await server.close();
      }
    });

    test('reservations settle with the real usage of JSON and streamed responses; failures release them', async () => {
      const limiter = new RateLimiter();
      const server = await app(framework, new Map([['s', { inputTokensPerHour: 10_000, requestsPerMinute: 100 }]]), {
        limiter,
        estimateInputTokens: () => 500,
      });
      try {
        assert.equal((await chat(server.url, 's', { 'x-usage': '40,7' })).status, 200);
        const stream = await chat(server.url, 's', { 'x-mode': 'stream', 'x-usage': '60,9' }, { stream: true });
        assert.equal(stream.status, 200);
        assert.match(stream.text, /\[DONE\]/);
        const failed = await chat(server.url, 's', { 'x-mode': 'fail' });
        assert.equal(failed.status, 502);
        await eventually(async () => (await limiter.usage('k:s')).concurrent === 0);
        const usage = await limiter.usage('k:s');
        assert.deepEqual({ i: usage.inputTokens, o: usage.outputTokens, r: usage.requests, c: usage.concurrent }, { i: 100, o: 16, r: 3, c: 0 });
      } finally {
        await server.close();
      }
    });

    test('parallel requests never exceed the concurrency limit', async () => {
      const g = gate();
      const limiter = new RateLimiter();
      const server = await app(framework, new Map([['c', { concurrentRequests: 3 }]]), { limiter, estimateInputTokens: () => 1 }, g);
      try {
        const answered: number[] = [];
        const pending = Array.from({ length: 12 }, () => chat(server.url, 'c', { 'x-mode': 'hold' }).then((r) => (answered.push(r.status), r)));
        // The refused ones answer at once; the admitted ones wait on the gate. Wait for either
        // all the refusals or a fourth admission (no wall-clock race in the assertion).
        while (answered.length < 9 && (await limiter.usage('k:c')).concurrent <= 3) await new Promise((r) => setTimeout(r, 10));
        assert.equal((await limiter.usage('k:c')).concurrent, 3);
        assert.deepEqual(answered, Array(9).fill(429));
        g.open();
        const all = await Promise.all(pending);
        assert.equal(all.filter((r) => r.status === 200).length, 3);
        await eventually(async () => (await limiter.usage('k:c')).concurrent === 0);
        assert.equal((await limiter.usage('k:c')).concurrent, 0);
      } finally {
        g.open();
        await server.close();
      }
    });

    test('requests without a principal pass unless keyFor names a key', async () => {
      const server = await app(framework, new Map(), { defaultLimits: { requestsPerMinute: 1 }, keyFor: (ex) => ex.headers['x-tenant'] });
      try {
        assert.equal((await chat(server.url, undefined)).status, 200);
        assert.equal((await chat(server.url, undefined)).status, 200);
        assert.equal((await chat(server.url, undefined, { 'x-tenant': 't1' })).status, 200);
        assert.equal((await chat(server.url, undefined, { 'x-tenant': 't1' })).status, 429);
      } finally {
        await server.close();
      }
    });
  });
}

describe('rateLimit settlement rules', () => {
  const limiterAt = () => new RateLimiter({ store: new MemoryLimitStore() });
  const exchange = (body: Record<string, unknown> = {}) => {
    const ex = new Exchange({
      format: 'openai.chat',
      headers: {},
      body: { model: 'm', max_tokens: 200, messages: [{ role: 'user', content: 'hi' }], ...body },
    });
    ex.principal = { id: 'k1', name: 'k1', kind: 'key', limits: { totalTokensPerHour: 100_000 } };
    return ex;
  };
  const run = async (limiter: RateLimiter, ex: Exchange, options: RateLimitOptions = {}) => {
    await rateLimit({ limiter, estimateInputTokens: () => 100, ...options })(ex, async () => {});
  };

  test('the reservation is the input estimate plus max_tokens, written on the exchange', async () => {
    const limiter = limiterAt();
    const ex = exchange({ n: 2 });
    await run(limiter, ex);
    assert.deepEqual({ i: ex.reservation?.inputTokens, o: ex.reservation?.outputTokens }, { i: 100, o: 400 });
    assert.equal((await limiter.usage('k:k1')).totalTokens, 500);
  });

  test('the default sizing reserves the byte bound; a bound the budget refuses is asked again with the exact count', async () => {
    const { estimateInputTokens, inputTokenBound, loadTokenCounter } = await import('@switchyard/core');
    await loadTokenCounter();
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
    const far = exchange({ messages: [{ role: 'user', content: prose }] });
    await rateLimit({ limiter: limiterAt() })(far, async () => {});
    assert.equal(far.reservation?.inputTokens, inputTokenBound(far));
    assert.equal(far.reservation?.inputIsBound, true, 'marked, so provider token limits count exactly');

    const exact = estimateInputTokens(far);
    const tight = exchange({ messages: [{ role: 'user', content: prose }] });
    // Room for the exact count plus max_tokens, not for the byte bound.
    tight.principal!.limits = { totalTokensPerHour: exact + 200 };
    assert.ok(inputTokenBound(tight) > exact);
    const limiter = limiterAt();
    await rateLimit({ limiter })(tight, async () => {});
    assert.deepEqual({ i: tight.reservation?.inputTokens, bound: tight.reservation?.inputIsBound }, { i: exact, bound: undefined });
    assert.equal((await limiter.usage('k:k1')).totalTokens, exact + 200);
  });

  test('an aborted stream with usage counts what was used; without usage the reservation stands', async () => {
    const limiter = limiterAt();
    const a = exchange();
    await run(limiter, a);
    a.usage = { ...emptyUsage(), inputTokens: 90, outputTokens: 12 };
    a.settle({ outcome: 'aborted', status: 200 });
    const b = exchange();
    b.principal!.id = 'k2';
    await run(limiter, b);
    b.settle({ outcome: 'aborted', status: 200 });
    await settled();
    assert.equal((await limiter.usage('k:k1')).totalTokens, 102);
    assert.equal((await limiter.usage('k:k2')).totalTokens, 300);
  });

  test('cache reads and writes count toward the input budget (unless turned off)', async () => {
    for (const [count, expected] of [
      [true, 100 + 1000 + 50],
      [false, 100],
    ] as const) {
      const limiter = limiterAt();
      const ex = exchange();
      await run(limiter, ex, { cacheTokensCountAsInput: count });
      ex.usage = { ...emptyUsage(), inputTokens: 100, cacheReadTokens: 1000, cacheWriteTokens: 50, outputTokens: 0 };
      ex.settle({ outcome: 'completed', status: 200 });
      await settled();
      assert.equal((await limiter.usage('k:k1')).inputTokens, expected);
    }
  });

  test('usage set by a later settle listener is still seen', async () => {
    const limiter = limiterAt();
    const ex = exchange();
    await run(limiter, ex);
    ex.onSettled((e) => {
      e.usage = { ...emptyUsage(), inputTokens: 7, outputTokens: 3 };
    });
    ex.settle({ outcome: 'completed', status: 200 });
    await settled();
    assert.equal((await limiter.usage('k:k1')).totalTokens, 10);
  });

  test('a request that can never fit is refused with its own code', async () => {
    const limiter = limiterAt();
    const ex = exchange({ max_tokens: 5000 });
    ex.principal!.limits = { outputTokensPerHour: 1000 };
    await assert.rejects(run(limiter, ex), (err: { status: number; code: string; headers: Record<string, string> }) => {
      assert.equal(err.status, 429);
      assert.equal(err.code, 'request_too_large_for_limit');
      assert.equal(err.headers['retry-after'], '3600');
      return true;
    });
  });

  test('defaults fill the fields a key leaves unset; limitsFor overrides principal.limits', async () => {
    const limiter = limiterAt();
    const ex = exchange();
    ex.principal!.limits = { totalTokensPerHour: 1000 };
    await run(limiter, ex, { defaultLimits: { requestsPerMinute: 5, totalTokensPerHour: 10 } });
    assert.match(ex.responseHeaders['ratelimit-policy']!, /"total-tokens";q=1000;.*"requests";q=5;w=60/);
    const ex2 = exchange();
    await run(limiter, ex2, { limitsFor: () => ({ concurrentRequests: 9 }) });
    assert.equal(ex2.responseHeaders['ratelimit-policy'], '"concurrency";q=9;qu="concurrent-requests"');
  });

  test('bad options fail at start-up', () => {
    assert.throws(() => rateLimit({ defaultLimits: { requestsPerMinute: -1 } }), TypeError);
    assert.throws(() => rateLimit({ limiter: new RateLimiter(), now: Date.now }), TypeError);
    assert.throws(() => rateLimit({ defaultOutputTokens: 1.5 }), TypeError);
    assert.throws(() => new RateLimiter({ tokenWindow: { windowMs: 1000, bucketMs: 300 } }), TypeError);
  });
});
