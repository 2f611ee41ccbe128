import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '@switchyard/core';
import { createAdapter, createUndiciTransport } from '@switchyard/providers';
import { json, startFaultServer, type FaultServer } from './fault-upstream.test.util.js';
import { modelsEndpointCheck } from './health-probe.js';
import { ProviderHealth } from './provider-health.js';

const transport = createUndiciTransport({ connections: 4 });
let U: FaultServer;
before(async () => {
  U = await startFaultServer();
});
after(async () => {
  await U.close();
  await transport.close();
});

describe('active health check: the models endpoint', () => {
  it('lists models with the provider credential (OpenAI format and Anthropic), never a completion', async () => {
    let status = 200;
    U.set((_req, res) => json(res, status, { object: 'list', data: [] }));
    const events = new EventBus();
    const changes: string[] = [];
    events.on('provider.status', (c) => changes.push(`${c.provider}:${c.status}`));
    const adapters = new Map([
      ['local', createAdapter({ name: 'local', type: 'openai-compatible', base_url: `${U.url}/v1/`, api_key: 'sk-local-key', headers: { 'X-Tenant': 't1' } })],
      ['claude', createAdapter({ name: 'claude', type: 'anthropic', base_url: U.url, api_key: 'sk-ant-key' })],
      ['sim', createAdapter({ name: 'sim', type: 'simulated' })],
    ]);
    const health = new ProviderHealth({ events, modelsCheck: { adapters, transport, timeoutMs: 1000 } });
    try {
      await health.checkNow();
      assert.ok(
        U.requests.every((r) => r.url === '/v1/models'),
        'trailing slash of base_url handled',
      );
      assert.equal(U.requests.length, 2);
      assert.ok(U.requests.every((r) => r.method === 'GET'));
      const openai = U.requests.find((r) => r.headers.authorization)!;
      assert.equal(openai.headers.authorization, 'Bearer sk-local-key');
      assert.equal(openai.headers['x-tenant'], 't1');
      const anthropic = U.requests.find((r) => r.headers['x-api-key'])!;
      assert.equal(anthropic.headers['x-api-key'], 'sk-ant-key');
      assert.equal(anthropic.headers['anthropic-version'], '2023-06-01');
      assert.equal(health.report('local')?.status, 'healthy');
      assert.ok(health.report('local')?.last_check);
      assert.equal(health.report('sim'), undefined, 'no free endpoint to probe: no active check');

      status = 500;
      await health.checkNow('local');
      assert.equal(health.report('local')?.status, 'down');
      assert.equal(health.report('local')?.error, 'GET /v1/models answered 500');
      assert.deepEqual(changes, ['local:down']);
      status = 200;
      await health.checkNow('local');
      assert.equal(health.report('local')?.status, 'healthy');
    } finally {
      health.stop();
    }
  });

  it('an unreachable or silent provider is down; no check for a type without a models endpoint', async () => {
    U.set((req) => req.closed);
    const silent = modelsEndpointCheck(createAdapter({ name: 'x', type: 'openai-compatible', base_url: `${U.url}/v1` }), transport, { timeoutMs: 200 })!;
    const health = new ProviderHealth({ events: new EventBus(), checks: { x: silent } });
    await health.checkNow('x');
    assert.equal(health.report('x')?.status, 'down');
    assert.match(health.report('x')?.error ?? '', /timed out after 200 ms/);
    health.stop();
    assert.equal(modelsEndpointCheck(createAdapter({ name: 's', type: 'simulated' }), transport), undefined);
    // A config's `endpoint: /v1/models` resolves against the origin of base_url.
    U.set((_req, res) => json(res, 200, { data: [] }));
    const custom = modelsEndpointCheck(createAdapter({ name: 'y', type: 'openai-compatible', base_url: `${U.url}/api/v1` }), transport, {
      endpoint: '/v1/models',
    })!;
    await custom.probe(AbortSignal.timeout(1000));
    assert.equal(U.requests[0]?.url, '/v1/models');
  });
});
