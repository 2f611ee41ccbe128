import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import { registerConfigFormats } from '@switchyard/core';
import { httpRequest, serve } from '@switchyard/core/testing';
import { overloadedAndHealthy, unusedTransport } from './fake-adapters.test.util.js';
import { failoverConfigSchema, fallbackConfigSchema, type FailoverConfig, type FallbackConfig } from './config.js';
import { failoverOptionsFromConfig, healthCheckOptionsFromConfig } from './config-options.js';
import { failover } from './failover.js';

registerConfigFormats(convict);

function load(env: Record<string, string>, raw: object = {}): { failover: FailoverConfig; fallback: FallbackConfig } {
  const config = convict({ failover: failoverConfigSchema('APP_FAILOVER'), fallback: fallbackConfigSchema('APP_FALLBACK') }, { env, args: [] });
  config.load(raw);
  config.validate({ allowed: 'strict' });
  return { failover: config.get('failover') as FailoverConfig, fallback: config.get('fallback') as FallbackConfig };
}

const adapters = overloadedAndHealthy;
const transport = unusedTransport;
const providers = [{ name: 'a' }, { name: 'b' }];

test('failover from env through its convict fragments: deadlines, breaker, fallback and hedging arrive in the options', () => {
  const options = failoverOptionsFromConfig(
    load({
      APP_FAILOVER_MAX_RETRIES: '1',
      APP_FAILOVER_FIRST_TOKEN_TIMEOUT: '3s',
      APP_FAILOVER_BREAKER_FAILURE_THRESHOLD: '3',
      APP_FAILOVER_BREAKER_TIMEOUT: '1m',
      APP_FAILOVER_BREAKER_SHARED_REFRESH: '2s',
      APP_FAILOVER_HEDGE_AFTER: 'p95',
      APP_FAILOVER_STREAM_CONTINUATION: 'false',
      APP_FALLBACK_PROVIDER: 'b',
      APP_FALLBACK_ON_RATE_LIMIT: '0',
    }),
    { providers, totalMs: 60_000 },
  );
  assert.equal(options.enabled, true);
  assert.equal(options.maxRetries, 1);
  assert.equal(options.maxAttempts, 6, 'the whole chain with its retries, at least 6');
  assert.deepEqual(options.breaker, { consecutiveFailures: 3, coolDownMs: 60_000 });
  assert.equal(options.storeRefreshMs, 2000);
  assert.deepEqual(options.timeouts, { firstTokenMs: 3000, totalMs: 60_000 });
  assert.deepEqual(options.conditions, { b: ['error'] });
  assert.deepEqual(options.hedge, { after: 'p95', budget: 0.1 });
  assert.deepEqual(options.continuation, { enabled: false, regenerate: false });
  assert.equal(options.retryCodes, undefined);
});

test('failover from env, mounted in Express: APP_FAILOVER_ENABLED=false means one attempt', async () => {
  for (const [env, status, provider] of [
    [{}, 200, 'b'],
    [{ APP_FAILOVER_ENABLED: 'false' }, 503, undefined],
  ] as const) {
    const options = failoverOptionsFromConfig(load({ APP_FAILOVER_MAX_RETRIES: '0', ...env }), { providers });
    const server = await serve('express', [
      failover({ adapters: adapters(), transport, sleep: async () => {}, targets: [{ provider: 'a' }, { provider: 'b' }], ...options }),
    ]);
    try {
      const res = await httpRequest(`${server.url}/v1/chat/completions`, { body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(res.status, status, res.text);
      assert.equal(res.headers['x-switchyard-provider'], provider);
    } finally {
      await server.close();
    }
  }
});

test('failover fragments: a bad value fails naming the field; two prefixes do not collide', () => {
  assert.throws(() => load({ APP_FAILOVER_ENABLED: 'off' }), /failover\.enabled/);
  assert.throws(() => load({ APP_FAILOVER_BREAKER_TIMEOUT: 'later' }), /circuit_breaker\.timeout/);
  assert.throws(() => load({ APP_FALLBACK_ON_ERROR: 'sometimes' }), /fallback\.on_error/);
  assert.throws(() => load({}, { failover: { circuit_breaker: { failure_treshold: 2 } } }), /failure_treshold/);
  const both = convict({ a: failoverConfigSchema('A_FAILOVER'), b: failoverConfigSchema('B_FAILOVER') }, { env: { A_FAILOVER_MAX_ATTEMPTS: '2' }, args: [] });
  assert.deepEqual([both.get('a.max_attempts'), both.get('b.max_attempts')], [2, null]);
});

test("health checks from the providers' blocks: only enabled ones, the first block's interval, each endpoint", () => {
  const io = { adapters: adapters(), transport };
  assert.equal(healthCheckOptionsFromConfig([{ name: 'a' }, { name: 'b', health_check: { enabled: false } }], io), undefined);
  const check = healthCheckOptionsFromConfig(
    [{ name: 'a', health_check: { enabled: true, interval: '10s', timeout: '2s', endpoint: '/health' } }, { name: 'b' }],
    io,
  );
  assert.deepEqual(
    { ...check, adapters: undefined, transport: undefined },
    { adapters: undefined, transport: undefined, providers: ['a'], intervalMs: 10_000, timeoutMs: 2000, endpoints: { a: '/health' } },
  );
  assert.throws(
    () => healthCheckOptionsFromConfig([{ name: 'a', health_check: { enabled: true, interval: 'often' } }], io),
    /providers\[0\]\.health_check\.interval/,
  );
});
