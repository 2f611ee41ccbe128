/**
 * Routing through the composed gateway (issue 5): simulated providers of different speeds and
 * prices, every strategy, per-key routing set through the admin API, client routing headers,
 * the same assertions with the routes mounted in Koa and in Express.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Koa from 'koa';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { koaRoutes } from '@switchyard/core/koa';
import { adminRoutes, createSwitchyard, type Switchyard } from '@switchyard/gateway';
import { ADMIN_TOKEN, adminClient, listen } from './helpers.js';

// Listed in an order that is none of the orders a strategy should produce.
// speed: fast > mid > slow; price: mid < slow < fast.
const PROVIDERS = [
  {
    name: 'sim-slow',
    type: 'simulated',
    models: ['sim-1'],
    latency_ms: 200,
    tokens_per_second: 0,
    output_tokens: 4,
    cost: { input_per_1k: 0.002, output_per_1k: 0.004 },
  },
  {
    name: 'sim-mid',
    type: 'simulated',
    models: ['sim-1'],
    latency_ms: 100,
    tokens_per_second: 0,
    output_tokens: 4,
    cost: { input_per_1k: 0.0001, output_per_1k: 0.0002 },
  },
  {
    name: 'sim-fast',
    type: 'simulated',
    models: ['sim-1'],
    latency_ms: 1,
    tokens_per_second: 0,
    output_tokens: 4,
    cost: { input_per_1k: 0.03, output_per_1k: 0.06 },
  },
];

let switchyard: Switchyard;
const servers: { url: string; close(): Promise<void> }[] = [];
const urls: Record<'koa' | 'express', string> = { koa: '', express: '' };
let admin: ReturnType<typeof adminClient>;

before(async () => {
  switchyard = await createSwitchyard({
    config: {
      auth: { required: true },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: PROVIDERS,
        routing: {
          strategy: 'priority',
          providers: [
            { name: 'sim-fast', priority: 1 },
            { name: 'sim-mid', priority: 2 },
            { name: 'sim-slow', priority: 3 },
          ],
          // The median, not p95: one sample slowed by a busy CI machine must not decide the test.
          latency: { window: '5m', percentile: 50 },
        },
      },
    },
  });
  const koa = new Koa();
  koa.use(koaRoutes(adminRoutes(switchyard.stack, { token: ADMIN_TOKEN }), { prefix: '/admin' }));
  koa.use(switchyard.koa());
  const app = express();
  app.use(switchyard.express());
  const k = await listen(koa.callback());
  const e = await listen(app);
  servers.push(k, e);
  urls.koa = k.url;
  urls.express = e.url;
  admin = adminClient(k.url);
});

after(async () => {
  for (const s of servers) await s.close();
  await switchyard.close();
});

/** Create a key through the admin API; returns its id and secret. */
async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const res = await admin('POST', '/keys', body);
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

async function setRouting(id: string, routing: Record<string, unknown>) {
  const res = await admin('PUT', `/keys/${id}/routing`, routing);
  assert.equal(res.status, 200, JSON.stringify(res.json));
}

