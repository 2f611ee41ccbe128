import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import { registerConfigFormats, type Exchange } from '@switchyard/core';
import { httpRequest, serve } from '@switchyard/core/testing';
import { modelMappingConfigSchema, modelMappingOptionsFromConfig, type ModelMappingConfig } from './config.js';
import { modelMapping } from './model-mapping.js';

registerConfigFormats(convict);
const providers = [{ name: 'p1', type: 'openai-compatible', models: ['m-1', 'm-2'] }];

function load(raw: object): ModelMappingConfig {
  const config = convict({ ai: modelMappingConfigSchema() }, { env: {}, args: [] });
  config.load(raw);
  config.validate({ allowed: 'strict' });
  return config.get('ai') as ModelMappingConfig;
}

test('model-mapping through its convict fragment, mounted in Express: aliases and groups arrive in the options', async () => {
  const ai = load({
    ai: { model_mapping: { smart: { p1: 'm-1' } }, groups: { fast: ['p1/m-2'] }, models: [{ provider: 'p1', model: 'm-2', context_window: 8000 }] },
  });
  const options = modelMappingOptionsFromConfig({ ...ai, providers }, 'ai');
  const candidates = async (exchange: Exchange) => {
    exchange.response = { kind: 'json', status: 200, headers: {}, body: JSON.stringify(exchange.candidates?.map((t) => `${t.provider}/${t.model}`)) };
  };
  const server = await serve('express', [modelMapping(options), candidates]);
  try {
    const ask = async (model: string) =>
      (await httpRequest(`${server.url}/v1/chat/completions`, { body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) })).json();
    assert.deepEqual(await ask('smart'), ['p1/m-1']);
    assert.deepEqual(await ask('fast'), ['p1/m-2']);
  } finally {
    await server.close();
  }
});

test('model-mapping fragment: a bad value fails naming the field', () => {
  assert.throws(
    () => modelMappingOptionsFromConfig({ ...load({ ai: { model_mapping: { smart: { p1: 3 } } } }), providers }, 'ai'),
    /^Error: ai\.model_mapping\.smart\.p1: must be a model name/,
  );
  assert.throws(() => modelMappingOptionsFromConfig({ ...load({ ai: { groups: { fast: 'p1/m-2' } } }), providers }, 'ai'), /ai\.groups\.fast: must be a list/);
  assert.throws(() => load({ ai: { models: [{ provider: 'p1' }] } }), /ai\.models: \[0\]: needs provider and model/);
  assert.throws(() => load({ ai: { model_mapping: ['smart'] } }), /ai\.model_mapping/);
});
