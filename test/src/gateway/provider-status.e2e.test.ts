/**
 * Provider status for key holders (ParrotRouter's shape): `GET /v1/providers/health`,
 * `GET /v1/providers/performance`, `POST /v1/costs/analyze`, each showing only what the key may
 * use, mounted in Koa and in Express; figures shared by two instances on one Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Koa from 'koa';
import OpenAI from 'openai';
import { createSwitchyard, type Switchyard } from '@switchyard/gateway';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { listen, openaiCompletion, openaiError, poll } from './helpers.js';

let upA: Upstream;
let upB: Upstream;
let switchyard: Switchyard;
const servers: { url: string; close(): Promise<void> }[] = [];
const urls: Record<'koa' | 'express', string> = { koa: '', express: '' };
const keys: Record<'all' | 'alphaOnly' | 'otherModels', string> = { all: '', alphaOnly: '', otherModels: '' };

/** Provider names unique to this file: the test Redis is shared with other test files. */
const ALPHA = 'st-alpha';
const BETA = 'st-beta';

function statusConfig(a: string, b: string, extra: Record<string, unknown> = {}) {
  return {
    storage: { sqlite_path: ':memory:' },
    ...extra,
    ai_gateway: {
      providers: [
        {
          name: ALPHA,
          type: 'openai',
          base_url: `${a}/v1`,
          api_key: 'sk-up-a',
          models: ['gpt-4o-mini'],
          cost: { input_per_1k: 0.01, output_per_1k: 0.03 },
          rate_limit: { requests_per_minute: 100 },
        },
        {
          name: BETA,
          type: 'openai',
          base_url: `${b}/v1`,
          api_key: 'sk-up-b',
          models: ['gpt-4o-mini', 'beta-only'],
          cost: { input_per_1k: 0.005, output_per_1k: 0.015 },
        },
      ],
      routing: {
        strategy: 'priority',
        providers: [
          { name: BETA, priority: 1 },
          { name: ALPHA, priority: 2 },
        ],
      },
      model_mapping: { chat: { [BETA]: 'gpt-4o-mini', [ALPHA]: 'gpt-4o-mini' } },
    },
  };
}

before(async () => {
  [upA, upB] = await Promise.all([
    startUpstream({ json: openaiCompletion('gpt-4o-mini', 'from alpha') }),
    startUpstream({ status: 500, json: openaiError(500) }),
  ]);
  switchyard = await createSwitchyard({ config: statusConfig(upA.url, upB.url, { auth: { required: true } }) });
  const make = async (name: string, policy: Record<string, unknown>) => (await switchyard.stack.keys.create({ name, policy } as never)).secret;
  keys.all = await make('all', {});
  keys.alphaOnly = await make('alpha-only', { allowedProviders: [ALPHA] });
  keys.otherModels = await make('other-models', { allowedModels: ['beta-only'] });
  const koa = new Koa();
  koa.use(switchyard.koa());
  const app = express();
  app.use(switchyard.express());
  const [k, e] = await Promise.all([listen(koa.callback()), listen(app)]);
  servers.push(k, e);
  urls.koa = k.url;
  urls.express = e.url;
  // Traffic: beta fails (500), the request fails over to alpha.
  const client = new OpenAI({ baseURL: `${k.url}/v1`, apiKey: keys.all, maxRetries: 0 });
  for (let i = 0; i < 3; i++) {
    const reply = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(reply.choices[0]!.message.content, 'from alpha');
  }
});

after(async () => {
  for (const s of servers) await s.close();
  await switchyard.close();
  await Promise.all([upA.close(), upB.close()]);
});

