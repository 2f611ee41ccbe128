import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exchange, MemoryStore, isGatewayError, type GatewayError, type Principal } from '@switchyard/core';
import { createCatalog, modelMapping, type MappingConfig } from '@switchyard/model-mapping';
import { RoutingStats } from './stats.js';
import { strategySelector, type StrategySelectorOptions } from './strategy-selector.js';
import { replay } from './fixtures.js';

const config: MappingConfig = {
  providers: [
    { name: 'openai', type: 'openai', models: ['gpt-4o'], region: 'us-east-1', cost: { input_per_1m: 2.5, output_per_1m: 10 } },
    { name: 'azure-eu', type: 'azure', deployments: { 'gpt-4o': 'gpt4o-prod' }, region: 'eu-west-1', cost: { input_per_1m: 3, output_per_1m: 12 } },
    { name: 'anthropic', type: 'anthropic', models: ['claude-sonnet-4-5'], region: 'us-west-2', cost: { input_per_1m: 3, output_per_1m: 15 } },
    { name: 'local', type: 'openai-compatible', models: ['llama-3-70b'] },
  ],
  routing: {
    strategy: 'priority',
    providers: [
      { name: 'openai', priority: 0 },
      { name: 'azure-eu', priority: 1 },
      { name: 'anthropic', priority: 2 },
      { name: 'local', priority: 3 },
    ],
  },
  model_mapping: { smart: { openai: 'gpt-4o', 'azure-eu': 'gpt-4o', anthropic: 'claude-sonnet-4-5', local: 'llama-3-70b' } },
};
const catalog = createCatalog({ providers: config.providers });
const mapping = modelMapping({ config, catalog });

function exchange(headers: Record<string, string> = {}, principal?: Principal, model = 'smart'): Exchange {
  const ex = new Exchange({ format: 'openai.chat', body: { model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 100 }, headers });
  if (principal) ex.principal = principal;
  return ex;
}

async function plan(options: StrategySelectorOptions, ex: Exchange): Promise<Exchange> {
  const selector = strategySelector({ catalog, random: replay(0), ...options, routing: options.routing ?? (config.routing as Record<string, unknown>) });
  await mapping(ex, () => selector(ex, async () => {}));
  return ex;
}

async function fails(options: StrategySelectorOptions, ex: Exchange): Promise<GatewayError> {
  try {
    await plan(options, ex);
  } catch (err) {
    assert.ok(isGatewayError(err), String(err));
    return err;
  }
  throw new Error('expected a GatewayError');
}

const providers = (ex: Exchange) => ex.plan!.targets.map((t) => t.provider);
const key = (extra: Partial<Principal> = {}): Principal => ({ id: 'key_1', name: 'k', kind: 'key', allowRoutingHeaders: true, ...extra });

test('writes the plan with reasons and the strategy response header', async () => {
  const ex = await plan({}, exchange());
  assert.deepEqual(providers(ex), ['openai', 'azure-eu', 'anthropic', 'local']);
  assert.equal(ex.plan!.strategy, 'priority');
  assert.equal(ex.plan!.targets[0]!.reason, 'priority 0');
  assert.equal(ex.responseHeaders['x-switchyard-strategy'], 'priority');
});

test('cost strategy uses catalog prices and the token estimate; unknown prices go last', async () => {
  const ex = await plan({ routing: { strategy: 'cost-optimized' } }, exchange());
  assert.deepEqual(providers(ex), ['openai', 'azure-eu', 'anthropic', 'local']);
  assert.match(ex.plan!.targets[0]!.reason, /^cost: ~\$/);
  assert.match(ex.plan!.targets[3]!.reason, /price unknown/);
  const capped = await plan({ routing: { strategy: 'cost', max_cost_per_request: 0.0013 } }, exchange());
  assert.deepEqual(providers(capped), ['openai', 'azure-eu'], 'ceiling drops dearer and unpriced targets');
});

