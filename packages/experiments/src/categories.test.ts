import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exchange } from '@switchyard/core';
import { categoriser } from './categories.js';
import { experiments } from './experiments.js';
import { MemoryFeedbackStore } from './feedback.js';

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra });

test('the built-in rules label code, math, creative, extraction and chat; configured rules come first', () => {
  const categorise = categoriser([{ category: 'support', metadata: { team: 'support' } }]);
  assert.equal(categorise(ask('Why does this function return undefined?\n```js\nconst f = () => { x }\n```')), 'code');
  assert.equal(categorise(ask('Solve for x: 2x + 3 = 7')), 'math');
  assert.equal(categorise(ask('Write a short poem about trains')), 'creative');
  assert.equal(categorise(ask('Extract the names and dates from this letter')), 'extraction');
  assert.equal(categorise(ask('Look up the weather', { tools: [{ type: 'function', function: { name: 'weather' } }] })), 'extraction');
  assert.equal(categorise(ask('Hello, how are you today?')), 'chat');
  assert.equal(categorise(ask('Write a poem', { metadata: { team: 'support' } })), 'support');
});

test('category routing sends code prompts to the configured target and leaves other prompts alone', async () => {
  const exp = experiments({
    categoryRoutes: {
      code: {
        targets: [
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'openai', model: 'gpt-4o', fallbackOnly: true },
        ],
      },
    },
  });
  const run = async (body: Record<string, unknown>) => {
    const exchange = new Exchange({ format: 'openai.chat', body, headers: {} });
    exchange.plan = { strategy: 'priority', targets: [{ provider: 'openai', model: 'gpt-4o-mini', reason: 'default' }] };
    await exp.middleware(exchange, async () => {});
    return exchange;
  };
  const code = await run(ask('Refactor this: ```py\ndef f(x): return x```'));
  assert.deepEqual(
    code.plan!.targets.map((t) => `${t.provider}/${t.model}`),
    ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o'],
  );
  assert.equal(code.plan!.strategy, 'category:code');
  assert.equal(code.responseHeaders['x-switchyard-category'], 'code');
  const chat = await run(ask('Good morning!'));
  assert.deepEqual(
    chat.plan!.targets.map((t) => t.model),
    ['gpt-4o-mini'],
  );
  assert.equal(chat.responseHeaders['x-switchyard-category'], 'chat');
});

test('cost_quality_balance: the cheapest target whose measured quality for the category meets the threshold goes first', async () => {
  let clock = 1_000_000;
  const store = new MemoryFeedbackStore();
  const prices: Record<string, number> = { 'cheap/mini': 0.6, 'dear/large': 10, 'mid/medium': 2 };
  const exp = experiments({
    feedbackStore: store,
    now: () => clock,
    price: (p, m) => prices[`${p}/${m}`],
    categoryRoutes: {
      code: {
        optimization: 'cost_quality_balance',
        qualityMin: 0.8,
        targets: [
          { provider: 'dear', model: 'large' },
          { provider: 'mid', model: 'medium' },
          { provider: 'cheap', model: 'mini' },
        ],
      },
    },
  });
  const order = async () => {
    const exchange = new Exchange({ format: 'openai.chat', body: ask('fix this bug: ```const x = 1```'), headers: {}, now: () => clock });
    await exp.middleware(exchange, async () => {});
    return exchange.plan!.targets.map((t) => t.provider);
  };
  assert.deepEqual(await order(), ['cheap', 'mid', 'dear'], 'nothing measured yet: cheapest first');
  const rate = (provider: string, model: string, category: string, score: number, i: number) =>
    store.put({ requestId: `${provider}-${category}-${i}`, principalId: null, provider, model, category, score, label: null, comment: null, time: clock });
  for (let i = 0; i < 10; i++) {
    await rate('cheap', 'mini', 'code', 0.5, i); // cheap but poor at code
    await rate('mid', 'medium', 'code', 0.85, i);
    await rate('dear', 'large', 'code', 0.95, i);
    await rate('cheap', 'mini', 'chat', 0.99, i); // good at chat does not count for code
  }
  clock += 61_000; // the measured quality is re-read at most once a minute
  await order();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(await order(), ['mid', 'dear', 'cheap']);
});
