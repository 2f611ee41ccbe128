import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateInputTokens, estimateOutputTokens, loadTokenizer } from './estimate.js';

test('input estimate uses the tokenizer over system, messages and tools; images have a fixed cost', async () => {
  await loadTokenizer();
  const text = { format: 'openai.chat' as const, body: { messages: [{ role: 'user', content: 'Hello, world!' }] } };
  // "user" + "Hello, world!" = 1 + 4 tokens in o200k, plus 4 framing tokens.
  assert.equal(estimateInputTokens(text), 9);
  const image = {
    format: 'anthropic.messages' as const,
    body: { system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'image', source: { data: 'AAAA'.repeat(1000) } }] }] },
  };
  assert.ok(estimateInputTokens(image) > 1600 && estimateInputTokens(image) < 1640, 'base64 data is not tokenized as text');
  assert.equal(estimateInputTokens({ format: 'openai.embeddings', body: { input: ['a b', 'c'] } }), 3);
});

test('output reservation: max_completion_tokens / max_tokens times n, else the default; 0 for embeddings', () => {
  assert.equal(estimateOutputTokens({ format: 'openai.chat', body: { max_completion_tokens: 300, n: 2 } }, 1024), 600);
  assert.equal(estimateOutputTokens({ format: 'anthropic.messages', body: { max_tokens: 50 } }, 1024), 50);
  assert.equal(estimateOutputTokens({ format: 'openai.chat', body: {} }, 1024), 1024);
  assert.equal(estimateOutputTokens({ format: 'openai.embeddings', body: { max_tokens: 9 } }, 1024), 0);
});
