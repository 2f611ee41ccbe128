import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCatalog } from './catalog.js';
import { ModelMapper } from './mapper.js';
import type { MappingConfig } from './config.js';
import { LOOM_CONFIG } from './fixtures.js';

const mapperFor = (config: MappingConfig) => new ModelMapper(config, createCatalog({ providers: config.providers, models: config.models }));

test('an alias maps per provider, with routing priorities attached', () => {
  const r = mapperFor(LOOM_CONFIG).resolve('gpt-4')!;
  assert.equal(r.via, 'alias');
  assert.deepEqual(
    r.targets.map((t) => [t.provider, t.model, t.priority]),
    [
      ['openai', 'gpt-4-turbo-preview', 1],
      ['anthropic', 'claude-3-opus-20240229', 2],
      ['local', 'llama-2-70b', 3],
    ],
  );
});

test('exact upstream names and provider-prefixed names resolve', () => {
  const mapper = mapperFor(LOOM_CONFIG);
  assert.deepEqual(
    mapper.resolve('claude-3-sonnet')?.targets.map((t) => t.provider),
    ['anthropic'],
  );
  const prefixed = mapper.resolve('anthropic/claude-3-opus')!;
  assert.equal(prefixed.via, 'provider-prefix');
  assert.deepEqual(
    prefixed.targets.map((t) => [t.provider, t.model]),
    [['anthropic', 'claude-3-opus']],
  );
  assert.deepEqual(
    mapper.resolve('local/gpt-4')?.targets.map((t) => [t.provider, t.model]),
    [['local', 'llama-2-70b']],
  );
  assert.equal(mapper.resolve('anthropic/gpt-3.5-turbo'), undefined);
  assert.equal(mapper.resolve('gpt-9'), undefined);
});

test('groups combine aliases, provider/model pairs and names', () => {
  const mapper = mapperFor({
    ...LOOM_CONFIG,
    model_mapping: { ...LOOM_CONFIG.model_mapping, fast: { openai: 'gpt-3.5-turbo', anthropic: 'claude-3-haiku-20240307' } },
    groups: { smart: ['gpt-4', 'anthropic/claude-3-sonnet'], cheap: [{ provider: 'local', model: 'llama-2-70b' }] },
  });
  assert.deepEqual(
    mapper.resolve('fast')?.targets.map((t) => `${t.provider}/${t.model}`),
    ['openai/gpt-3.5-turbo', 'anthropic/claude-3-haiku-20240307'],
  );
  assert.deepEqual(
    mapper.resolve('smart')?.targets.map((t) => `${t.provider}/${t.model}`),
    ['openai/gpt-4-turbo-preview', 'anthropic/claude-3-opus-20240229', 'anthropic/claude-3-sonnet', 'local/llama-2-70b'],
  );
  assert.equal(mapper.resolve('cheap')?.via, 'group');
  assert.ok(mapper.availableNames().includes('smart'));
});

test('model_routes pin a model (or prefix) to a provider, and default catches unknown models', () => {
  const mapper = mapperFor({
    providers: LOOM_CONFIG.providers,
    routing: {
      strategy: 'model',
      model_routes: { 'gpt-4': 'openai', 'gpt-3.5-turbo': 'openai', 'claude-3-opus': 'anthropic', 'claude-3-sonnet': 'anthropic', default: 'openai' },
    },
  });
  assert.deepEqual(
    mapper.resolve('claude-3-opus-20240229')?.targets.map((t) => `${t.provider}/${t.model}`),
    ['anthropic/claude-3-opus-20240229'],
  );
  const unknown = mapper.resolve('mystery-model')!;
  assert.equal(unknown.via, 'model-route-default');
  assert.deepEqual(
    unknown.targets.map((t) => `${t.provider}/${t.model}`),
    ['openai/mystery-model'],
  );
});

test('with routing.providers configured, implicit resolution only uses providers listed there', () => {
  const mapper = mapperFor({ ...LOOM_CONFIG, routing: { strategy: 'round_robin', providers: [{ name: 'openai' }, { name: 'anthropic' }] } });
  assert.deepEqual(
    mapper.resolve('gpt-4')?.targets.map((t) => t.provider),
    ['openai', 'anthropic'],
  );
  assert.equal(mapper.resolve('llama-2-70b'), undefined);
  assert.deepEqual(
    mapper.resolve('local/llama-2-70b')?.targets.map((t) => t.provider),
    ['local'],
    'an explicit prefix still works',
  );
});

test('bad routing.providers entries fail at start-up', () => {
  assert.throws(() => mapperFor({ ...LOOM_CONFIG, routing: { providers: [{ name: 'openai', weight: -1 }] } }), /routing.providers\[0\].weight/);
});
