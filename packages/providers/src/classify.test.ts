import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FailureKind } from '@switchyard/core';
import { classifyFailure, parseRetryAfter, safeMessage } from './classify.js';
import { TransportError } from './transport.js';
import { createAdapter, adapterTypes, registerAdapterType } from './registry.js';

const oa = (message: string, type?: string, code?: string) => JSON.stringify({ error: { message, type, code, param: null } });
const an = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });

describe('classification table', () => {
  const cases: [string, number | undefined, string | undefined, FailureKind][] = [
    ['429 rate limit', 429, oa('Rate limit reached', 'requests', 'rate_limit_exceeded'), 'rate_limited'],
    ['429 insufficient_quota is not retryable', 429, oa('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'), 'auth'],
    ['529 anthropic overloaded', 529, an('overloaded_error', 'Overloaded'), 'overloaded'],
    ['overloaded_error without status (in stream)', undefined, an('overloaded_error', 'Overloaded'), 'overloaded'],
    ['500', 500, oa('The server had an error', 'server_error'), 'server_error'],
    ['502 html', 502, '<html>Bad gateway</html>', 'server_error'],
    ['503', 503, oa('The engine is currently overloaded'), 'overloaded'],
    ['503 model unavailable', 503, oa('The model llama-3 is currently loading'), 'model_unavailable'],
    ['504', 504, undefined, 'timeout'],
    ['408', 408, undefined, 'timeout'],
    ['401', 401, an('authentication_error', 'invalid x-api-key'), 'auth'],
    ['403', 403, an('permission_error', 'no access'), 'auth'],
    ['404 model_not_found', 404, oa('The model `gpt-9` does not exist', 'invalid_request_error', 'model_not_found'), 'model_unavailable'],
    ['404 anthropic model', 404, an('not_found_error', 'model: claude-x'), 'model_unavailable'],
    ['404 other', 404, an('not_found_error', 'Not found'), 'bad_request'],
    [
      '400 context_length_exceeded',
      400,
      oa("This model's maximum context length is 8192 tokens", 'invalid_request_error', 'context_length_exceeded'),
      'context_length',
    ],
    ['400 anthropic prompt too long', 400, an('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'), 'context_length'],
    ['400 content_policy_violation', 400, oa('Your request was rejected', 'invalid_request_error', 'content_policy_violation'), 'content_policy'],
    ['400 azure content_filter', 400, oa('The response was filtered', undefined, 'content_filter'), 'content_policy'],
    ['anthropic content filtering refusal', 400, an('invalid_request_error', 'Output blocked by content filtering policy'), 'content_policy'],
    ['other 400', 400, an('invalid_request_error', 'max_tokens: field required'), 'bad_request'],
    ['422', 422, '{"detail":"bad"}', 'bad_request'],
    ['api_error in stream', undefined, an('api_error', 'Internal server error'), 'server_error'],
  ];
  for (const [name, status, body, kind] of cases) {
    it(name, () => assert.equal(classifyFailure({ status, body }).kind, kind));
  }

  it('maps transport errors', () => {
    assert.equal(classifyFailure({ error: new TransportError('x', 'timeout', 'idle') }).kind, 'timeout');
    assert.equal(classifyFailure({ error: new TransportError('x', 'network', 'request') }).kind, 'network');
  });

  it('reads retry-after-ms, retry-after seconds and HTTP dates, and x-should-retry', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' }), 250);
    assert.equal(parseRetryAfter({ 'retry-after': '1.5' }), 1500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(
      parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, () => now),
      30_000,
    );
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }), undefined);
    const c = classifyFailure({ status: 429, headers: { 'retry-after': '2', 'x-should-retry': 'false' }, body: oa('slow down') });
    assert.deepEqual([c.retryAfterMs, c.shouldRetry, c.message], [2000, false, 'slow down']);
  });

  it('scrubs the configured key and key-shaped strings, and truncates', () => {
    const msg = safeMessage('key abcd-EFGH-1234 and sk-proj-abcdefghijk and Bearer abc.def.ghi.jkl', { secrets: ['abcd-EFGH-1234'] });
    assert.equal(msg, 'key [redacted] and [redacted] and [redacted]');
    assert.equal(safeMessage('x'.repeat(600)).length, 500);
    assert.equal(classifyFailure({ status: 500 }).message, 'upstream returned HTTP 500');
  });
});

describe('registry', () => {
  it('names the known types for an unknown one', () => {
    assert.throws(() => createAdapter({ name: 'p', type: 'nope' }), {
      name: 'TypeError',
      message: /"nope".*anthropic, azure, cohere, .*gemini, .*openai, openai-compatible, .*simulated, .*vertex/,
    });
  });

  it('registers a custom type', () => {
    registerAdapterType('custom-test', (config) => createAdapter({ ...config, type: 'simulated' }));
    assert.ok(adapterTypes().includes('custom-test'));
    assert.equal(createAdapter({ name: 'c', type: 'custom-test' }).name, 'c');
  });

  it('validates base_url eagerly', () => {
    assert.throws(() => createAdapter({ name: 'p', type: 'openai', base_url: 'api.openai.com' }), TypeError);
  });
});
