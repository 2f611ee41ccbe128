import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateInputTokens, inputTokenBound, loadTokenCounter } from '@switchyard/core';
import { InputSizing } from './input-sizing.js';

const used = (inputTokens: number, outputTokens = 0) => ({ inputTokens, outputTokens, requests: 0, concurrent: 0 });
const big = { format: 'openai.chat' as const, body: { messages: [{ role: 'user', content: 'lorem ipsum dolor sit amet. '.repeat(4000) }] } };
const small = { format: 'openai.chat' as const, body: { messages: [{ role: 'user', content: 'Hello, world!' }] } };

test('a prompt far from its budget (or a key not seen yet) reserves the byte bound, not a tokenizer count', async () => {
  await loadTokenCounter();
  const sizing = new InputSizing();
  const limits = { totalTokensPerHour: 100_000_000 };
  // The first request of a key has no headroom to go by: the bound, which rate-limit re-asks exactly if refused.
  assert.equal(sizing.bound('k', limits, big), inputTokenBound(big));
  sizing.learn('k', limits, used(1_000));
  assert.equal(sizing.bound('k', limits, big), inputTokenBound(big));
  assert.ok(inputTokenBound(big) > estimateInputTokens(big), 'the bound over-reserves, so a strict budget never overspends');
});

test('a small prompt far from its budget reserves the byte bound too: no tokenizer on the hot path', async () => {
  await loadTokenCounter();
  const sizing = new InputSizing();
  const limits = { totalTokensPerHour: 1e12 };
  sizing.learn('s', limits, used(0));
  assert.equal(sizing.bound('s', limits, small), inputTokenBound(small));
  assert.ok(inputTokenBound(small) >= estimateInputTokens(small));
});

test('near the budget or without an input budget, the count must be exact (no bound)', () => {
  const sizing = new InputSizing();
  const limits = { inputTokensPerHour: 400_000 };
  sizing.learn('k', limits, used(100_000));
  // 300,000 tokens left: the ~112,000-byte bound is over a quarter of that.
  assert.equal(sizing.bound('k', limits, big), undefined);
  sizing.learn('r', { requestsPerMinute: 10 }, used(0));
  assert.equal(sizing.bound('r', { requestsPerMinute: 10 }, big), undefined);
  sizing.learn('s', { totalTokensPerHour: 1_000 }, used(990));
  assert.equal(sizing.bound('s', { totalTokensPerHour: 1_000 }, small), undefined);
});
