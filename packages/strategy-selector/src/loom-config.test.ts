import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { Exchange } from '@switchyard/core';
import { createCatalog, modelMapping, type MappingConfig } from '@switchyard/model-mapping';
import { strategySelector } from './strategy-selector.js';
import { seeded } from './fixtures.js';

// Loom's "Complete Example" (config/loom-complete.yaml), with local base URLs, as written.
const COMPLETE = `
ai_gateway:
  enabled: true
  providers:
    - name: openai
      type: openai
      api_key: \${OPENAI_API_KEY}
      base_url: http://127.0.0.1:9001/v1
      models: [gpt-4, gpt-3.5-turbo]
      rate_limit:
        requests_per_minute: 500
        tokens_per_minute: 90000
      health_check:
        enabled: true
        interval: 30s
      cost:
        input_per_1k: 0.01
        output_per_1k: 0.03
    - name: anthropic
      type: anthropic
      api_key: \${ANTHROPIC_API_KEY}
      base_url: http://127.0.0.1:9002
      models: [claude-3-opus, claude-3-sonnet]
      rate_limit:
        requests_per_minute: 1000
      cost:
        input_per_1k: 0.015
        output_per_1k: 0.075
    - name: local
      type: openai
      base_url: http://127.0.0.1:9003/v1
      api_key: dummy
      models: [llama-2-70b]
      cost:
        input_per_1k: 0.0
        output_per_1k: 0.0
  routing:
    strategy: priority
    providers:
      - name: openai
        priority: 1
      - name: anthropic
        priority: 2
      - name: local
        priority: 3
    failover:
      enabled: true
      max_retries: 2
      retry_codes: [429, 500, 502, 503]
      circuit_breaker:
        failure_threshold: 5
        timeout: 60s
  model_mapping:
    gpt-4:
      openai: gpt-4-turbo-preview
      anthropic: claude-3-opus-20240229
      local: llama-2-70b
`;

async function route(ai: MappingConfig, model: string, random = seeded(3)) {
  const catalog = createCatalog({ providers: ai.providers, models: ai.models });
  const mapping = modelMapping({ config: ai, catalog });
  const selector = strategySelector({ routing: ai.routing as Record<string, unknown>, catalog, random });
  const ex = new Exchange({ format: 'openai.chat', body: { model, messages: [{ role: 'user', content: 'hi' }] }, headers: {} });
  await mapping(ex, () => selector(ex, async () => {}));
  return ex.plan!;
}

test('the Complete Example loads and routes gpt-4 down the priority chain through model_mapping', async () => {
  const ai = parse(COMPLETE).ai_gateway as MappingConfig;
  const plan = await route(ai, 'gpt-4');
  assert.equal(plan.strategy, 'priority');
  assert.deepEqual(
    plan.targets.map((t) => [t.provider, t.model, t.reason]),
    [
      ['openai', 'gpt-4-turbo-preview', 'priority 1'],
      ['anthropic', 'claude-3-opus-20240229', 'priority 2'],
      ['local', 'llama-2-70b', 'priority 3'],
    ],
  );
  const direct = await route(ai, 'claude-3-sonnet');
  assert.deepEqual(
    direct.targets.map((t) => t.provider),
    ['anthropic'],
  );
});

test('weighted distribution splits traffic as written', async () => {
  const ai = parse(COMPLETE).ai_gateway as MappingConfig;
  ai.routing = parse(`
strategy: weighted
providers:
  - name: openai
    weight: 60
  - name: anthropic
    weight: 30
  - name: local
    weight: 10
`);
  const random = seeded(11);
  const counts: Record<string, number> = { openai: 0, anthropic: 0, local: 0 };
  for (let i = 0; i < 2000; i++) counts[(await route(ai, 'gpt-4', random)).targets[0]!.provider]!++;
  assert.ok(Math.abs(counts.openai! / 2000 - 0.6) < 0.04, JSON.stringify(counts));
  assert.ok(Math.abs(counts.anthropic! / 2000 - 0.3) < 0.04, JSON.stringify(counts));
  assert.ok(Math.abs(counts.local! / 2000 - 0.1) < 0.03, JSON.stringify(counts));
});

test('priority with weights inside one level', async () => {
  const ai = parse(COMPLETE).ai_gateway as MappingConfig;
  ai.routing = {
    strategy: 'priority',
    providers: [
      { name: 'openai', priority: 1, weight: 3 },
      { name: 'anthropic', priority: 1, weight: 1 },
      { name: 'local', priority: 2 },
    ],
  };
  const random = seeded(5);
  let openai = 0;
  for (let i = 0; i < 2000; i++) {
    const plan = await route(ai, 'gpt-4', random);
    assert.equal(plan.targets[2]!.provider, 'local');
    if (plan.targets[0]!.provider === 'openai') openai++;
  }
  assert.ok(Math.abs(openai / 2000 - 0.75) < 0.04, String(openai));
});

test('model-based routing: model_routes with a default for unknown models', async () => {
  const ai = parse(COMPLETE).ai_gateway as MappingConfig;
  ai.routing = parse(`
strategy: model
model_routes:
  gpt-4: openai
  gpt-3.5-turbo: openai
  claude-3-opus: anthropic
  claude-3-sonnet: anthropic
  default: openai
`);
  const opus = await route(ai, 'claude-3-opus');
  assert.deepEqual(
    opus.targets.map((t) => `${t.provider}/${t.model}`),
    ['anthropic/claude-3-opus'],
  );
  const gpt4 = await route(ai, 'gpt-4');
  assert.deepEqual(
    gpt4.targets.map((t) => `${t.provider}/${t.model}`),
    ['openai/gpt-4-turbo-preview'],
    'the route pins the provider; the alias names its model',
  );
  const unknown = await route(ai, 'some-new-model');
  assert.deepEqual(
    unknown.targets.map((t) => `${t.provider}/${t.model}`),
    ['openai/some-new-model'],
  );
  assert.equal(unknown.strategy, 'model');
});

test("round_robin and latency sections of Loom's Complete Example load", async () => {
  const ai = parse(COMPLETE).ai_gateway as MappingConfig;
  ai.routing = parse(`
strategy: round_robin
providers:
  - name: openai
  - name: anthropic
`);
  const firsts = [];
  const catalog = createCatalog({ providers: ai.providers });
  const mapping = modelMapping({ config: ai, catalog });
  const selector = strategySelector({ routing: ai.routing as Record<string, unknown>, catalog });
  for (let i = 0; i < 4; i++) {
    const ex = new Exchange({ format: 'openai.chat', body: { model: 'gpt-4', messages: [] }, headers: {} });
    await mapping(ex, () => selector(ex, async () => {}));
    firsts.push(ex.plan!.targets[0]!.provider);
  }
  assert.deepEqual(firsts, ['openai', 'anthropic', 'openai', 'anthropic']);
  assert.throws(() => strategySelector({ routing: parse('strategy: latency\nlatency:\n  window: 5m\n  percentile: 95\n') }), /needs stats/);
});
