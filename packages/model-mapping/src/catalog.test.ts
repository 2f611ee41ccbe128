import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCatalog, costOf, pricesFromCost } from './catalog.js';
import { calcPrice } from '@pydantic/genai-prices';
import { genaiPriceLookup } from './prices.js';
import { LOOM_CONFIG } from './fixtures.js';

test('prices and context windows default from the genai-prices table', () => {
  const catalog = createCatalog({ providers: [{ name: 'openai', type: 'openai', models: ['gpt-4'] }] });
  const m = catalog.get('openai', 'gpt-4')!;
  assert.deepEqual(m.prices, { input: 30, output: 60, cacheRead: null, cacheWrite: null, cacheWrite1h: null });
  assert.equal(m.contextWindow, 8192);
  assert.equal(m.priceSource, 'price-table');
  assert.equal(m.enabled, true);
});

test('a provider cost in the config (per 1k) overrides the table, converted to per million', () => {
  const catalog = createCatalog({ providers: LOOM_CONFIG.providers });
  const m = catalog.get('openai', 'gpt-4')!;
  assert.equal(m.priceSource, 'config');
  assert.ok(Math.abs(m.prices!.input - 10) < 1e-9 && Math.abs(m.prices!.output - 30) < 1e-9);
  assert.equal(m.contextWindow, 8192, 'context window still comes from the table');
  assert.deepEqual(catalog.get('local', 'llama-2-70b')!.prices, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: null });
});

test('a model with no known price is marked unknown, never free', () => {
  const catalog = createCatalog({ providers: [{ name: 'local', type: 'openai-compatible', models: ['llama-2-70b'] }] });
  const m = catalog.get('local', 'llama-2-70b')!;
  assert.equal(m.prices, null);
  assert.equal(m.priceSource, 'unknown');
  assert.equal(catalog.cost('local', 'llama-2-70b', { inputTokens: 1000 }), null);
});

test('per-model overrides and admin updates replace prices, window, capabilities and enabled', () => {
  const catalog = createCatalog({
    providers: LOOM_CONFIG.providers,
    models: [{ provider: 'local', model: 'llama-2-70b', context_window: 4096, capabilities: { tools: false } }],
  });
  const local = catalog.get('local', 'llama-2-70b')!;
  assert.equal(local.contextWindow, 4096);
  assert.equal(local.capabilities.tools, false);
  const updated = catalog.update('openai', 'gpt-4', { enabled: false, cost: { input_per_1m: 1, output_per_1m: 2 } });
  assert.equal(updated.enabled, false);
  assert.equal(updated.priceSource, 'admin');
  assert.equal(catalog.list({ enabled: false }).length, 1);
  assert.throws(() => catalog.update('nope', 'x', {}), /unknown provider/);
});

test('open providers (no models listed) serve what the table knows for their type', () => {
  const catalog = createCatalog({ providers: [{ name: 'oa', type: 'openai' }] });
  assert.equal(catalog.get('oa', 'gpt-4o-mini')?.model, 'gpt-4o-mini');
  assert.equal(catalog.get('oa', 'made-up-model'), undefined);
});

test('costOf prices every token class once', () => {
  const prices = pricesFromCost({ input_per_1m: 3, output_per_1m: 15, cache_read_per_1m: 0.3, cache_write_per_1m: 3.75 })!;
  const usd = costOf(prices, { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 0 })!;
  assert.ok(Math.abs(usd - (3 + 1.5 + 0.3)) < 1e-9);
  assert.equal(costOf({ input: 1, output: 1, cacheRead: null, cacheWrite: null, cacheWrite1h: null }, { inputTokens: 1, cacheReadTokens: 5 }), null);
  assert.throws(() => pricesFromCost({ input_per_1k: -1 }), TypeError);
});

test('the price lookup matches dated model names to the table', () => {
  const hit = genaiPriceLookup('anthropic', 'claude-3-haiku-20240307');
  assert.equal(hit?.prices?.input, 0.25);
  assert.equal(hit?.contextWindow, 200000);
  assert.equal(genaiPriceLookup('simulated', 'x'), undefined);
});

test('the catalog prices like genai-prices itself: long-context tiers and one-hour cache writes', () => {
  const catalog = createCatalog({
    providers: [
      { name: 'claude', type: 'anthropic', models: ['claude-sonnet-4-5', 'claude-sonnet-4-20250514'] },
      { name: 'google', type: 'gemini', models: ['gemini-2.5-pro'] },
      { name: 'oa', type: 'openai', models: ['gpt-4o'] },
    ],
  });
  const cases: Array<[string, string, string]> = [
    ['claude', 'claude-sonnet-4-5', 'anthropic'],
    ['claude', 'claude-sonnet-4-20250514', 'anthropic'],
    ['google', 'gemini-2.5-pro', 'google'],
    ['oa', 'gpt-4o', 'openai'],
  ];
  // Below, at and above the 200k threshold, with and without cache reads and one-hour writes.
  const usages = [
    { inputTokens: 1_000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 },
    { inputTokens: 150_000, outputTokens: 2_000, cacheReadTokens: 50_000, cacheWriteTokens: 0, cacheWrite1hTokens: 0 },
    { inputTokens: 150_000, outputTokens: 2_000, cacheReadTokens: 50_001, cacheWriteTokens: 0, cacheWrite1hTokens: 0 },
    { inputTokens: 240_000, outputTokens: 1_000, cacheReadTokens: 10_000, cacheWriteTokens: 0, cacheWrite1hTokens: 0 },
    { inputTokens: 1_000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 2_000, cacheWrite1hTokens: 1_500 },
    { inputTokens: 230_000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 20_000, cacheWrite1hTokens: 5_000 },
  ];
  for (const [provider, model, providerId] of cases) {
    for (const u of usages) {
      if (providerId !== 'anthropic' && u.cacheWriteTokens > 0) continue; // no cache-write price there
      const expected = calcPrice(
        {
          input_tokens: u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens,
          output_tokens: u.outputTokens,
          cache_read_tokens: u.cacheReadTokens,
          cache_write_tokens: u.cacheWriteTokens,
          cache_write_1h_tokens: u.cacheWrite1hTokens,
        },
        model,
        { providerId },
      )!.total_price;
      const usd = catalog.cost(provider, model, u)!;
      assert.ok(Math.abs(usd - expected) < 1e-9, `${model} ${JSON.stringify(u)}: ${usd} instead of ${expected}`);
    }
  }
});
