/**
 * The admin token guards every admin route, however the path is spelled (issue 11, item 1).
 * The route table is enumerated from the table itself, so a route added later is covered
 * without touching this file.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import express from 'express';
import Koa from 'koa';
import { expressRoutes } from '@switchyard/core/express';
import { koaRoutes } from '@switchyard/core/koa';
import { adminRoutes as adminRouteTable } from '@switchyard/gateway';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { ADMIN_TOKEN, adminClient, listen } from './helpers.js';

let gw: RunningGateway;
let admin: ReturnType<typeof adminClient>;
let keyId: string;

before(async () => {
  gw = await startGateway({
    config: {
      admin: { token: ADMIN_TOKEN },
      auth: { required: true },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: { providers: [{ name: 'sim-a', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0 }] },
    },
  });
  admin = adminClient(gw.url);
  const created = await admin<{ id: string }>('POST', '/keys', { name: 'existing' });
  assert.equal(created.status, 201);
  keyId = created.json.id;
});
after(() => gw.close());

/** Every (method, concrete path) the admin router serves, with its parameters filled in. */
function adminRoutes(): { method: string; path: string }[] {
  const values: Record<string, string> = { id: keyId, provider: 'sim-a', name: 'sim-a', model: 'sim-1' };
  const routes: { method: string; path: string }[] = [];
  for (const route of adminRouteTable(gw.gateway.switchyard.stack)) {
    const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
      assert.ok(values[name], `a value for route parameter :${name} (${route.path})`);
      return values[name]!;
    });
    routes.push({ method: route.method, path });
  }
  assert.ok(routes.length >= 20, `the route table was enumerated (${routes.length} routes)`);
  return routes;
}

/** Spellings of `/admin<path>` that a lenient router might serve. */
function spellings(path: string): string[] {
  const upperRoute = path.replace(/^\/(\w)/, (_, c: string) => `/${c.toUpperCase()}`);
  const encodedRoute = path.replace(/^\/(\w)/, (_, c: string) => `/%${c.charCodeAt(0).toString(16)}`);
  return [
    `/admin${path}`,
    `/ADMIN${path}`,
    `/Admin${path}`,
    `/aDmin${path}`,
    `/%61dmin${path}`,
    `/%61%64%6D%69%6E${path}`,
    `//admin${path}`,
    `///admin${path}`,
    `/admin/${path}`,
    `/admin${path}/`,
    `/admin${path}//`,
    `/ADMIN${path}/`,
    `/admin${upperRoute}`,
    `/admin${encodedRoute}`,
  ];
}

async function call(base: string, method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ name: 'intruder', limits: { requests_per_minute: 1 } }),
    signal: AbortSignal.timeout(30_000),
  });
  const type = res.headers.get('content-type') ?? '';
  // An event stream that answered means the guard was bypassed: do not wait for it to end.
  const body = type.includes('event-stream') ? (await res.body?.cancel(), '') : await res.text();
  return { status: res.status, body };
}

test('every admin route answers 401 without the token, whatever the spelling of its path', async () => {
  const failures: string[] = [];
  for (const { method, path } of adminRoutes()) {
    for (const spelled of spellings(path)) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<string, string>[]) {
        const { status, body } = await call(gw.url, method, spelled, headers);
        if (status !== 401) failures.push(`${method} ${spelled} -> ${status} ${body.slice(0, 80)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  const keys = await admin<{ data: { id: string; status: string; name: string }[] }>('GET', '/keys');
  assert.deepEqual(
    keys.json.data.map((k) => [k.name, k.status]),
    [['existing', 'active']],
    'no key was created, revoked or changed without the token',
  );
});

test('the canonical spellings still work with the token; other spellings are not routes', async () => {
  assert.equal((await admin('GET', '/keys')).status, 200);
  assert.equal((await admin('GET', `/keys/${keyId}/limits`)).status, 200);
  for (const path of ['/ADMIN/keys', '/admin/KEYS', '/admin/keys/']) {
    const { status } = await call(gw.url, 'GET', path, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(status, 404, path);
  }
});

for (const framework of ['koa', 'express'] as const) {
  test(`adminRoutes(stack, { token }) mounted in a plain ${framework} app serves no route without the token`, async () => {
    const table = adminRouteTable(gw.gateway.switchyard.stack, { token: ADMIN_TOKEN });
    const handler = framework === 'koa' ? new Koa().use(koaRoutes(table, { prefix: '/admin' })).callback() : express().use('/admin', expressRoutes(table));
    const server = await listen(handler);
    try {
      const failures: string[] = [];
      for (const { method, path } of adminRoutes()) {
        for (const spelled of spellings(path)) {
          const { status, body } = await call(server.url, method, spelled);
          // 401 from the route's own check, or the framework's 404 when no route matched: never a handler's answer.
          if (status !== 401 && status !== 404) failures.push(`${method} ${spelled} -> ${status} ${body.slice(0, 80)}`);
        }
      }
      assert.deepEqual(failures, []);
      const listed = await call(server.url, 'GET', '/admin/keys', { authorization: `Bearer ${ADMIN_TOKEN}` });
      assert.equal(listed.status, 200, 'the token opens the table');
    } finally {
      await server.close();
    }
  });
}
