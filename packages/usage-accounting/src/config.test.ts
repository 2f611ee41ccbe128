import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import { registerConfigFormats } from '@switchyard/core';
import { usageAccountingConfigSchema, usageAccountingOptionsFromConfig, type UsageAccountingConfig } from './config.js';
import { usageAccounting } from './middleware.js';
import { chain, fakeExecutor, OPENAI, post, prices, recorder, startKoa } from './harness.test.js';

registerConfigFormats(convict);

function load(env: Record<string, string>): UsageAccountingConfig {
  const config = convict({ usage: usageAccountingConfigSchema('APP_USAGE') }, { env, args: [] });
  config.validate({ allowed: 'strict' });
  return config.get('usage') as UsageAccountingConfig;
}

test('usage-accounting from env through its convict fragment, mounted in Koa: the values arrive in the options', async () => {
  const env = {
    APP_USAGE_CAPTURE_BODIES: '1',
    APP_USAGE_COST_HEADER: 'false',
    APP_USAGE_BATCH_SIZE: '7',
    APP_USAGE_FLUSH_INTERVAL: '250ms',
    APP_USAGE_RETENTION: '2d',
  };
  const { enabled, ...options } = usageAccountingOptionsFromConfig(load(env));
  assert.equal(enabled, true);
  assert.deepEqual(options, { batchSize: 7, flushIntervalMs: 250, retentionMs: 172_800_000, capture: { request: true, response: true }, costHeader: false });
  const rec = recorder();
  const accounting = usageAccounting({ ...options, prices, onRecord: rec.onRecord });
  const body = {
    id: 'c1',
    object: 'chat.completion',
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 2 },
  };
  const server = await startKoa(
    chain(
      accounting,
      fakeExecutor(() => ({ attempts: [{ target: OPENAI, outcome: 'success' }], json: { body } })),
    ),
  );
  try {
    const res = await post(`${server.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-switchyard-cost-usd'), null, 'cost_header: false');
    const [record] = await rec.until(1);
    assert.deepEqual((record!.requestBody as { messages: unknown }).messages, [{ role: 'user', content: 'hello' }], 'capture_bodies: 1');
  } finally {
    await server.close();
    await accounting.close();
  }
});

test('usage-accounting fragment: a bad value fails naming the field; two prefixes do not collide', () => {
  assert.throws(() => load({ APP_USAGE_CAPTURE_BODIES: 'no' }), /usage\.capture_bodies/);
  assert.throws(() => load({ APP_USAGE_BATCH_SIZE: '-3' }), /usage\.batch_size/);
  assert.throws(() => usageAccountingOptionsFromConfig({ ...load({}), retention: 'forever' }), /usage\.retention/);
  const both = convict({ a: usageAccountingConfigSchema('A_USAGE'), b: usageAccountingConfigSchema('B_USAGE') }, { env: { A_USAGE_ENABLED: '0' }, args: [] });
  assert.deepEqual([both.get('a.enabled'), both.get('b.enabled')], [false, true]);
});