for (const framework of ['koa', 'express'] as const) {
  describe(`routing mounted in ${framework}`, () => {
    const client = (key: string) => new OpenAI({ baseURL: `${urls[framework]}/v1`, apiKey: key, maxRetries: 0 });

    /** One chat completion; what served it, by which strategy. */
    async function served(key: string, headers: Record<string, string> = {}, content = 'hello') {
      const { data, response } = await client(key)
        .chat.completions.create({ model: 'sim-1', max_tokens: 8, messages: [{ role: 'user', content }] }, { headers })
        .withResponse();
      const provider = response.headers.get('x-switchyard-provider');
      assert.equal((data as unknown as { provider: string }).provider, provider, 'the body names the same provider as the header');
      return { provider: provider!, strategy: response.headers.get('x-switchyard-strategy')!, model: response.headers.get('x-switchyard-model') };
    }

    async function many(key: string, n: number) {
      const seen: string[] = [];
      for (let i = 0; i < n; i++) seen.push((await served(key)).provider);
      return seen;
    }

    const count = (list: string[], name: string) => list.filter((p) => p === name).length;

    test('the gateway default: priority picks the priority-1 provider, not the first listed', async () => {
      const { key } = await createKey({ name: `${framework}-default` });
      for (let i = 0; i < 3; i++) assert.deepEqual(await served(key), { provider: 'sim-fast', strategy: 'priority', model: 'sim-1' });
    });

    test('priority with weights: a weight-0 peer is only a fallback; equal weights share the level', async () => {
      const { id, key } = await createKey({ name: `${framework}-priority` });
      await setRouting(id, {
        active: true,
        strategy: 'priority',
        targets: [
          { provider: 'sim-slow', model: '*', priority: 1, weight: 0 },
          { provider: 'sim-fast', model: '*', priority: 1, weight: 1 },
          { provider: 'sim-mid', model: '*', priority: 2 },
        ],
      });
      assert.deepEqual(await many(key, 6), Array(6).fill('sim-fast'));
      await setRouting(id, {
        active: true,
        strategy: 'priority',
        targets: [
          { provider: 'sim-slow', model: '*', priority: 2 },
          { provider: 'sim-mid', model: '*', priority: 1, weight: 1 },
          { provider: 'sim-fast', model: '*', priority: 1, weight: 1 },
        ],
      });
      const seen = await many(key, 20);
      // Each provider of level 1 is drawn first with probability 1/2: missing one in 20 draws is 2^-19.
      assert.ok(count(seen, 'sim-mid') > 0 && count(seen, 'sim-fast') > 0, seen.join());
      assert.equal(count(seen, 'sim-slow'), 0, 'priority 2 only serves when level 1 fails');
    });

    test('weighted: draws follow the weights', async () => {
      const { id, key } = await createKey({ name: `${framework}-weighted` });
      await setRouting(id, {
        active: true,
        strategy: 'weighted',
        targets: [
          { provider: 'sim-mid', model: '*', weight: 1 },
          { provider: 'sim-fast', model: '*', weight: 9 },
        ],
      });
      const seen = await many(key, 40);
      // Binomial(40, 0.9): fewer than 25 is ~1e-8; uniform draws would give ~20.
      assert.ok(count(seen, 'sim-fast') >= 25, seen.join());
      assert.equal(count(seen, 'sim-fast') + count(seen, 'sim-mid'), 40);
      assert.equal((await served(key)).strategy, 'weighted');
    });

    test('round-robin rotates through the key targets', async () => {
      const { id, key } = await createKey({ name: `${framework}-rr` });
      await setRouting(id, { active: true, strategy: 'round-robin', targets: ['sim-fast', 'sim-mid'] });
      const seen = await many(key, 6);
      for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], seen.join());
      assert.equal(count(seen, 'sim-fast'), 3);
      assert.equal(count(seen, 'sim-mid'), 3);
    });

    test('cost picks the cheapest provider for the request', async () => {
      const { id, key } = await createKey({ name: `${framework}-cost` });
      await setRouting(id, { active: true, strategy: 'cost' });
      for (let i = 0; i < 2; i++) assert.deepEqual(await served(key), { provider: 'sim-mid', strategy: 'cost', model: 'sim-1' });
    });

    test('latency: unmeasured targets get measured, then the fastest wins', async () => {
      const { id, key } = await createKey({ name: `${framework}-latency` });
      await setRouting(id, { active: true, strategy: 'latency', targets: ['sim-slow', 'sim-mid', 'sim-fast'] });
      // Warm-up: every target measured (other tests may have measured some), then a few more
      // samples so the medians settle.
      for (let i = 0; i < 6; i++) await served(key);
      // sim-fast answers in ~1 ms, sim-mid in ~100 ms, sim-slow in ~200 ms.
      for (let i = 0; i < 3; i++) assert.deepEqual(await served(key), { provider: 'sim-fast', strategy: 'latency', model: 'sim-1' });
    });

    test('rules: the first matching rule routes, else the default', async () => {
      const { id, key } = await createKey({ name: `${framework}-rules` });
      await setRouting(id, {
        active: true,
        strategy: 'rules',
        rules: [
          { name: 'gold', when: { field: 'header.x-tier', op: 'eq', value: 'gold' }, targets: ['sim-fast'] },
          { name: 'long', when: { field: 'tokens', op: 'gt', value: 200 }, targets: ['sim-mid'] },
        ],
        default: { targets: ['sim-slow'] },
      });
      assert.deepEqual(await served(key, { 'x-tier': 'gold' }), { provider: 'sim-fast', strategy: 'rules:gold', model: 'sim-1' });
      assert.deepEqual(await served(key, {}, 'word '.repeat(400)), { provider: 'sim-mid', strategy: 'rules:long', model: 'sim-1' });
      assert.deepEqual(await served(key, { 'x-tier': 'silver' }), { provider: 'sim-slow', strategy: 'rules:default', model: 'sim-1' });
    });

    test('per-key routing: active replaces the default, inactive falls back to it', async () => {
      const { id, key } = await createKey({ name: `${framework}-toggle` });
      await setRouting(id, { active: true, strategy: 'cost', targets: ['sim-fast', 'sim-slow'] });
      assert.deepEqual(await served(key), { provider: 'sim-slow', strategy: 'cost', model: 'sim-1' });
      await setRouting(id, { active: false, strategy: 'cost', targets: ['sim-fast', 'sim-slow'] });
      const stored = await admin('GET', `/keys/${id}/routing`);
      assert.equal(stored.json.routing.active, false);
      assert.deepEqual(await served(key), { provider: 'sim-fast', strategy: 'priority', model: 'sim-1' });
      await setRouting(id, { active: true, strategy: 'cost', targets: ['sim-fast', 'sim-slow'] });
      assert.equal((await served(key)).provider, 'sim-slow');
      // The Anthropic endpoint routes by the same key config.
      const anthropic = new Anthropic({ baseURL: urls[framework], apiKey: key, maxRetries: 0 });
      const { response } = await anthropic.messages.create({ model: 'sim-1', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      assert.equal(response.headers.get('x-switchyard-provider'), 'sim-slow');
      assert.equal(response.headers.get('x-switchyard-strategy'), 'cost');
      assert.equal((await admin('PUT', `/keys/${id}/routing`, { active: 'yes', strategy: 'cost' })).status, 400);
      assert.equal((await admin('PUT', '/keys/key_nope/routing', { active: true, strategy: 'cost' })).status, 404);
    });

    test('client routing headers are honoured when the key allows them', async () => {
      const { key } = await createKey({ name: `${framework}-headers`, allow_routing_headers: true });
      assert.equal((await served(key, { 'x-provider': 'sim-mid' })).provider, 'sim-mid');
      assert.equal((await served(key, { 'x-exclude-providers': 'sim-fast' })).provider, 'sim-mid');
      assert.equal((await served(key, { 'x-routing-strategy': 'cost' })).provider, 'sim-mid');
      assert.equal((await served(key, { 'x-provider-preference': 'sim-mid,sim-fast' })).provider, 'sim-mid');
      assert.equal((await served(key, { 'x-include-providers': 'sim-mid,sim-slow' })).provider, 'sim-mid');
    });

    test('routing headers from a key that does not allow them are a 403 in the client format', async () => {
      const { key } = await createKey({ name: `${framework}-no-headers` });
      await assert.rejects(served(key, { 'x-provider': 'sim-mid' }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
        assert.equal((err.error as { code?: string }).code, 'routing_headers_not_allowed');
        return true;
      });
      await assert.rejects(served(key, { 'x-exclude-providers': 'sim-fast' }), OpenAI.PermissionDeniedError);
      const anthropic = new Anthropic({ baseURL: urls[framework], apiKey: key, maxRetries: 0 });
      await assert.rejects(
        anthropic.messages.create({ model: 'sim-1', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-provider': 'sim-mid' } }),
        (err: unknown) => {
          assert.ok(err instanceof Anthropic.PermissionDeniedError, String(err));
          assert.equal((err.error as { error: { type: string } }).error.type, 'permission_error');
          return true;
        },
      );
      // Without the header the same key is served as usual.
      assert.equal((await served(key)).provider, 'sim-fast');
    });

    test('routing headers can narrow what the key may use, never widen it', async () => {
      const { key } = await createKey({ name: `${framework}-narrow`, allow_routing_headers: true, allowed_providers: ['sim-fast', 'sim-mid'] });
      await assert.rejects(served(key, { 'x-provider': 'sim-slow' }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
        assert.equal((err.error as { code?: string }).code, 'provider_not_allowed');
        return true;
      });
      assert.equal((await served(key, { 'x-provider': 'sim-mid' })).provider, 'sim-mid');
      await assert.rejects(served(key, { 'x-provider': 'not a name!' }), OpenAI.BadRequestError);
    });
  });
}

describe('gateway-wide rules and a cost cap from the config (no per-key routing)', () => {
  let sy: Switchyard;
  let url: string;
  let close: () => Promise<void>;
  before(async () => {
    sy = await createSwitchyard({
      config: {
        storage: { sqlite_path: ':memory:' },
        ai_gateway: {
          providers: PROVIDERS,
          routing: {
            strategy: 'rules',
            providers: [
              { name: 'sim-fast', priority: 1 },
              { name: 'sim-mid', priority: 2 },
              { name: 'sim-slow', priority: 3 },
            ],
            rules: [
              { name: 'gold', when: { field: 'header.x-tier', op: 'eq', value: 'gold' }, targets: [{ provider: 'sim-slow', model: 'sim-1' }] },
              { name: 'rest', when: { and: [] }, strategy: 'priority' },
            ],
            // sim-fast's estimate for a short prompt and 8 output tokens is ~$0.0008: above the cap.
            max_cost_per_request: 0.0005,
          },
        },
      },
    });
    const app = new Koa();
    app.use(sy.koa());
    ({ url, close } = await listen(app.callback()));
  });
  after(async () => {
    await close?.();
    await sy?.close();
  });

  test('a header rule picks its target; the catch-all rule takes the priority order minus the targets above the cap', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const ask = async (headers: Record<string, string> = {}) => {
      const { response } = await client.chat.completions
        .create({ model: 'sim-1', max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] }, { headers })
        .withResponse();
      return [response.headers.get('x-switchyard-provider'), response.headers.get('x-switchyard-strategy')];
    };
    const gold = await ask({ 'x-tier': 'gold' });
    assert.equal(gold[0], 'sim-slow');
    assert.match(gold[1]!, /rules/);
    const rest = await ask();
    assert.equal(rest[0], 'sim-mid', 'sim-fast is first by priority but above max_cost_per_request');
  });
});
