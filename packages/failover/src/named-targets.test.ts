import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FRAMEWORKS, httpRequest, serve } from '@switchyard/core/testing';
import { ProviderError, type HttpTransport, type ProviderAdapter } from '@switchyard/providers';
import { failover } from './failover.js';

/** a: always overloaded; b: answers with the model it was asked for. */
function adapters(): Map<string, ProviderAdapter> {
  const base = { type: 'fake', models: [], supports: () => true, classify: () => ({ kind: 'server_error' as const, message: '' }) };
  return new Map<string, ProviderAdapter>([
    ['a', { ...base, name: 'a', config: { name: 'a', type: 'fake' }, invoke: async () => { throw new ProviderError('a is overloaded', { kind: 'overloaded', provider: 'a', upstreamStatus: 503 }); } }],
    ['b', { ...base, name: 'b', config: { name: 'b', type: 'fake' }, invoke: async (call) => ({ kind: 'json', status: 200, headers: {}, body: JSON.stringify({ id: 'x', object: 'chat.completion', model: call.model, choices: [] }), firstByteAt: 0 }) }],
  ]);
}

const transport: HttpTransport = { name: 'none', request: () => Promise.reject(new Error('unused')), close: async () => {} };
const chat = (model: string) => ({ body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });

for (const framework of FRAMEWORKS) {
  describe(`failover names its own targets (${framework}, no model-mapping mounted)`, () => {
    it('a static list: tried in order, the client model passed on where none is named', async () => {
      const server = await serve(framework, [failover({ adapters: adapters(), transport, sleep: async () => {}, targets: [{ provider: 'a', model: 'ma' }, { provider: 'b' }] })]);
      try {
        const res = await httpRequest(`${server.url}/v1/chat/completions`, chat('client-model'));
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers['x-switchyard-provider'], 'b');
        assert.equal((res.json() as { model: string }).model, 'client-model');
      } finally {
        await server.close();
      }
    });

    it('a function of the exchange; without targets the request is still a 404', async () => {
      const targets = (exchange: { requestedModel?: string }) => (exchange.requestedModel === 'cheap' ? [{ provider: 'b', model: 'mb-small' }] : undefined);
      const server = await serve(framework, [failover({ adapters: adapters(), transport, sleep: async () => {}, targets })]);
      try {
        const res = await httpRequest(`${server.url}/v1/chat/completions`, chat('cheap'));
        assert.equal(res.status, 200, res.text);
        assert.equal((res.json() as { model: string }).model, 'mb-small');
        const none = await httpRequest(`${server.url}/v1/chat/completions`, chat('other'));
        assert.equal(none.status, 404);
        assert.equal((none.json() as { error: { code: string } }).error.code, 'model_not_found');
      } finally {
        await server.close();
      }
    });
  });
}

it('a malformed targets option is refused at start-up', () => {
  assert.throws(() => failover({ adapters: adapters(), transport, targets: [] }), /targets/);
  assert.throws(() => failover({ adapters: adapters(), transport, targets: [{ provider: '' }] }), /targets\[0\]\.provider/);
});