test('key routing: active config replaces candidates and strategy; inactive falls back to the gateway default', async () => {
  const routing = {
    active: true,
    strategy: 'weighted',
    targets: [
      { provider: 'anthropic', model: 'claude-sonnet-4-5', weight: 1 },
      { provider: 'local', model: '*', weight: 0 },
    ],
  };
  const ex = await plan({}, exchange({}, key({ routing })));
  assert.deepEqual(
    ex.plan!.targets.map((t) => `${t.provider}/${t.model}`),
    ['anthropic/claude-sonnet-4-5', 'local/llama-3-70b'],
    '* takes the requested name as mapped for that provider',
  );
  const hint = await plan({}, exchange({}, key({ routing }), 'gpt-4o'));
  assert.deepEqual(
    hint.plan!.targets.map((t) => `${t.provider}/${t.model}`),
    ['anthropic/claude-sonnet-4-5'],
    'local does not serve gpt-4o',
  );
  assert.equal(ex.plan!.strategy, 'weighted');
  const inactive = await plan({}, exchange({}, key({ routing: { ...routing, active: false } }), 'gpt-4o'));
  assert.deepEqual(providers(inactive), ['openai', 'azure-eu']);
  assert.equal(inactive.plan!.strategy, 'priority');
});

test('rules: the first matching rule chooses a target list or a strategy, else the default', async () => {
  const routing = {
    strategy: 'rules',
    rules: [
      { name: 'eu-team', when: { field: 'metadata.team', op: 'eq', value: 'eu' }, targets: ['azure-eu', 'openai'] },
      { name: 'gold', when: { field: 'header.x-tier', op: 'eq', value: 'gold' }, strategy: 'cost' },
    ],
    default: { targets: ['local'] },
  };
  const eu = exchange();
  eu.body.metadata = { team: 'eu' };
  assert.deepEqual(providers(await plan({ routing }, eu)), ['azure-eu', 'openai']);
  assert.equal(eu.plan!.strategy, 'rules:eu-team');
  const gold = await plan({ routing }, exchange({ 'x-tier': 'gold' }));
  assert.equal(gold.plan!.strategy, 'rules:gold');
  assert.equal(providers(gold)[0], 'openai');
  const other = await plan({ routing }, exchange());
  assert.deepEqual(providers(other), ['local']);
  assert.equal(other.responseHeaders['x-switchyard-strategy'], 'rules:default');
  assert.throws(
    () => strategySelector({ routing: { strategy: 'rules', rules: [{ when: { field: 'x', op: 'bogus' }, strategy: 'cost' }] } }),
    /routing\.rules\[0\]\.when\.op/,
  );
});

test('routing headers narrow and reorder what the key may use', async () => {
  const p = key();
  assert.deepEqual(providers(await plan({}, exchange({ 'x-provider': 'anthropic' }, p))), ['anthropic']);
  assert.deepEqual(providers(await plan({}, exchange({ 'x-exclude-providers': 'openai, local' }, p))), ['azure-eu', 'anthropic']);
  assert.deepEqual(providers(await plan({}, exchange({ 'x-include-providers': 'local,anthropic' }, p))), ['anthropic', 'local']);
  assert.deepEqual(providers(await plan({}, exchange({ 'x-provider-preference': 'local,anthropic' }, p))), ['local', 'anthropic', 'openai', 'azure-eu']);
  assert.deepEqual(providers(await plan({}, exchange({ 'x-provider-fallbacks': 'local' }, p))), ['openai', 'local']);
  assert.deepEqual(providers(await plan({}, exchange({ 'x-data-residency': 'eu' }, p))), ['azure-eu']);
  assert.deepEqual(providers(await plan({}, exchange({ 'x-provider-regions': 'us-west-2,eu-west-1' }, p))), ['azure-eu', 'anthropic']);
  const weighted = await plan({}, exchange({ 'x-routing-strategy': 'weighted', 'x-provider-weights': 'openai=0,azure-eu=0,anthropic=0,local=5' }, p));
  assert.equal(providers(weighted)[0], 'local');
  assert.equal(weighted.plan!.strategy, 'weighted');
  const cheap = await plan({}, exchange({ 'x-max-cost-per-request': '0.0013' }, p));
  assert.deepEqual(providers(cheap), ['openai', 'azure-eu']);
});

