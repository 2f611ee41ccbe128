import assert from 'node:assert/strict';
import { test } from 'node:test';
import convict from 'convict';
import { registerConfigFormats, type Exchange } from '@switchyard/core';
import { httpRequest, serve } from '@switchyard/core/testing';
import { apiKeyAuth, authKeyConfigSchema, authKeyOptionsFromConfig, createKeyManager, MemoryKeyStore, type AuthKeyConfig } from './index.js';

registerConfigFormats(convict);
const SECRET = 'sk-config0123456789abcdefghij';

function load(env: Record<string, string>, raw: object = {}): AuthKeyConfig {
  const config = convict({ auth: authKeyConfigSchema('APP_AUTH') }, { env, args: [] });
  config.load(raw);
  config.validate({ allowed: 'strict' });
  return config.get('auth') as AuthKeyConfig;
}

test('auth-key from env through its convict fragment, mounted in Express: the values arrive in the options', async () => {
  const config = load({ APP_AUTH_REQUIRED: 'true', APP_AUTH_CACHE_TTL: '5s', APP_AUTH_PEPPER: 'pep' }, { auth: { keys: [{ name: 'ci', key: SECRET }] } });
  const auth = authKeyOptionsFromConfig(config);
  assert.deepEqual(auth, { required: true, keys: [{ name: 'ci', key: SECRET }], pepper: 'pep', cacheTtlMs: 5000 });
  const keys = createKeyManager({ store: MemoryKeyStore.fromConfig(auth.keys, auth), ...auth });
  await keys.ready();
  const principal = async (exchange: Exchange) => {
    exchange.response = { kind: 'json', status: 200, headers: {}, body: JSON.stringify({ name: exchange.principal?.name }) };
  };
  const server = await serve('express', [apiKeyAuth({ keys }), principal]);
  try {
    assert.equal((await httpRequest(`${server.url}/v1/chat/completions`, { body: '{}' })).status, 401);
    const res = await httpRequest(`${server.url}/v1/chat/completions`, {
      body: '{}',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
    });
    assert.deepEqual(res.json(), { name: 'ci' }, 'the key was hashed with the pepper from the environment');
  } finally {
    await server.close();
    await keys.close();
  }
});

test('auth-key fragment: a bad value fails naming the field; two prefixes do not collide', () => {
  assert.throws(() => load({ APP_AUTH_REQUIRED: 'yes please' }), /auth\.required/);
  assert.throws(() => load({ APP_AUTH_CACHE_TTL: 'soon' }), /auth\.cache_ttl/);
  assert.throws(() => load({}, { auth: { keys: [{ key: SECRET }] } }), /auth\.keys: \[0\]\.name/);
  const both = convict(
    { a: authKeyConfigSchema('A_AUTH'), b: authKeyConfigSchema('B_AUTH') },
    { env: { A_AUTH_REQUIRED: '1', B_AUTH_REQUIRED: '0' }, args: [] },
  );
  assert.deepEqual([both.get('a.required'), both.get('b.required')], [true, false]);
});
