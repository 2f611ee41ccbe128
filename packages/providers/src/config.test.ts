import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import type { JsonResult } from './adapter.js';
import { adaptersFromConfig, providersConfigSchema, type ProviderEntryConfig } from './config.js';
import type { HttpTransport } from './transport.js';

function load(raw: object): ProviderEntryConfig[] {
  const config = convict({ providers: providersConfigSchema() }, { env: {}, args: [] });
  config.load(raw);
  config.validate({ allowed: 'strict' });
  return config.get('providers') as ProviderEntryConfig[];
}

test('providers alone: a list through the convict fragment becomes adapters that answer', async () => {
  const list = load({
    providers: [
      { name: 'local', type: 'simulated', models: ['sim-1'], latency_ms: 0, tokens_per_second: 0, reply: 'from the fragment' },
      { name: 'openai', type: 'openai', api_key: 'sk-test', base_url: 'https://api.openai.com/v1', headers: { 'x-team': 'a' } },
    ],
  });
  const adapters = adaptersFromConfig(list);
  assert.deepEqual([...adapters.keys()], ['local', 'openai']);
  assert.equal(adapters.get('openai')!.type, 'openai');
  const transport = { name: 'none', request: () => assert.fail('no HTTP'), close: async () => {} } as unknown as HttpTransport;
  const result = (await adapters
    .get('local')!
    .invoke(
      { format: 'openai.chat', body: { messages: [{ role: 'user', content: 'hi' }] }, model: 'sim-1', stream: false, headers: {}, requestId: 'r' },
      { transport, signal: new AbortController().signal },
    )) as JsonResult;
  assert.equal(JSON.parse(result.body).choices[0].message.content, 'from the fragment');
});

test('a bad entry fails at load, naming the field', () => {
  for (const [providers, message] of [
    [[{ name: 'a b', type: 'openai' }], /providers\[0\]\.name: must be a name/],
    [
      [
        { name: 'x', type: 'openai' },
        { name: 'x', type: 'anthropic' },
      ],
      /providers\[1\]\.name: duplicate provider name "x"/,
    ],
    [[{ name: 'x' }], /providers\[0\]\.type: is required/],
    [[{ name: 'x', type: 'openai', base_url: 'file:///etc/passwd' }], /providers\[0\]\.base_url: must be an http\(s\) URL/],
    [[{ name: 'x', type: 'openai', models: ['ok', ''] }], /providers\[0\]\.models: must be a list of non-empty strings/],
    [[{ name: 'x', type: 'openai', headers: { 'x-n': 1 } }], /providers\[0\]\.headers\.x-n: must be a string/],
  ] as const) {
    assert.throws(() => load({ providers }), message, JSON.stringify(providers));
  }
  assert.throws(
    () => adaptersFromConfig(load({ providers: [{ name: 'x', type: 'no-such-type' }] })),
    /providers\[0\]: provider x: unknown type "no-such-type"/,
  );
});
