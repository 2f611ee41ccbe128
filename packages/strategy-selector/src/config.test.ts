import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import { registerConfigFormats, type Exchange } from '@switchyard/core';
import { httpRequest, serve } from '@switchyard/core/testing';
import { routingStatsOptionsFromConfig, strategySelectorConfigSchema, strategySelectorOptionsFromConfig, type StrategySelectorConfig } from './config.js';
import { RoutingStats } from './stats.js';
import { STRATEGY_HEADER, strategySelector } from './strategy-selector.js';

registerConfigFormats(convict);

function load(env: Record<string, string>, raw: object = {}): StrategySelectorConfig {
  const config = convict({ routing: strategySelectorConfigSchema('APP_ROUTING') }, { env, args: [] });
  config.load(raw);
  config.validate({ allowed: 'strict' });
  return config.get('routing') as StrategySelectorConfig;
}

test('strategy-selector from env through its convict fragment, mounted in Koa: the values arrive in the options', async () => {
  const env = {
    APP_ROUTING_STRATEGY: 'least-busy',
    APP_ROUTING_LATENCY_WINDOW: '2m',
    APP_ROUTING_LATENCY_PERCENTILE: '99',
    APP_ROUTING_LATENCY_METRIC: 'ttft',
  };
  const routing = load(env, {
    routing: {
      providers: [
        { name: 'b', priority: 0 },
        { name: 'a', priority: 1 },
      ],
    },
  });
  const options = strategySelectorOptionsFromConfig(routing);
  assert.deepEqual(options.routing, {
    strategy: 'least-busy',
    providers: [
      { name: 'b', priority: 0 },
      { name: 'a', priority: 1 },
    ],
    latency: { window: '2m', percentile: 99, metric: 'ttft' },
  });
  assert.deepEqual(routingStatsOptionsFromConfig(routing), { windowMs: 120_000 });
  const stats = new RoutingStats(routingStatsOptionsFromConfig(routing));
  const candidates = async (exchange: Exchange, next: () => Promise<void>) => {
    exchange.candidates = [
      { provider: 'a', model: 'm' },
      { provider: 'b', model: 'm' },
    ];
    await next();
  };
  const plan = async (exchange: Exchange) => {
    exchange.response = { kind: 'json', status: 200, headers: {}, body: JSON.stringify(exchange.plan?.targets.map((t) => t.provider)) };
  };
  const server = await serve('koa', [candidates, strategySelector({ ...options, stats }), plan]);
  try {
    const res = await httpRequest(`${server.url}/v1/chat/completions`, { body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(res.headers[STRATEGY_HEADER], 'least-busy', 'the strategy from the environment');
    assert.equal((res.json() as string[]).length, 2);
  } finally {
    await server.close();
  }
});

test('strategy-selector fragment: a bad value fails naming the field; two prefixes do not collide', () => {
  assert.throws(() => load({ APP_ROUTING_STRATEGY: 'fastest' }), /routing\.strategy: must be one of/);
  assert.throws(() => load({ APP_ROUTING_LATENCY_PERCENTILE: '101' }), /routing\.latency\.percentile/);
  assert.throws(() => load({ APP_ROUTING_LATENCY_METRIC: 'speed' }), /routing\.latency\.metric/);
  assert.throws(() => load({}, { routing: { providers: [{ name: 'a', weight: -1 }] } }), /routing\.providers: \[0\]\.weight/);
  const both = convict(
    { a: strategySelectorConfigSchema('A_ROUTING'), b: strategySelectorConfigSchema('B_ROUTING') },
    { env: { A_ROUTING_STRATEGY: 'cost' }, args: [] },
  );
  assert.deepEqual([both.get('a.strategy'), both.get('b.strategy')], ['cost', 'priority']);
});

test('the rules strategy and the cost cap come from the fragment: rules are checked at load, the cap from its env var', () => {
  const rules = [
    { name: 'gold', when: { field: 'header.x-tier', op: 'eq', value: 'gold' }, targets: ['b'] },
    { name: 'rest', when: { and: [] }, strategy: 'priority' },
  ];
  const routing = load({ APP_ROUTING_MAX_COST_PER_REQUEST: '0.25' }, { routing: { strategy: 'rules', rules } });
  assert.equal(routing.max_cost_per_request, 0.25);
  assert.deepEqual(strategySelectorOptionsFromConfig(routing).routing, {
    strategy: 'rules',
    providers: [],
    latency: { window: '5m', percentile: 95, metric: 'latency' },
    rules,
    max_cost_per_request: 0.25,
  });
  assert.deepEqual(Object.keys(strategySelectorOptionsFromConfig(load({})).routing).sort(), ['latency', 'providers', 'strategy'], 'nothing added when unset');
  assert.throws(() => load({}, { routing: { rules: [{ when: { field: 'model', op: 'near', value: 'x' } }] } }), /rules\[0\]\.when\.op/);
  assert.throws(() => load({ APP_ROUTING_MAX_COST_PER_REQUEST: '-1' }), /max_cost_per_request: must be an amount of USD above 0/);
  assert.throws(() => load({ APP_ROUTING_MAX_COST_PER_REQUEST: 'lots' }), /max_cost_per_request/);
});
