import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { RoutingConfig } from '@switchyard/core';
import { koaRoutes } from '@switchyard/core/koa';
import { routingAdminRoutes } from './admin-routes.js';

test('get and set a key routing configuration; bad input is a 400 naming the field', async () => {
  const saved = new Map<string, RoutingConfig | null>([['key_1', null]]);
  const routes = routingAdminRoutes({
    getRouting: (id) => saved.get(id),
    setRouting: (id, cfg) => {
      if (!saved.has(id)) return false;
      saved.set(id, cfg);
    },
    hasKey: (id) => saved.has(id),
  });
  const app = new Koa();
  app.use(koaRoutes(routes));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const put = (id: string, body: unknown) =>
    fetch(`${base}/keys/${id}/routing`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  try {
    assert.deepEqual(await (await fetch(`${base}/keys/key_1/routing`)).json(), { key_id: 'key_1', routing: null });
    assert.equal((await fetch(`${base}/keys/nope/routing`)).status, 404);
    const good = {
      active: true,
      strategy: 'cost',
      targets: ['anthropic', { provider: 'openai', model: 'gpt-4o-mini', weight: 2 }],
      max_cost_per_request: 0.05,
    };
    const res = await put('key_1', good);
    assert.equal(res.status, 200);
    assert.deepEqual(saved.get('key_1')!.targets, [
      { provider: 'anthropic', model: '*' },
      { provider: 'openai', model: 'gpt-4o-mini', weight: 2 },
    ]);
    assert.equal((await put('nope', good)).status, 404);
    for (const [body, param] of [
      [{ strategy: 'cost' }, 'active'],
      [{ active: true, strategy: 'fastest' }, 'strategy'],
      [{ active: true, strategy: 'weighted', targets: [{ provider: 'a', weight: -1 }] }, 'targets[0].weight'],
      [{ active: true, strategy: 'rules', rules: [{ when: { field: 'model', op: 'like' }, strategy: 'cost' }] }, 'rules[0].when.op'],
      [{ active: true, strategy: 'cost', max_cost_per_request: 0 }, 'max_cost_per_request'],
    ] as const) {
      const bad = await put('key_1', body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(((await bad.json()) as { error: { param: string } }).error.param, param);
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});
