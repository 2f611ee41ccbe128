import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGatewayError, renderOpenAIError, type GatewayError } from '@switchyard/core';
import { createCatalog } from './catalog.js';
import { modelMapping, CANDIDATE_SOURCE, SKIPPED_TARGETS, type ModelMappingOptions } from './model-mapping.js';
import { chat, LOOM_CONFIG } from './fixtures.js';
import type { Exchange } from '@switchyard/core';

async function run(options: ModelMappingOptions, ex: Exchange): Promise<Exchange> {
  let called = false;
  await modelMapping(options)(ex, async () => {
    called = true;
  });
  assert.ok(called, 'next() was called');
  return ex;
}

async function rejects(options: ModelMappingOptions, ex: Exchange): Promise<GatewayError> {
  try {
    await modelMapping(options)(ex, async () => {});
  } catch (err) {
    assert.ok(isGatewayError(err));
    return err;
  }
  throw new Error('expected a GatewayError');
}

const hi = [{ role: 'user', content: 'hi' }];

test('writes candidates for an alias', async () => {
  const ex = await run({ config: LOOM_CONFIG }, chat({ model: 'gpt-4', messages: hi }));
  assert.deepEqual(
    ex.candidates?.map((t) => t.provider),
    ['openai', 'anthropic', 'local'],
  );
  assert.equal(ex.locals.get(CANDIDATE_SOURCE), 'alias');
});

test('an unknown model is a 404 model_not_found listing names the client could use', async () => {
  const err = await rejects({ config: LOOM_CONFIG }, chat({ model: 'gpt-9', messages: hi }));
  assert.equal(err.status, 404);
  assert.equal(err.code, 'model_not_found');
  assert.equal(err.param, 'model');
  assert.match(err.message, /gpt-9/);
  assert.match(err.message, /Available: .*gpt-4.*claude-3-opus/);
  assert.equal((renderOpenAIError(err).error as { type: string }).type, 'not_found_error');
});

test('the suggestion list is bounded', async () => {
  const err = await rejects({ config: LOOM_CONFIG, suggestionLimit: 2 }, chat({ model: 'nope', messages: hi }));
  assert.equal(err.message.split('Available: ')[1]!.split(', ').length, 2);
});

test('disabled models never become candidates', async () => {
  const catalog = createCatalog({ providers: LOOM_CONFIG.providers });
  catalog.update('openai', 'gpt-4-turbo-preview', { enabled: false });
  const ex = await run({ config: LOOM_CONFIG, catalog }, chat({ model: 'gpt-4', messages: hi }));
  assert.deepEqual(
    ex.candidates?.map((t) => t.provider),
    ['anthropic', 'local'],
  );
  catalog.update('openai', 'gpt-3.5-turbo', { enabled: false });
  const err = await rejects({ config: LOOM_CONFIG, catalog }, chat({ model: 'gpt-3.5-turbo', messages: hi }));
  assert.equal(err.status, 404);
});

test('tools, images and JSON schema only go to targets that support them', async () => {
  const config = { ...LOOM_CONFIG, models: [{ provider: 'local', model: 'llama-2-70b', capabilities: { tools: false } }] };
  const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
  const withTools = await run({ config }, chat({ model: 'gpt-4', messages: hi, tools }));
  assert.deepEqual(
    withTools.candidates?.map((t) => t.provider),
    ['openai', 'anthropic'],
  );
  const skipped = withTools.locals.get(SKIPPED_TARGETS) as Array<{ reason: string }>;
  assert.match(skipped[0]!.reason, /local\/llama-2-70b does not support tools/);

  const image = [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'what is this' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      ],
    },
  ];
  const vision = await run({ config }, chat({ model: 'gpt-4', messages: image }));
  // gpt-4-turbo-preview is known to have no vision; llama-2-70b on `local` is not in the price
  // table, so its vision is unknown and the provider answers for itself.
  assert.deepEqual(
    vision.candidates?.map((t) => t.provider),
    ['anthropic', 'local'],
  );

  const onlyLocal = await rejects({ config }, chat({ model: 'llama-2-70b', messages: hi, tools }));
  assert.equal(onlyLocal.status, 400);
  assert.equal(onlyLocal.code, 'capability_unsupported');
  assert.equal(onlyLocal.param, 'tools');

  const schemaConfig = {
    ...config,
    models: [...config.models, { provider: 'anthropic', model: 'claude-3-opus-20240229', capabilities: { jsonSchema: true } }],
  };
  const schema = await run(
    { config: schemaConfig },
    chat({ model: 'gpt-4', messages: hi, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }),
  );
  assert.deepEqual(
    schema.candidates?.map((t) => t.provider),
    ['anthropic', 'local'],
    'the target configured for JSON schema, and the one whose support is unknown',
  );
});

