import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import Koa from 'koa';
import { EventBus, type Attempt, type Exchange } from '@switchyard/core';
import { koaRoutes } from '@switchyard/core/koa';
import { usageAdminRoutes } from './admin-routes.js';
import { ProviderPerformance } from './provider-performance.js';
import { sqliteRequestLogStore } from './sqlite-store.js';
import { knownTraffic, T0 } from './store-contract.test.js';

test('admin API: logs with filters and paging, one log, usage by key/model/provider, provider performance', async (t) => {
  const db = new Database(':memory:');
  const store = sqliteRequestLogStore(db);
  const traffic = knownTraffic();
  await store.write(traffic);
  let clock = T0 + 1;
  const performance = new ProviderPerformance({ now: () => clock });
  const events = new EventBus();
  performance.subscribe(events);
  const exchange = {} as Exchange;
  for (let i = 1; i <= 20; i++) {
    const attempt: Attempt = { target: { provider: 'openai', model: 'gpt-4o' }, startedAt: 0, endedAt: i * 10, outcome: i === 20 ? 'failure' : 'success' };
    events.emit('attempt.start', { exchange, attempt });
    events.emit('attempt.end', { exchange, attempt });
  }
  events.emit('attempt.start', { exchange, attempt: { target: { provider: 'openai', model: 'gpt-4o' }, startedAt: 0, outcome: 'pending' } });

  const app = new Koa();
  app.use(koaRoutes(usageAdminRoutes({ store, performance, now: () => clock })));
  const server = createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  try {
    await t.test('GET /logs filters by key, provider, status and time, pages with a cursor', async () => {
      assert.equal((await get('/logs')).body.data.length, traffic.length);
      assert.deepEqual(
        (await get('/logs?key=k2')).body.data.map((r: any) => r.keyName),
        ['team-b'],
      );
      assert.equal((await get('/logs?provider=openai&status=200')).body.data.length, 4);
      assert.equal((await get(`/logs?from=${new Date(T0 - 2 * 3_600_000).toISOString()}&to=${T0}`)).body.data.length, 4);
      const first = await get('/logs?limit=4');
      assert.equal(first.body.data.length, 4);
      const second = await get(`/logs?limit=4&cursor=${first.body.next_cursor}`);
      assert.equal(second.body.data.length, 2);
      assert.equal(second.body.next_cursor, null);
      assert.equal((await get('/logs?limit=0')).status, 400);
    });
    await t.test('GET /logs/:id shows the attempts and cost of one request; 404 for an unknown id', async () => {
      const one = await get(`/logs/${traffic[4]!.id}`);
      assert.equal(one.body.status, 502);
      assert.equal(one.body.attempts[0].failureKind, 'server_error');
      assert.equal((await get('/logs/missing')).status, 404);
    });
    await t.test('GET /usage groups requests, tokens and spend over a window', async () => {
      const byKey = await get('/usage?group_by=key&window=24h');
      assert.equal(byKey.body.group_by, 'key');
      assert.equal(byKey.body.totals.requests, 5);
      assert.equal(byKey.body.totals.unpricedRequests, 1);
      assert.ok(Math.abs(byKey.body.totals.spendUsd - 0.003) < 1e-12);
      const byModel7d = await get('/usage?group_by=model&window=7d');
      assert.equal(byModel7d.body.totals.requests, 6);
      const byProvider = await get(`/usage?group_by=provider&from=${T0 - 90 * 60_000}&to=${T0}`);
      assert.deepEqual(
        byProvider.body.data.map((g: any) => [g.group, g.requests]).sort(),
        [
          ['anthropic', 1],
          ['openai', 1],
          [null, 1],
        ].sort(),
      );
      assert.equal((await get('/usage?group_by=colour')).status, 400);
      assert.equal((await get('/usage?window=forever')).status, 400);
    });
    await t.test('GET /usage?bucket= answers every group per time bucket in one query; without it the answer is unchanged', async () => {
      const plain = await get('/usage?group_by=provider&window=24h');
      assert.deepEqual(Object.keys(plain.body), ['group_by', 'from', 'to', 'data', 'totals']);
      const hourly = await get('/usage?group_by=provider&window=24h&bucket=1h');
      assert.equal(hourly.status, 200);
      assert.equal(hourly.body.bucket_ms, 3_600_000);
      assert.deepEqual(hourly.body.totals, plain.body.totals, 'the buckets add up to the plain totals');
      const iso = (ms: number) => new Date(T0 + ms).toISOString();
      assert.deepEqual(
        hourly.body.data.map((b: any) => [b.bucketStart, b.group ?? 'none', b.requests]).sort(),
        [
          [iso(-3 * 3_600_000), 'openai', 1],
          [iso(-2 * 3_600_000), 'openai', 1],
          [iso(-3_600_000), 'openai', 1],
          [iso(-3_600_000), 'anthropic', 1],
          [iso(-3_600_000), 'none', 1],
        ].sort(),
      );
      assert.equal((await get('/usage?bucket=soon')).status, 400);
      assert.equal((await get('/usage?bucket=10s')).status, 400, 'under a minute');
      assert.match((await get('/usage?window=30d&bucket=1m')).body.error.message, /at most 2000 buckets/);
    });
    await t.test('GET /providers/performance: average and p95 latency, success rate, in-flight', async () => {
      const { body } = await get('/providers/performance');
      assert.deepEqual(body.data, [{ provider: 'openai', attempts: 20, successRate: 0.95, avgLatencyMs: 105, p95LatencyMs: 190, inFlight: 1 }]);
      clock += 16 * 60_000;
      assert.equal((await get('/providers/performance')).body.data[0].attempts, 0, 'old attempts leave the window');
    });
  } finally {
    await new Promise((r) => server.close(r));
    db.close();
  }
});

test('usageAdminRoutes refuses a store it cannot query', () => {
  assert.throws(() => usageAdminRoutes({ store: { write: async () => {} } }), /queryable/);
});

test('provider performance keeps the newest maxSamples attempts per provider', () => {
  const perf = new ProviderPerformance({ now: () => 0, maxSamples: 3 });
  for (const [ms, ok] of [
    [500, false],
    [10, true],
    [20, true],
    [30, false],
  ] as const)
    perf.ended('openai', ms, ok);
  assert.deepEqual(perf.snapshot(), [{ provider: 'openai', attempts: 3, successRate: 2 / 3, avgLatencyMs: 20, p95LatencyMs: 30, inFlight: 0 }]);
});
