import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import express from 'express';
import { EventBus, GatewayError, type Attempt, type Exchange, type ExchangeMiddleware, type Principal } from '@switchyard/core';
import { toKoa } from '@switchyard/core/koa';
import { toExpress } from '@switchyard/core/express';
import { createCatalog, modelMapping, type MappingConfig } from '@switchyard/model-mapping';
import { RoutingStats } from './stats.js';
import { strategySelector } from './strategy-selector.js';
import { seeded } from './fixtures.js';

/** Simulated upstreams: how long each takes (virtual ms) and whether it fails. */
const UPSTREAMS: Record<string, { ttftMs: number; totalMs: number; fails?: boolean }> = {
  slow: { ttftMs: 400, totalMs: 900 },
  fast: { ttftMs: 40, totalMs: 150 },
  pricey: { ttftMs: 60, totalMs: 200 },
  flaky: { ttftMs: 10, totalMs: 20, fails: true },
};

const config: MappingConfig = {
  providers: [
    { name: 'slow', type: 'simulated', models: ['sim-large'], cost: { input_per_1k: 0.001, output_per_1k: 0.002 } },
    { name: 'fast', type: 'simulated', models: ['sim-large'], cost: { input_per_1k: 0.002, output_per_1k: 0.004 } },
    { name: 'pricey', type: 'simulated', models: ['sim-large'], cost: { input_per_1k: 0.03, output_per_1k: 0.06 } },
    { name: 'flaky', type: 'simulated', models: ['sim-large'], cost: { input_per_1k: 0.0001, output_per_1k: 0.0001 } },
  ],
  routing: { strategy: 'latency', latency: { window: '5m', percentile: 95 }, providers: [{ name: 'slow' }, { name: 'fast' }, { name: 'pricey' }] },
  model_mapping: { large: { slow: 'sim-large', fast: 'sim-large', pricey: 'sim-large', flaky: 'sim-large' } },
};

const PRINCIPALS: Record<string, Principal> = {
  cost: {
    id: 'k-cost',
    name: 'cost',
    kind: 'key',
    routing: {
      active: true,
      strategy: 'cost',
      targets: [
        { provider: 'pricey', model: 'sim-large' },
        { provider: 'fast', model: 'sim-large' },
        { provider: 'slow', model: 'sim-large' },
      ],
    },
  },
  flaky: {
    id: 'k-flaky',
    name: 'flaky',
    kind: 'key',
    routing: {
      active: true,
      strategy: 'priority',
      targets: [
        { provider: 'flaky', model: '*', priority: 0 },
        { provider: 'fast', model: '*', priority: 1 },
      ],
    },
  },
  narrow: { id: 'k-narrow', name: 'narrow', kind: 'key', allowRoutingHeaders: true, allowedProviders: ['fast', 'pricey'] },
};

/** Everything one app needs: a virtual clock, stats fed by the event bus, and the middlewares. */
function stack() {
  let now = 1_000_000;
  const events = new EventBus();
  const stats = new RoutingStats({ now: () => now });
  stats.attach(events);
  const catalog = createCatalog({ providers: config.providers });
  const auth: ExchangeMiddleware = async function fakeAuth(exchange, next) {
    const who = exchange.headers['x-test-key'];
    if (who) exchange.principal = PRINCIPALS[who];
    await next();
  };
  // A stand-in for failover + providers: tries the plan in order against simulated upstreams.
  const terminal: ExchangeMiddleware = async function simulatedUpstreams(exchange: Exchange) {
    for (const target of exchange.plan!.targets) {
      const upstream = UPSTREAMS[target.provider]!;
      const attempt: Attempt = { target, startedAt: now, outcome: 'pending' };
      exchange.attempts.push(attempt);
      events.emit('attempt.start', { exchange, attempt });
      now += upstream.ttftMs;
      attempt.firstByteAt = now;
      now += upstream.totalMs - upstream.ttftMs;
      attempt.endedAt = now;
      attempt.outcome = upstream.fails ? 'failure' : 'success';
      if (upstream.fails) attempt.failureKind = 'server_error';
      events.emit('attempt.end', { exchange, attempt });
      if (upstream.fails) continue;
      exchange.responseHeaders['x-switchyard-provider'] = target.provider;
      exchange.response = {
        kind: 'json',
        status: 200,
        headers: {},
        body: JSON.stringify({ provider: target.provider, model: target.model, plan: exchange.plan }),
      };
      return;
    }
    throw new GatewayError('Every target failed', { status: 502, code: 'upstream_failed' });
  };
  const pieces = [
    auth,
    modelMapping({ config, catalog }),
    strategySelector({ routing: config.routing as Record<string, unknown>, catalog, stats, random: seeded(1) }),
    terminal,
  ];
  return { pieces };
}