async function call(base: string, key: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

for (const framework of ['koa', 'express'] as const) {
  describe(`provider status mounted in ${framework}`, () => {
    test('GET /v1/providers/health: ParrotRouter fields, figures from live traffic', async () => {
      const { status, json } = await call(urls[framework], keys.all, 'GET', '/v1/providers/health');
      assert.equal(status, 200);
      assert.deepEqual(
        json.providers.map((p: any) => p.name),
        [ALPHA, BETA],
      );
      const [alpha, beta] = json.providers;
      assert.equal(alpha.status, 'healthy');
      assert.equal(alpha.uptime_percentage, 100);
      assert.equal(alpha.error_rate, 0);
      assert.equal(typeof alpha.avg_response_time_ms, 'number');
      assert.ok(alpha.requests >= 3);
      // 3+ requests in a 5-minute window against 100 per minute.
      assert.ok(alpha.rate_limit_usage > 0 && alpha.rate_limit_usage < 100, String(alpha.rate_limit_usage));
      assert.deepEqual(alpha.models, [{ name: 'gpt-4o-mini', status: 'healthy' }]);
      assert.ok(beta.requests >= 3);
      assert.equal(beta.error_rate, 100);
      assert.equal(beta.uptime_percentage, 0);
      assert.equal(beta.rate_limit_usage, null, 'no limit configured');
      assert.notEqual(beta.status, 'healthy');
      assert.deepEqual(
        beta.models.map((m: any) => m.name),
        ['beta-only', 'gpt-4o-mini'],
      );
    });

    test('a key limited to one provider sees only it (health, performance, costs)', async () => {
      const health = await call(urls[framework], keys.alphaOnly, 'GET', '/v1/providers/health');
      assert.deepEqual(
        health.json.providers.map((p: any) => p.name),
        [ALPHA],
      );
      const perf = await call(urls[framework], keys.alphaOnly, 'GET', '/v1/providers/performance?window=5m');
      assert.equal(perf.status, 200);
      assert.deepEqual(
        perf.json.providers.map((p: any) => p.name),
        [ALPHA],
      );
      const costs = await call(urls[framework], keys.alphaOnly, 'POST', '/v1/costs/analyze', { model: 'chat', prompt_tokens: 1000, completion_tokens: 500 });
      assert.equal(costs.status, 200);
      assert.deepEqual(Object.keys(costs.json), [ALPHA]);
    });

    test('a key limited to some models sees only those models and their providers', async () => {
      const health = await call(urls[framework], keys.otherModels, 'GET', '/v1/providers/health');
      assert.deepEqual(
        health.json.providers.map((p: any) => [p.name, p.models.map((m: any) => m.name)]),
        [[BETA, ['beta-only']]],
      );
      const costs = await call(urls[framework], keys.otherModels, 'POST', '/v1/costs/analyze', { model: 'chat', prompt_tokens: 10, completion_tokens: 5 });
      assert.equal(costs.status, 403);
      assert.equal(costs.json.error.code, 'model_not_allowed');
    });

    test('GET /v1/providers/performance: latency, success rate, load', async () => {
      const { status, json } = await call(urls[framework], keys.all, 'GET', '/v1/providers/performance?window=5m');
      assert.equal(status, 200);
      assert.equal(json.window_ms, 300_000);
      const byName = Object.fromEntries(json.providers.map((p: any) => [p.name, p]));
      assert.equal(byName[ALPHA].success_rate, 100);
      assert.equal(byName[BETA].success_rate, 0);
      assert.equal(typeof byName[ALPHA].avg_latency_ms, 'number');
      assert.equal(byName[ALPHA].load_percentage, 0, 'nothing in flight');
      const bad = await call(urls[framework], keys.all, 'GET', '/v1/providers/performance?window=3d');
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.param, 'window');
    });

    test('POST /v1/costs/analyze: cost per provider, availability, price source', async () => {
      const { status, json } = await call(urls[framework], keys.all, 'POST', '/v1/costs/analyze', {
        model: 'chat',
        prompt_tokens: 1000,
        completion_tokens: 500,
      });
      assert.equal(status, 200);
      assert.equal(json[ALPHA].cost.toFixed(6), (0.01 + 0.015).toFixed(6));
      assert.equal(json[ALPHA].available, true);
      assert.equal(json[ALPHA].price_source, 'config');
      assert.equal(json[BETA].cost.toFixed(6), (0.005 + 0.0075).toFixed(6));
      assert.equal(json[BETA].model, 'gpt-4o-mini');
      const bad = await call(urls[framework], keys.all, 'POST', '/v1/costs/analyze', { model: 'chat', prompt_tokens: -1 });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.param, 'prompt_tokens');
    });

    test('no key, or a wrong key: 401 in the OpenAI shape', async () => {
      for (const path of ['/v1/providers/health', '/v1/providers/performance']) {
        const none = await call(urls[framework], undefined, 'GET', path);
        assert.equal(none.status, 401);
        assert.equal(typeof none.json.error.message, 'string');
        const wrong = await call(urls[framework], 'sk-not-a-key', 'GET', path);
        assert.equal(wrong.status, 401);
      }
      const costs = await call(urls[framework], undefined, 'POST', '/v1/costs/analyze', { model: 'chat' });
      assert.equal(costs.status, 401);
    });
  });
}

test('figures are shared by two instances on one Redis', { skip: !process.env.SWITCHYARD_TEST_REDIS_URL && 'needs SWITCHYARD_TEST_REDIS_URL' }, async () => {
  const up = await startUpstream({ json: openaiCompletion('gpt-4o-mini', 'shared') });
  const config = statusConfig(up.url, up.url, { storage: { sqlite_path: ':memory:', redis_url: process.env.SWITCHYARD_TEST_REDIS_URL } });
  // Names of this test only, so earlier traffic in this Redis does not count.
  const suffix = `-${process.pid}-${Date.now()}`;
  for (const p of config.ai_gateway.providers) p.name += suffix;
  config.ai_gateway.routing = { strategy: 'priority', providers: [{ name: ALPHA + suffix, priority: 1 }] } as never;
  config.ai_gateway.model_mapping = { chat: { [ALPHA + suffix]: 'gpt-4o-mini' } } as never;
  const [a, b] = await Promise.all([createSwitchyard({ config }), createSwitchyard({ config })]);
  const [sa, sb] = await Promise.all([listen(new Koa().use(a.koa()).callback()), listen(new Koa().use(b.koa()).callback())]);
  try {
    const client = new OpenAI({ baseURL: `${sa.url}/v1`, apiKey: 'anonymous', maxRetries: 0 });
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    // Instance B served nothing; it reports A's traffic from Redis once A has written it (every second).
    const { value: alpha } = await poll(
      async () => {
        const { json } = await call(sb.url, undefined, 'GET', '/v1/providers/health');
        const p = json.providers.find((x: any) => x.name === ALPHA + suffix);
        return p?.requests === 4 ? p : undefined;
      },
      10_000,
      100,
    );
    assert.equal(alpha.uptime_percentage, 100);
    const perf = await call(sb.url, undefined, 'GET', '/v1/providers/performance?window=1m');
    assert.equal(perf.json.providers.find((p: any) => p.name === ALPHA + suffix).requests, 4);
  } finally {
    await Promise.all([sa.close(), sb.close()]);
    await Promise.all([a.close(), b.close()]);
    await up.close();
  }
});
