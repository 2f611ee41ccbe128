import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Koa from 'koa';
import type { KeyLimits } from '@switchyard/core';
import { koaRoutes } from '@switchyard/core/koa';
import { limitsAdminRoutes } from './admin-routes.js';
import { RateLimiter } from './rate-limiter.js';

test('limits admin: read limits with current usage, update them, 400 naming the bad field, 404 for unknown keys', async () => {
  const keys = new Map<string, KeyLimits>([['key_1', { totalTokensPerHour: 1000 }]]);
  const limiter = new RateLimiter();
  await limiter.reserve('k:key_1', keys.get('key_1')!, { inputTokens: 120, outputTokens: 30 });
  const routes = limitsAdminRoutes({
    getLimits: (id) => keys.get(id),
    setLimits: (id, limits) => (keys.has(id) ? void keys.set(id, limits) : false),
    usage: (id) => limiter.usage(`k:${id}`),
  });
  const app = new Koa();
  app.use(koaRoutes(routes));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const put = (id: string, body: unknown) =>
    fetch(`${base}/keys/${id}/limits`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  try {
    const got = (await (await fetch(`${base}/keys/key_1/limits`)).json()) as { limits: KeyLimits; usage: { totalTokens: number; concurrent: number } };
    assert.deepEqual(got.limits, { totalTokensPerHour: 1000 });
    assert.equal(got.usage.totalTokens, 150);
    assert.equal(got.usage.concurrent, 1);

    const ok = await put('key_1', { inputTokensPerHour: 500, outputTokensPerHour: null, totalTokensPerHour: 2000 });
    assert.equal(ok.status, 200);
    assert.deepEqual(keys.get('key_1'), { inputTokensPerHour: 500, totalTokensPerHour: 2000 });

    const bad = await put('key_1', { outputTokensPerHour: 'lots' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'outputTokensPerHour');
    const unknown = await put('key_1', { tokens: 5 });
    assert.equal(((await unknown.json()) as { error: { field: string } }).error.field, 'tokens');

    assert.equal((await fetch(`${base}/keys/nope/limits`)).status, 404);
    assert.equal((await put('nope', {})).status, 404);
  } finally {
    server.close();
  }
});
