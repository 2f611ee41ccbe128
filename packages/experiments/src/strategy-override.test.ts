import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exchange, isGatewayError, type Principal } from '@switchyard/core';
import { seeded } from '@switchyard/core/testing';
import { parseStrategyOverride } from './strategy-input.js';
import { STRATEGY_OVERRIDE, strategyOverride } from './strategy-override.js';

const PROVIDERS = ['openai', 'anthropic', 'google'];
const known = (p: string) => PROVIDERS.includes(p);
/** The example. */
const EXAMPLE = {
  type: 'weighted',
  providers: { openai: { weight: 60, max_cost: 0.01 }, anthropic: { weight: 30, quality_min: 0.9 }, google: { weight: 10, fallback_only: true } },
  optimization: 'cost_quality_balance',
};
const PLANNED = [
  { provider: 'openai', model: 'gpt-4o', reason: 'priority' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', reason: 'priority' },
  { provider: 'google', model: 'gemini-2.5-pro', reason: 'priority' },
];
/** USD per request on each provider (what the catalog and the token estimate would say). */
const COSTS: Record<string, number> = { openai: 0.004, anthropic: 0.003, google: 0.002 };

const paramOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    assert.ok(isGatewayError(err));
    assert.equal(err.status, 400);
    return err.param;
  }
  assert.fail('expected a 400');
};

test('the strategy object is checked strictly: every error names the path of the bad field', () => {
  assert.equal(parseStrategyOverride(EXAMPLE, known).providers.length, 3);
  assert.equal(
    paramOf(() => parseStrategyOverride('weighted', known)),
    'strategy',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ ...EXAMPLE, type: 'fastest' }, known)),
    'strategy.type',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ ...EXAMPLE, optimization: 'cheap' }, known)),
    'strategy.optimization',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ ...EXAMPLE, budget: 1 }, known)),
    'strategy.budget',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ type: 'weighted', providers: { mistral: { weight: 1 } } }, known)),
    'strategy.providers.mistral',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ type: 'weighted', providers: { openai: { weight: -1 } } }, known)),
    'strategy.providers.openai.weight',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ type: 'weighted', providers: { openai: { weight: '60' } } }, known)),
    'strategy.providers.openai.weight',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ providers: { openai: { max_cost: 0 } } }, known)),
    'strategy.providers.openai.max_cost',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ providers: { openai: { quality_min: 1.5 } } }, known)),
    'strategy.providers.openai.quality_min',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ providers: { openai: { fallback_only: 'yes' } } }, known)),
    'strategy.providers.openai.fallback_only',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ providers: { openai: { url: 'http://evil' } } }, known)),
    'strategy.providers.openai.url',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ providers: {} }, known)),
    'strategy.providers',
  );
  assert.equal(
    paramOf(() => parseStrategyOverride({ type: 'weighted', providers: { openai: { weight: 0 } } }, known)),
    'strategy.providers',
  );
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, {}]));
  assert.equal(
    paramOf(() => parseStrategyOverride({ providers: many }, () => true)),
    'strategy.providers',
  );
});

interface RunOptions {
  principal?: Principal;
  quality?: Record<string, number>;
  random?: () => number;
}

async function run(strategy: unknown, options: RunOptions = {}) {
  const middleware = strategyOverride({
    providers: PROVIDERS,
    cost: (provider) => COSTS[provider] ?? null,
    quality: (category, provider) => options.quality?.[`${category}/${provider}`],
    random: options.random ?? seeded(7),
  });
  const exchange = new Exchange({
    format: 'openai.chat',
    body: { model: 'smart', messages: [{ role: 'user', content: 'Refactor this function' }], strategy },
    headers: {},
  });
  if (options.principal) exchange.principal = options.principal;
  exchange.plan = { strategy: 'priority', targets: PLANNED.map((t) => ({ ...t })) };
  let nextBody: Record<string, unknown> | undefined;
  await middleware(exchange, async () => {
    nextBody = exchange.body;
  });
  return { exchange, order: exchange.plan.targets.map((t) => t.provider), nextBody };
}

