import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exchange, MemoryStore } from '@switchyard/core';
import { seeded } from '@switchyard/core/testing';
import { categoriser } from './categories.js';
import { classifier } from './classifier.js';
import { experiments } from './experiments.js';
import type { ModelCall, ModelCallRequest } from './model-call.js';

const ask = (content: string) => ({ model: 'auto', messages: [{ role: 'user', content }] });
const CATEGORIES = ['code', 'math', 'creative', 'extraction', 'chat', 'legal'];

/** A model that answers `answers(prompt)`, or hangs until aborted when that is undefined. */
function model(answers: (prompt: string) => string | undefined, costUsd = 0.001) {
  const calls: ModelCallRequest[] = [];
  const call: ModelCall = async (request) => {
    calls.push(request);
    const text = answers(request.prompt);
    if (text === undefined) {
      // AbortSignal.timeout's timer does not hold the process open: this one stands for the server that would.
      const alive = setInterval(() => {}, 1000);
      await new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true })).finally(() =>
        clearInterval(alive),
      );
    }
    return { text: text!, costUsd };
  };
  return { call, calls };
}

test('the classifier labels prompts the rules cannot, caches by prompt, and falls back on unknown labels, errors and timeouts', async () => {
  let clock = 1_000_000;
  const upstream = model((prompt) =>
    prompt.includes('tenancy') ? 'Legal.' : prompt.includes('hang') ? undefined : prompt.includes('boom') ? 'I think this is about gardening' : 'chat',
  );
  const c = classifier(
    { provider: 'cheap', model: 'mini', categories: CATEGORIES, timeoutMs: 50, cacheSize: 2, cacheTtlMs: 60_000 },
    { call: upstream.call, rules: categoriser([]), random: Math.random, now: () => clock },
  );
  assert.deepEqual(await c.classify(ask('Is my tenancy agreement enforceable?')), { category: 'legal', source: 'classifier' });
  assert.match(upstream.calls[0]!.system, /Categories: code, math, creative, extraction, chat, legal/);
  assert.equal(upstream.calls[0]!.purpose, 'classifier');
  assert.deepEqual(await c.classify(ask('Is my tenancy agreement enforceable?')), { category: 'legal', source: 'cache' });
  assert.equal(upstream.calls.length, 1, 'a cached prompt is not asked again');
  // An answer that is no category: the rules decide (a poem is creative to them).
  assert.deepEqual(await c.classify(ask('boom: write a poem')), { category: 'creative', source: 'rules' });
  // The model does not answer in time: the rules decide.
  assert.deepEqual(await c.classify(ask('hang on, solve 2x + 3 = 7')), { category: 'math', source: 'rules' });
  // The cache is bounded (2 entries, least recently used evicted) and answers expire.
  await c.classify(ask('hello there'));
  await c.classify(ask('good morning'));
  assert.equal(c.stats().cached, 2);
  const before = upstream.calls.length;
  await c.classify(ask('Is my tenancy agreement enforceable?'));
  assert.equal(upstream.calls.length, before + 1, 'the evicted prompt is asked again');
  clock += 61_000;
  await c.classify(ask('Is my tenancy agreement enforceable?'));
  assert.equal(upstream.calls.length, before + 2, 'an expired answer is asked again');
});

test('the classifier is capped: a share of traffic and a daily budget; beyond them the rules decide', async () => {
  let clock = Date.UTC(2026, 11, 5, 10);
  const upstream = model(() => 'legal', 0.01);
  const c = classifier(
    { provider: 'cheap', model: 'mini', categories: CATEGORIES, cacheSize: 0, dailyBudgetUsd: 0.03 },
    { call: upstream.call, rules: categoriser([]), random: Math.random, now: () => clock },
  );
  const sources = [];
  for (let i = 0; i < 5; i++) sources.push((await c.classify(ask(`question ${i}`))).source);
  assert.deepEqual(sources, ['classifier', 'classifier', 'classifier', 'rules', 'rules']);
  assert.deepEqual(c.stats(), { calls: 3, spentUsd: 0.03, cached: 0 });
  clock += 86_400_000; // a new UTC day, a new budget
  assert.equal((await c.classify(ask('next day'))).source, 'classifier');

  const sampled = model(() => 'legal', 0);
  const half = classifier(
    { provider: 'cheap', model: 'mini', categories: CATEGORIES, cacheSize: 0, maxShare: 0.5 },
    { call: sampled.call, rules: categoriser([]), random: seeded(3), now: () => clock },
  );
  for (let i = 0; i < 400; i++) await half.classify(ask(`q ${i}`));
  assert.ok(sampled.calls.length > 150 && sampled.calls.length < 250, `${sampled.calls.length} of 400 classified at a 0.5 share`);
});

