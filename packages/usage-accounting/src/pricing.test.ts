import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyUsage } from '@switchyard/core';
import { computeCost, formatUsd } from './pricing.js';
import { fromAnthropicUsage, fromOpenAiUsage } from './usage-parse.js';

const usage = { ...emptyUsage(), inputTokens: 1000, cacheReadTokens: 2000, cacheWriteTokens: 500, outputTokens: 100, reasoningTokens: 60 };

test('each token class is priced once; reasoning is part of output, not added again', () => {
  const cost = computeCost(usage, { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 }, 'a/b');
  assert.deepEqual(cost, {
    usd: 0.006975,
    currency: 'USD',
    breakdown: { input: 0.003, cache_read: 0.0006, cache_write: 0.001875, cache_write_1h: 0, output: 0.0015 },
  });
});

test('one-hour cache writes pay the one-hour rate, the rest of the writes the five-minute rate', () => {
  const price = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75, cacheWrite1hPerMTok: 6 };
  const cost = computeCost({ ...usage, cacheWrite1hTokens: 300 }, price, 'a/b');
  assert.deepEqual(cost, {
    usd: 0.00765,
    currency: 'USD',
    breakdown: { input: 0.003, cache_read: 0.0006, cache_write: 0.00075, cache_write_1h: 0.0018, output: 0.0015 },
  });
  // A model without a one-hour price: every write at the cache-write rate.
  assert.equal(computeCost({ ...usage, cacheWrite1hTokens: 300 }, { ...price, cacheWrite1hPerMTok: undefined }, 'a/b').usd, 0.006975);
});

test('missing cache prices: null with a reason by default, input price when configured', () => {
  const price = { inputPerMTok: 3, outputPerMTok: 15 };
  assert.deepEqual(computeCost(usage, price, 'a/b'), { usd: null, reason: 'no cache-read price for a/b' });
  assert.deepEqual(computeCost({ ...usage, cacheReadTokens: 0 }, { ...price, cacheReadPerMTok: 1 }, 'a/b'), {
    usd: null,
    reason: 'no cache-write price for a/b',
  });
  assert.equal(computeCost(usage, price, 'a/b', 'input').usd, (3500 * 3 + 100 * 15) / 1e6);
  assert.equal(
    computeCost({ ...usage, cacheReadTokens: 0, cacheWriteTokens: 0 }, price, 'a/b').usd,
    (1000 * 3 + 100 * 15) / 1e6,
    'no cache tokens: no cache price needed',
  );
  assert.deepEqual(computeCost(usage, undefined, 'x/y'), { usd: null, reason: 'no price for x/y' });
});

test('OpenAI usage: cached tokens are taken out of prompt_tokens; Anthropic input already excludes them', () => {
  assert.deepEqual(
    fromOpenAiUsage({
      prompt_tokens: 1200,
      completion_tokens: 80,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 64 },
    }),
    { inputTokens: 176, cacheReadTokens: 1024, cacheWriteTokens: 0, cacheWrite1hTokens: 0, outputTokens: 80, reasoningTokens: 64, source: 'provider' },
  );
  assert.deepEqual(
    fromAnthropicUsage({
      input_tokens: 12,
      cache_read_input_tokens: 1024,
      cache_creation_input_tokens: 300,
      output_tokens: 40,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    }),
    { inputTokens: 12, cacheReadTokens: 1024, cacheWriteTokens: 300, cacheWrite1hTokens: 200, outputTokens: 40, reasoningTokens: 0, source: 'provider' },
  );
});

test('cost header values are plain decimals', () => {
  assert.equal(formatUsd(0.00000012), '0.00000012');
  assert.equal(formatUsd(1.5), '1.5');
  assert.equal(formatUsd(0), '0');
});
