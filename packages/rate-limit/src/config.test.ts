import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import { registerConfigFormats, type Exchange } from '@switchyard/core';
import { httpRequest, serve } from '@switchyard/core/testing';
import { rateLimitConfigSchema, rateLimitOptionsFromConfig, type RateLimitConfig } from './config.js';
import { rateLimit } from './rate-limit.js';

registerConfigFormats(convict);

function load(env: Record<string, string>): RateLimitConfig {
  const config = convict({ rate_limit: rateLimitConfigSchema('APP_RATE_LIMIT') }, { env, args: [] });
  config.validate({ allowed: 'strict' });
  return config.get('rate_limit') as RateLimitConfig;
}

test('rate-limit from env through its convict fragment, mounted in Koa: the values arrive in the options', async () => {
  const options = rateLimitOptionsFromConfig(
    load({ APP_RATE_LIMIT_REQUESTS_PER_MINUTE: '1', APP_RATE_LIMIT_LEASE: '10s', APP_RATE_LIMIT_BUDGET_MODE: 'soft', APP_RATE_LIMIT_BLOCK_REQUESTS: '8' }),
  );
  assert.deepEqual(options, {
    defaultLimits: { requestsPerMinute: 1 },
    defaultOutputTokens: 1024,
    budgetMode: 'soft',
    onStoreError: 'open',
    leaseMs: 10_000,
    blockRequests: 8,
  });
  const ok = async (exchange: Exchange) => {
    exchange.response = { kind: 'json', status: 200, headers: {}, body: '{}' };
  };
  const server = await serve('koa', [rateLimit({ ...options, keyFor: () => 'everyone' }), ok]);
  try {
    const ask = () => httpRequest(`${server.url}/v1/chat/completions`, { body: JSON.stringify({ model: 'm', messages: [] }) });
    assert.equal((await ask()).status, 200);
    assert.equal((await ask()).status, 429, 'one request per minute, from the environment');
  } finally {
    await server.close();
  }
});

test('rate-limit fragment: a bad value fails naming the field; two prefixes do not collide', () => {
  assert.throws(() => load({ APP_RATE_LIMIT_ON_STORE_ERROR: 'maybe' }), /rate_limit\.on_store_error/);
  assert.throws(() => load({ APP_RATE_LIMIT_LEASE: 'a while' }), /rate_limit\.lease/);
  const both = convict({ a: rateLimitConfigSchema('A_RL'), b: rateLimitConfigSchema('B_RL') }, { env: { B_RL_BUDGET_MODE: 'capped' }, args: [] });
  assert.deepEqual([both.get('a.budget_mode'), both.get('b.budget_mode')], ['strict', 'capped']);
});

test('the config fragment validates with convict from a file and maps to options', () => {
  const fromFile = (values: object) => {
    const config = convict({ rate_limit: rateLimitConfigSchema() }, { env: {}, args: [] });
    config.load({ rate_limit: values });
    config.validate({ allowed: 'strict' });
    return config.get('rate_limit') as RateLimitConfig;
  };
  assert.deepEqual(rateLimitOptionsFromConfig(fromFile({ default_limits: { requests_per_minute: 60 }, budget_mode: 'capped' })), {
    defaultLimits: { requestsPerMinute: 60 },
    defaultOutputTokens: 1024,
    budgetMode: 'capped',
    onStoreError: 'open',
    leaseMs: 30_000,
    blockRequests: 32,
  });
  assert.throws(() => fromFile({ on_store_error: 'maybe' }), /rate_limit\.on_store_error/);
  assert.throws(() => fromFile({ budget_mode: 'loose' }), /rate_limit\.budget_mode/);
});
