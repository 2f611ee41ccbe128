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

test('the config fragment validates with convict and maps to options', async () => {
  const { default: convict } = await import('convict');
  const { rateLimitConfigSchema, rateLimitOptionsFromConfig } = await import('./config.js');
  const config = convict({ rate_limit: rateLimitConfigSchema() } as never);
  config.load({ rate_limit: { default_limits: { requests_per_minute: 60 }, budget_mode: 'capped' } });
  config.validate({ allowed: 'strict' });
  const options = rateLimitOptionsFromConfig(config.get('rate_limit' as never));
  assert.deepEqual(options, {
    defaultLimits: { requestsPerMinute: 60 },
    defaultOutputTokens: 1024,
    budgetMode: 'capped',
    onStoreError: 'open',
    leaseMs: 30_000,
    blockRequests: 32,
  });
  const bad = convict({ rate_limit: rateLimitConfigSchema() } as never);
  bad.load({ rate_limit: { on_store_error: 'maybe' } });
  assert.throws(() => bad.validate(), /rate_limit\.on_store_error/);
  const badMode = convict({ rate_limit: rateLimitConfigSchema() } as never);
  badMode.load({ rate_limit: { budget_mode: 'loose' } });
  assert.throws(() => badMode.validate(), /rate_limit\.budget_mode/);
});