function koaApp(): Server {
  const app = new Koa();
  for (const piece of stack().pieces) app.use(toKoa(piece));
  return app.listen(0, '127.0.0.1');
}

function expressApp(): Server {
  const app = express();
  for (const piece of stack().pieces) app.use(toExpress(piece));
  return app.listen(0, '127.0.0.1');
}

for (const [name, make] of [
  ['Koa', koaApp],
  ['Express', expressApp],
] as const) {
  describe(`end to end through ${name}`, () => {
    let server: Server;
    let base: string;
    before(async () => {
      server = make();
      await new Promise((r) => server.once('listening', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    const call = async (body: Record<string, unknown>, headers: Record<string, string> = {}, path = '/v1/chat/completions') => {
      const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
    };
    const ask = { model: 'large', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 50 };

    test('latency strategy explores, then sends traffic to the faster provider', async () => {
      const served: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await call(ask);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-switchyard-strategy'), 'latency');
        served.push(res.body.provider);
      }
      assert.deepEqual(served.slice(0, 3), ['slow', 'fast', 'pricey'], 'each unmeasured provider is explored once');
      assert.deepEqual(served.slice(3), ['fast', 'fast', 'fast']);
      const last = (await call(ask)).body.plan;
      assert.match(last.targets[0].reason, /^p95 latency over 300s: 150 ms$/);
      assert.deepEqual(
        last.targets.map((t: { provider: string }) => t.provider),
        ['fast', 'pricey', 'slow'],
      );
    });

    test("a key's active routing picks the cheapest by catalog price; the model field is a hint", async () => {
      const res = await call({ ...ask, model: 'whatever-the-client-says' }, { 'x-test-key': 'cost' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-switchyard-strategy'), 'cost');
      assert.equal(res.body.provider, 'slow');
      assert.deepEqual(
        res.body.plan.targets.map((t: { provider: string }) => t.provider),
        ['slow', 'fast', 'pricey'],
      );
    });

    test('the priority chain fails over to the next target', async () => {
      const res = await call(ask, { 'x-test-key': 'flaky' });
      assert.equal(res.status, 200);
      assert.equal(res.body.provider, 'fast');
      assert.equal(res.headers.get('x-switchyard-provider'), 'fast');
    });

    test('routing headers narrow within the key, 403 when they widen it', async () => {
      const forced = await call(ask, { 'x-test-key': 'narrow', 'x-provider': 'pricey' });
      assert.equal(forced.body.provider, 'pricey');
      const widen = await call(ask, { 'x-test-key': 'narrow', 'x-provider': 'slow' });
      assert.equal(widen.status, 403);
      assert.equal(widen.body.error.param, 'X-Provider');
      assert.equal(widen.body.error.type, 'permission_error');
    });

    test('an unknown model is a 404 in the client format, naming usable models', async () => {
      const openai = await call({ ...ask, model: 'gpt-9' });
      assert.equal(openai.status, 404);
      assert.equal(openai.body.error.code, 'model_not_found');
      assert.match(openai.body.error.message, /large/);
      const anthropic = await call({ ...ask, model: 'gpt-9' }, {}, '/v1/messages');
      assert.equal(anthropic.status, 404);
      assert.equal(anthropic.body.type, 'error');
      assert.equal(anthropic.body.error.type, 'not_found_error');
    });
  });
}
