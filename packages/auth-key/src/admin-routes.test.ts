import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import Koa from 'koa';
import { koaRoutes } from '@switchyard/core/koa';
import { keysAdminRoutes } from './admin-routes.js';
import { captureLogger, listen } from './harness.test.js';
import { createKeyManager, type KeyManager } from './key-manager.js';
import { MemoryKeyStore } from './memory-key-store.js';

const logger = captureLogger();
let keys: KeyManager;
let served: { url: string; close(): Promise<void> };
const secrets: string[] = [];

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(served.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  for (const secret of secrets) assert.ok(!text.includes(secret) || (method === 'POST' && path === '/admin/keys'), `secret in ${method} ${path}`);
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

before(async () => {
  keys = createKeyManager({ store: new MemoryKeyStore(), masterKey: randomBytes(32).toString('hex'), logger });
  const routes = keysAdminRoutes({
    keys,
    logger,
    usageTotals: async (ids) =>
      Object.fromEntries(
        ids.map((id) => [
          id,
          {
            requests: 3,
            inputTokens: 30,
            cacheReadTokens: 40,
            cacheWriteTokens: 20,
            cacheWrite1hTokens: 5,
            outputTokens: 12,
            spendUsd: 0.25,
            unpricedRequests: 1,
          },
        ]),
      ),
  });
  const app = new Koa();
  app.use(koaRoutes(routes, { prefix: '/admin' }));
  served = await listen(app.callback());
});
after(async () => {
  await served.close();
  await keys.close();
  const logged = logger.lines.join('\n');
  for (const secret of secrets) assert.ok(!logged.includes(secret));
});

test('create returns the secret exactly once; get and list never show it', async () => {
  const created = await call('POST', '/admin/keys', {
    name: 'ci',
    allowed_models: ['sim-1'],
    limits: { requests_per_minute: 10 },
    routing: { active: false, strategy: 'cost' },
  });
  assert.equal(created.status, 201);
  assert.match(created.json.key, /^sk-/);
  secrets.push(created.json.key);
  assert.equal(created.json.hint, `sk-…${created.json.key.slice(-4)}`);
  assert.deepEqual(created.json.limits, { requests_per_minute: 10 });
  const one = await call('GET', `/admin/keys/${created.json.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.key, undefined);
  assert.equal(one.json.status, 'active');
  assert.deepEqual(one.json.usage, {
    requests: 3,
    input_tokens: 30,
    cache_read_tokens: 40,
    cache_write_tokens: 20,
    cache_write_1h_tokens: 5,
    output_tokens: 12,
    spend_usd: 0.25,
    unpriced_requests: 1,
  });
  const list = await call('GET', '/admin/keys');
  const row = list.json.data.find((k: { id: string }) => k.id === created.json.id);
  assert.deepEqual(
    Object.keys(row)
      .filter((k) => ['name', 'created_at', 'last_used_at', 'status', 'usage'].includes(k))
      .sort(),
    ['created_at', 'last_used_at', 'name', 'status', 'usage'],
  );
  assert.ok(!list.text.includes(created.json.key));
  // The secret authenticates.
  assert.equal((await keys.authenticate({ authorization: `Bearer ${created.json.key}` })).record.id, created.json.id);
});

test('malformed input gets a 400 naming the field', async () => {
  const cases: [unknown, string][] = [
    [{}, 'name'],
    [{ name: 'x', allowed_models: 'gpt-4o' }, 'allowed_models'],
    [{ name: 'x', allowed_models: ['ok', 3] }, 'allowed_models[1]'],
    [{ name: 'x', limits: { requests_per_minute: -1 } }, 'limits.requests_per_minute'],
    [{ name: 'x', limits: { per_fortnight: 1 } }, 'limits.per_fortnight'],
    [{ name: 'x', routing: { strategy: 'cost' } }, 'routing.active'],
    [{ name: 'x', routing: { active: true, strategy: 'cost', targets: [{ provider: 'openai' }] } }, 'routing.targets[0].model'],
    [{ name: 'x', colour: 'blue' }, 'colour'],
    ['{not json', 'body'],
  ];
  for (const [body, field] of cases) {
    const res = await call('POST', '/admin/keys', body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.param, field);
    assert.ok(res.json.error.message.includes(field));
  }
});

test('update name, policy, limits and routing; null clears a field', async () => {
  const { json: created } = await call('POST', '/admin/keys', { name: 'before', allowed_models: ['a'], metadata: { team: 't' } });
  secrets.push(created.key);
  const patched = await call('PATCH', `/admin/keys/${created.id}`, {
    name: 'after',
    allowed_models: null,
    allowed_providers: ['openai'],
    allow_routing_headers: true,
    allowed_mcp_profiles: ['dev'],
    allowed_mcp_tools: ['dev/search'],
    limits: { total_tokens_per_hour: 1000 },
    routing: { active: true, strategy: 'weighted', targets: [{ provider: 'openai', model: 'gpt-4o', weight: 2 }] },
  });
  assert.equal(patched.status, 200);
  assert.equal(patched.json.name, 'after');
  assert.equal(patched.json.allowed_models, null);
  assert.deepEqual(patched.json.allowed_providers, ['openai']);
  assert.deepEqual([patched.json.allowed_mcp_profiles, patched.json.allowed_mcp_tools], [['dev'], ['dev/search']]);
  assert.deepEqual(patched.json.metadata, { team: 't' });
  const principal = (await keys.authenticate({ 'x-api-key': created.key })).record.policy;
  assert.deepEqual(principal.limits, { totalTokensPerHour: 1000 });
  assert.equal(principal.routing?.active, true);
  assert.equal((await call('PATCH', `/admin/keys/${created.id}`, { allow_routing_headers: 'yes' })).json.error.param, 'allow_routing_headers');
  assert.equal((await call('PATCH', '/admin/keys/key_nope', { name: 'x' })).status, 404);
});

test('revoke (POST …/revoke and DELETE) is immediate', async () => {
  for (const revoke of [(id: string) => call('POST', `/admin/keys/${id}/revoke`), (id: string) => call('DELETE', `/admin/keys/${id}`)]) {
    const { json: created } = await call('POST', '/admin/keys', { name: 'doomed' });
    secrets.push(created.key);
    await keys.authenticate({ 'x-api-key': created.key }); // now cached
    const res = await revoke(created.id);
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'revoked');
    assert.ok(res.json.revoked_at);
    await assert.rejects(keys.authenticate({ 'x-api-key': created.key }), { status: 401 });
  }
  assert.equal((await call('POST', '/admin/keys/key_nope/revoke')).status, 404);
});

test('BYOK credentials are write-only: add, replace, delete, only a masked hint is returned', async () => {
  const { json: created } = await call('POST', '/admin/keys', { name: 'byok' });
  secrets.push(created.key);
  const first = 'sk-openai-' + randomBytes(12).toString('hex');
  const second = 'sk-openai-' + randomBytes(12).toString('hex');
  secrets.push(first, second);
  const put = await call('PUT', `/admin/keys/${created.id}/credentials/openai`, { api_key: first });
  assert.equal(put.status, 200);
  assert.deepEqual(Object.keys(put.json).sort(), ['created_at', 'hint', 'provider', 'updated_at']);
  assert.equal(put.json.hint, `…${first.slice(-4)}`);
  await call('PUT', `/admin/keys/${created.id}/credentials/openai`, { api_key: second });
  const shown = await call('GET', `/admin/keys/${created.id}`);
  assert.deepEqual(
    shown.json.credentials.map((c: { hint: string }) => c.hint),
    [`…${second.slice(-4)}`],
  );
  assert.ok(!JSON.stringify(await keys.store.credentials(created.id)).includes(second), 'stored encrypted');
  assert.equal((await call('PUT', `/admin/keys/${created.id}/credentials/openai`, { key: 'x' })).json.error.param, 'key');
  assert.equal((await call('PUT', `/admin/keys/${created.id}/credentials/openai`, {})).json.error.param, 'api_key');
  assert.equal((await call('DELETE', `/admin/keys/${created.id}/credentials/openai`)).status, 204);
  assert.equal((await call('DELETE', `/admin/keys/${created.id}/credentials/openai`)).status, 404);
});

test('without a master key, credential writes fail with a clear error', async () => {
  const bare = createKeyManager({ store: new MemoryKeyStore() });
  const app = new Koa();
  app.use(koaRoutes(keysAdminRoutes({ keys: bare })));
  const s = await listen(app.callback());
  try {
    const { record, secret } = await bare.create({ name: 'no-master' });
    secrets.push(secret);
    const res = await fetch(`${s.url}/keys/${record.id}/credentials/openai`, { method: 'PUT', body: JSON.stringify({ api_key: 'sk-whatever-123456' }) });
    assert.equal(res.status, 501);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /SWITCHYARD_AUTH_MASTER_KEY/);
  } finally {
    await s.close();
    await bare.close();
  }
});

test('options are validated at start-up', () => {
  assert.throws(() => keysAdminRoutes({} as never), TypeError);
  assert.throws(() => createKeyManager({ store: new MemoryKeyStore(), cacheTtlMs: -1 }), TypeError);
  assert.throws(() => createKeyManager({ store: new MemoryKeyStore(), masterKey: 'short' }), TypeError);
});