test("two instances sharing a spend store keep one classifier budget: the second sees the first's spend", async () => {
  const clock = Date.UTC(2026, 11, 6, 10);
  const spendStore = new MemoryStore({ sweepIntervalMs: 0 });
  const upstream = model(() => 'legal', 0.01);
  const make = () =>
    classifier(
      { provider: 'cheap', model: 'mini', categories: CATEGORIES, cacheSize: 0, dailyBudgetUsd: 0.03 },
      { call: upstream.call, rules: categoriser([]), random: Math.random, now: () => clock, spendStore },
    );
  const [one, two] = [make(), make()];
  const sources = [];
  for (let i = 0; i < 2; i++) sources.push((await one.classify(ask(`one ${i}`))).source);
  for (let i = 0; i < 3; i++) sources.push((await two.classify(ask(`two ${i}`))).source);
  assert.deepEqual(sources, ['classifier', 'classifier', 'classifier', 'rules', 'rules']);
  assert.equal(upstream.calls.length, 3);
  assert.equal(await spendStore.get(`classifier:${Math.floor(clock / 86_400_000)}`), 30_000_000);
});

test('in the experiments piece the classifier label routes the request (a prompt the rules call chat goes to the legal route)', async () => {
  const upstream = model((prompt) => (prompt.includes('tenancy') ? 'legal' : 'chat'));
  const exp = experiments({
    call: upstream.call,
    classifier: { provider: 'cheap', model: 'mini', categories: CATEGORIES },
    categoryRoutes: { legal: { targets: [{ provider: 'anthropic', model: 'claude-opus-4-1' }] } },
  });
  const exchange = new Exchange({ format: 'openai.chat', body: ask('Is my tenancy agreement enforceable?'), headers: {} });
  exchange.plan = { strategy: 'priority', targets: [{ provider: 'openai', model: 'gpt-4o-mini', reason: 'default' }] };
  await exp.middleware(exchange, async () => {});
  assert.equal(exchange.responseHeaders['x-switchyard-category'], 'legal');
  assert.deepEqual(
    exchange.plan.targets.map((t) => t.provider),
    ['anthropic'],
  );
  assert.equal(categoriser([])(ask('Is my tenancy agreement enforceable?')), 'chat', 'the rules alone would not have routed it');
});

test('a spend store that does not answer holds a classification up by at most 250 ms; the local budget still counts', async () => {
  const hanging = { get: () => new Promise<never>(() => {}), set: async () => {}, delete: async () => {}, increment: () => new Promise<number>(() => {}) };
  const upstream = model(() => 'legal', 0.01);
  const c = classifier(
    { provider: 'cheap', model: 'mini', categories: CATEGORIES, cacheSize: 0, dailyBudgetUsd: 0.015 },
    { call: upstream.call, rules: categoriser([]), random: Math.random, now: Date.now, spendStore: hanging },
  );
  const started = Date.now();
  assert.deepEqual(await c.classify(ask('one')), { category: 'legal', source: 'classifier' });
  assert.ok(Date.now() - started < 2_000, `${Date.now() - started} ms`);
  assert.equal((await c.classify(ask('two'))).source, 'classifier');
  assert.equal((await c.classify(ask('three'))).source, 'rules', '0.02 spent here is past the 0.015 budget');
});
