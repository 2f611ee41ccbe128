import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Target } from '@switchyard/core';
import { costStrategy } from './cost.js';
import { latencyStrategy } from './latency.js';
import { leastBusyStrategy } from './least-busy.js';
import { priorityStrategy } from './priority.js';
import { roundRobinStrategy } from './round-robin.js';
import { normalizeStrategy } from './strategy.js';
import { weightedStrategy } from './weighted.js';
import { replay, seeded } from './fixtures.js';

const t = (provider: string, extra: Partial<Target> = {}): Target => ({ provider, model: 'm', ...extra });
const names = (ts: Target[]) => ts.map((x) => x.provider);

test('weighted: the first pick follows the weights within 1.5 points over 20000 draws', () => {
  const candidates = [t('openai', { weight: 60 }), t('anthropic', { weight: 30 }), t('local', { weight: 10 })];
  const random = seeded(42);
  const counts: Record<string, number> = { openai: 0, anthropic: 0, local: 0 };
  const N = 20_000;
  for (let i = 0; i < N; i++) counts[weightedStrategy(candidates, { random })[0]!.provider]!++;
  for (const [name, share] of [
    ['openai', 60],
    ['anthropic', 30],
    ['local', 10],
  ] as const) {
    const got = (100 * counts[name]!) / N;
    assert.ok(Math.abs(got - share) < 1.5, `${name}: ${got}% vs ${share}%`);
  }
});

test('weighted: every target stays in the plan as a fallback; zero weight goes last', () => {
  const plan = weightedStrategy([t('a', { weight: 0 }), t('b', { weight: 1 }), t('c', { weight: 3 })], { random: replay(0.9, 0.1) });
  assert.deepEqual(names(plan), ['c', 'b', 'a']);
  assert.match(plan[0]!.reason, /weight 3\/4/);
});

test('priority: priority 0 first, then higher numbers; weights split traffic inside one level', () => {
  const candidates = [
    t('local', { priority: 3 }),
    t('anthropic', { priority: 2 }),
    t('openai', { priority: 1 }),
    t('azure', { priority: 1, weight: 3 }),
    t('zero'),
  ];
  const plan = priorityStrategy(candidates, { random: replay(0.5) });
  assert.equal(plan[0]!.provider, 'zero', 'missing priority counts as 0');
  assert.deepEqual(names(plan.slice(3)), ['anthropic', 'local']);
  assert.deepEqual(new Set(names(plan.slice(1, 3))), new Set(['openai', 'azure']));
  assert.equal(plan.at(-1)!.reason, 'priority 3');
  const random = seeded(7);
  let azure = 0;
  for (let i = 0; i < 4000; i++) if (priorityStrategy(candidates.slice(0, 4), { random })[0]!.provider === 'azure') azure++;
  assert.ok(Math.abs(azure / 4000 - 0.75) < 0.03, `azure share ${azure / 4000}`);
});

test('round-robin: exact rotation by cursor, with the rest as fallbacks', () => {
  const candidates = [t('a'), t('b'), t('c')];
  const firsts = [0, 1, 2, 3, 4, 5].map((cursor) => roundRobinStrategy(candidates, { cursor })[0]!.provider);
  assert.deepEqual(firsts, ['a', 'b', 'c', 'a', 'b', 'c']);
  assert.deepEqual(names(roundRobinStrategy(candidates, { cursor: 4 })), ['b', 'c', 'a']);
});

test('cost: cheapest first, unknown prices last and never under a ceiling', () => {
  const prices: Record<string, number | null> = { a: 0.03, b: 0.01, c: null, d: 0.02 };
  const costOf = (x: Target) => prices[x.provider]!;
  const plan = costStrategy([t('a'), t('b'), t('c'), t('d')], { costOf });
  assert.deepEqual(names(plan), ['b', 'd', 'a', 'c']);
  assert.match(plan[3]!.reason, /price unknown/);
  assert.deepEqual(names(costStrategy([t('a'), t('b'), t('c'), t('d')], { costOf, maxCostUsd: 0.02 })), ['b', 'd']);
});

test('latency: unmeasured targets are explored first, then fastest first, and a ceiling drops slow ones', () => {
  const ms: Record<string, number | undefined> = { slow: 900, fast: 120, fresh: undefined };
  const plan = latencyStrategy([t('slow'), t('fast'), t('fresh')], { latencyOf: (x) => ms[x.provider], label: 'p95 latency' });
  assert.deepEqual(names(plan), ['fresh', 'fast', 'slow']);
  assert.equal(plan[1]!.reason, 'p95 latency: 120 ms');
  assert.deepEqual(names(latencyStrategy([t('slow'), t('fast')], { latencyOf: (x) => ms[x.provider], maxLatencyMs: 500 })), ['fast']);
});

test('least-busy: fewest in flight first, ties keep order', () => {
  const inflight: Record<string, number> = { a: 3, b: 0, c: 1, d: 0 };
  assert.deepEqual(names(leastBusyStrategy([t('a'), t('b'), t('c'), t('d')], { inFlightOf: (x) => inflight[x.provider]! })), ['b', 'd', 'c', 'a']);
});

test('strategy names from configs and headers', () => {
  assert.equal(normalizeStrategy('round_robin'), 'round-robin');
  assert.equal(normalizeStrategy('cost-optimized'), 'cost');
  assert.equal(normalizeStrategy('performance'), 'latency');
  assert.equal(normalizeStrategy('fallback'), 'priority');
  assert.equal(normalizeStrategy('Model'), 'model');
  assert.equal(normalizeStrategy('fastest'), undefined);
});
