import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpTransport } from './transport.js';
import { createOpenAIAdapter } from './adapters/openai.js';
import { isProviderError, notSentError, ProviderError } from './provider-error.js';

/** A transport that records whether anything was sent. */
function recordingTransport(): HttpTransport & { sent: number } {
  const t = {
    sent: 0,
    async request(): Promise<never> {
      t.sent++;
      throw new Error('no upstream in this test');
    },
    async close() {},
  };
  return t as unknown as HttpTransport & { sent: number };
}

test('a request that cannot be serialised fails as a 400 marked notSent, and nothing is sent', async () => {
  const adapter = createOpenAIAdapter({ name: 'oa', type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-not-sent-0123456789abcdef' });
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const transport = recordingTransport();
  const call = {
    format: 'openai.chat' as const,
    body: { model: 'gpt', messages: [{ role: 'user', content: 'hi' }], metadata: { x: deep } },
    model: 'gpt-4o',
    stream: false,
    headers: {},
    requestId: 'req_1',
  };
  const err = await adapter.invoke(call, { transport, signal: new AbortController().signal }).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(isProviderError(err));
  assert.equal(err.notSent, true);
  assert.equal(err.status, 400);
  assert.equal(err.failureKind, 'bad_request');
  assert.equal(transport.sent, 0);
});

test('notSentError keeps a gateway-side ProviderError (no key configured) as it is', () => {
  const auth = new ProviderError('provider oa has no API key configured', { kind: 'auth', provider: 'oa' });
  assert.equal(notSentError('oa', auth), auth);
  const refused = notSentError('oa', new ProviderError('unsupported content part type "x"', { kind: 'bad_request', provider: 'oa' }));
  assert.equal(refused.notSent, true);
  assert.match(refused.message, /unsupported content part/);
  assert.equal(notSentError('oa', new TypeError('x is undefined')).message, 'The request could not be prepared for the upstream provider');
});