test('a model the catalog does not know has unknown capabilities: only known absence filters', async () => {
  const config = { providers: [{ name: 'openai', type: 'openai', models: ['gpt-3.5-turbo', 'acme-ft-2'] }] };
  const catalog = createCatalog({ providers: config.providers });
  assert.equal(catalog.describe('openai', 'acme-ft-2').capabilities.vision, null);
  assert.equal(catalog.describe('openai', 'gpt-3.5-turbo').capabilities.vision, false);
  const image = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }];
  const custom = await run({ config, catalog }, chat({ model: 'acme-ft-2', messages: image }));
  assert.deepEqual(
    custom.candidates?.map((t) => t.model),
    ['acme-ft-2'],
  );
  const known = await rejects({ config, catalog }, chat({ model: 'gpt-3.5-turbo', messages: image }));
  assert.equal(known.status, 400);
  assert.equal(known.code, 'capability_unsupported');
  // Declaring the capability in the config makes it known.
  const declared = { ...config, models: [{ provider: 'openai', model: 'acme-ft-2', capabilities: { vision: false } }] };
  assert.equal((await rejects({ config: declared }, chat({ model: 'acme-ft-2', messages: image }))).code, 'capability_unsupported');
});

test('a prompt larger than a context window skips that target; a larger-context model serves it', async () => {
  const config = { providers: LOOM_CONFIG.providers, model_mapping: { big: { openai: 'gpt-4', anthropic: 'claude-3-opus' } } };
  const long = [{ role: 'user', content: 'x'.repeat(4 * 10_000) }];
  const ex = await run({ config }, chat({ model: 'big', messages: long }));
  assert.deepEqual(
    ex.candidates?.map((t) => `${t.provider}/${t.model}`),
    ['anthropic/claude-3-opus'],
  );
  const short = await run({ config }, chat({ model: 'big', messages: hi, max_tokens: 9000 }));
  assert.deepEqual(
    short.candidates?.map((t) => t.provider),
    ['anthropic'],
    'requested output counts against the window',
  );
  const huge = await rejects({ config }, chat({ model: 'big', messages: [{ role: 'user', content: 'x'.repeat(4 * 300_000) }] }));
  assert.equal(huge.code, 'context_length_exceeded');
});

test('key permissions: allowed providers narrow; nothing allowed is a 403', async () => {
  const principal = { id: 'k1', name: 'k', kind: 'key' as const, allowedProviders: ['anthropic', 'local'] };
  const ex = await run({ config: LOOM_CONFIG }, chat({ model: 'gpt-4', messages: hi }, { principal }));
  assert.deepEqual(
    ex.candidates?.map((t) => t.provider),
    ['anthropic', 'local'],
  );
  const err = await rejects({ config: LOOM_CONFIG }, chat({ model: 'gpt-3.5-turbo', messages: hi }, { principal }));
  assert.equal(err.status, 403);
  const models = await rejects(
    { config: LOOM_CONFIG },
    chat({ model: 'gpt-4', messages: hi }, { principal: { id: 'k2', name: 'k', kind: 'key', allowedModels: ['claude-*'] } }),
  );
  assert.equal(models.code, 'model_not_allowed');
});

test('active key routing replaces the candidates; the model field is a hint', async () => {
  const principal = {
    id: 'k1',
    name: 'k',
    kind: 'key' as const,
    routing: {
      active: true,
      strategy: 'priority',
      targets: [
        { provider: 'anthropic', model: 'claude-3-sonnet' },
        { provider: 'local', model: '*' },
      ],
    },
  };
  const ex = await run({ config: LOOM_CONFIG }, chat({ model: 'gpt-4', messages: hi }, { principal }));
  assert.deepEqual(
    ex.candidates?.map((t) => `${t.provider}/${t.model}`),
    ['anthropic/claude-3-sonnet', 'local/llama-2-70b'],
  );
  assert.equal(ex.locals.get(CANDIDATE_SOURCE), 'routing');
  const inactive = await run(
    { config: LOOM_CONFIG },
    chat({ model: 'gpt-4', messages: hi }, { principal: { ...principal, routing: { ...principal.routing, active: false } } }),
  );
  assert.equal(inactive.candidates?.[0]?.provider, 'openai');
});

test('bad options fail at start-up', () => {
  assert.throws(() => modelMapping({ suggestionLimit: -1 }), TypeError);
  assert.throws(() => modelMapping({ config: { providers: [{ name: 'a' }, { name: 'a' }] } }), /twice/);
});