test('the issue example: cost_quality_balance puts the cheapest provider meeting its constraints first, fallback_only last', async () => {
  // anthropic is cheaper than openai but unmeasured for code: openai (no quality_min) first.
  const cold = await run(EXAMPLE);
  assert.deepEqual(cold.order, ['openai', 'anthropic', 'google']);
  assert.equal(cold.exchange.plan!.strategy, 'override:weighted+cost_quality_balance');
  assert.equal(cold.exchange.responseHeaders['x-switchyard-strategy'], 'override:weighted+cost_quality_balance');
  assert.ok(cold.exchange.locals.has(STRATEGY_OVERRIDE));
  assert.equal(cold.nextBody!.strategy, undefined, 'the field never goes upstream');
  assert.match(cold.exchange.plan!.targets[1]!.reason, /quality unmeasured \(needs 0.9\)/);
  // Measured 0.95 for code: anthropic meets its bar and is the cheaper one.
  const warm = await run(EXAMPLE, { quality: { 'code/anthropic': 0.95 } });
  assert.deepEqual(warm.order, ['anthropic', 'openai', 'google']);
  // 0.95 for chat does not count for a code prompt.
  assert.deepEqual((await run(EXAMPLE, { quality: { 'chat/anthropic': 0.95 } })).order, ['openai', 'anthropic', 'google']);
});

test('max_cost drops a provider whose estimate is above it; when none is left the answer is a 400 naming the field', async () => {
  const cheapOnly = await run({ type: 'priority', providers: { openai: { max_cost: 0.001 }, anthropic: {} } });
  assert.deepEqual(cheapOnly.order, ['anthropic']);
  const none = await run({ type: 'priority', providers: { openai: { max_cost: 0.001 } } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isGatewayError(none));
  assert.deepEqual([none.status, none.code, none.param], [400, 'no_target_within_cost', 'strategy.providers.openai.max_cost']);
});

test('weighted: a seeded run splits first picks by the weights; priority and cost orders compose with fallback_only', async () => {
  const random = seeded(11);
  const firsts = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    const { order } = await run(
      { type: 'weighted', providers: { openai: { weight: 60 }, anthropic: { weight: 30 }, google: { weight: 10, fallback_only: true } } },
      { random },
    );
    firsts.set(order[0]!, (firsts.get(order[0]!) ?? 0) + 1);
    assert.equal(order[2], 'google');
  }
  // 60:30 among the non-fallback providers: about 667 and 333 (binomial sd ~15).
  assert.ok(Math.abs(firsts.get('openai')! - 667) < 75, JSON.stringify([...firsts]));
  assert.equal(firsts.get('google'), undefined, 'a fallback_only provider is never first');
  assert.deepEqual((await run({ type: 'priority', providers: { google: {}, openai: {} } })).order, ['google', 'openai'], 'listed order');
  assert.deepEqual((await run({ type: 'cost', providers: { openai: {}, anthropic: {}, google: { fallback_only: true } } })).order, [
    'anthropic',
    'openai',
    'google',
  ]);
});

test('a key without the routing permission gets 403; a provider outside the key is 403; one the plan lacks is never added', async () => {
  const principal: Principal = { id: 'k1', name: 'k1', kind: 'key' };
  const denied = await run(EXAMPLE, { principal }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isGatewayError(denied));
  assert.deepEqual([denied.status, denied.code, denied.param], [403, 'routing_headers_not_allowed', 'strategy']);
  const confined = await run(EXAMPLE, { principal: { ...principal, allowRoutingHeaders: true, allowedProviders: ['openai', 'anthropic'] } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(isGatewayError(confined));
  assert.deepEqual([confined.status, confined.param], [403, 'strategy.providers.google']);
  const allowed = await run({ type: 'priority', providers: { openai: {} } }, { principal: { ...principal, allowRoutingHeaders: true } });
  assert.deepEqual(allowed.order, ['openai']);

  const middleware = strategyOverride({ providers: PROVIDERS });
  const exchange = new Exchange({ format: 'openai.chat', body: { model: 'm', messages: [], strategy: { providers: { google: {} } } }, headers: {} });
  exchange.plan = { strategy: 'priority', targets: [{ provider: 'openai', model: 'm', reason: 'x' }] };
  const e = await middleware(exchange, async () => {}).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(isGatewayError(e));
  assert.deepEqual([e.status, e.code, e.param], [400, 'no_target_left', 'strategy.providers']);
});