test('a header that widens access is a 403, a malformed one a 400, each naming the header', async () => {
  const limited = key({ allowedProviders: ['openai', 'azure-eu'] });
  const widen = await fails({}, exchange({ 'x-provider': 'anthropic' }, limited));
  assert.equal(widen.status, 403);
  assert.equal(widen.param, 'X-Provider');
  const widenKeyRouting = await fails(
    {},
    exchange({ 'x-include-providers': 'local' }, key({ routing: { active: true, strategy: 'priority', targets: [{ provider: 'openai', model: 'gpt-4o' }] } })),
  );
  assert.equal(widenKeyRouting.status, 403);
  assert.equal(widenKeyRouting.param, 'X-Include-Providers');
  const notAllowed = await fails({}, exchange({ 'x-routing-strategy': 'cost' }, key({ allowRoutingHeaders: false })));
  assert.equal(notAllowed.status, 403);
  assert.equal(notAllowed.code, 'routing_headers_not_allowed');
  for (const [header, value] of [
    ['x-routing-strategy', 'fastest'],
    ['x-provider-weights', 'openai=heavy'],
    ['x-max-cost-per-request', '-1'],
    ['x-max-latency-ms', 'soon'],
    ['x-provider', 'a,b'],
    ['x-data-residency', 'mars'],
    ['x-exclude-providers', 'openai,azure-eu,anthropic,local'],
  ] as const) {
    const err = await fails({}, exchange({ [header]: value }, key()));
    assert.equal(err.status, 400, `${header}: ${value}`);
    assert.equal(err.param?.toLowerCase(), header);
  }
  const session = await fails({}, exchange({ 'x-session-id': 'bad id with spaces' }));
  assert.equal(session.param, 'X-Session-Id');
  const ignored = await plan({ routingHeaders: 'never' }, exchange({ 'x-provider': 'anthropic' }, key({ allowRoutingHeaders: false })));
  assert.equal(providers(ignored)[0], 'openai');
});

test('X-Max-Latency-Ms drops measured-slow targets', async () => {
  const stats = new RoutingStats({ now: () => 1000 });
  stats.record({ provider: 'openai', model: 'gpt-4o' }, 2500, 300, 900);
  const ex = await plan({ stats }, exchange({ 'x-max-latency-ms': '2000' }, key()));
  assert.deepEqual(providers(ex), ['azure-eu', 'anthropic', 'local']);
});

test('session affinity keeps a session on its target and moves it only when that target fails', async () => {
  const store = new MemoryStore({ sweepIntervalMs: 0 });
  const options = { store, routing: { strategy: 'round-robin' }, sessionTtlMs: 60_000 };
  const serve = async (ex: Exchange, failing: string[] = []) => {
    await plan(options, ex);
    for (const target of ex.plan!.targets) {
      const ok = !failing.includes(target.provider);
      ex.attempts.push({ target, startedAt: 0, endedAt: 1, outcome: ok ? 'success' : 'failure' });
      if (ok) break;
    }
    ex.settle({ outcome: 'completed', status: 200 });
    await new Promise((r) => setImmediate(r));
    return ex.attempts.at(-1)!.target.provider;
  };
  const first = await serve(exchange({ 'x-session-id': 's1' }));
  assert.equal(first, 'openai');
  for (let i = 0; i < 3; i++) {
    const ex = exchange({ 'x-session-id': 's1' });
    assert.equal(await serve(ex), 'openai', 'round-robin would have moved it');
    assert.match(ex.plan!.targets[0]!.reason, /^session affinity/);
  }
  assert.equal(await serve(exchange({ 'x-session-id': 's1' }), ['openai']), 'azure-eu');
  assert.equal(await serve(exchange({ 'x-session-id': 's1' })), 'azure-eu', 'stays on the new target');
  assert.notEqual(await serve(exchange({ 'x-session-id': 's2' })), undefined);
});

test('bad options fail at start-up', () => {
  assert.throws(() => strategySelector({ routing: { strategy: 'fastest' } }), /routing\.strategy/);
  assert.throws(() => strategySelector({ routing: { strategy: 'latency' } }), /needs stats/);
  assert.throws(() => strategySelector({ routing: { latency: { window: 'soon' } } }), /routing\.latency\.window/);
  assert.throws(() => strategySelector({ sessionTtlMs: 0 }), TypeError);
  assert.throws(() => strategySelector({ routingHeaders: 'maybe' as 'key' }), TypeError);
});
