import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { EventBus, Exchange, type Attempt } from '@switchyard/core';
import { ProviderHealth } from './provider-health.js';
import { koaRoutes } from '@switchyard/core/koa';
import { providersAdminRoutes } from './admin-routes.js';

function attemptEnd(events: EventBus, provider: string, ok: boolean, latency = 100) {
  const attempt: Attempt = {
    target: { provider, model: 'm1' },
    startedAt: 0,
    firstByteAt: latency,
    endedAt: latency,
    outcome: ok ? 'success' : 'failure',
    ...(ok ? {} : { failureKind: 'server_error' as const }),
  };
  events.emit('attempt.end', { exchange: new Exchange({ format: 'openai.chat', body: {}, headers: {} }), attempt });
}

describe('ProviderHealth', () => {
  it('derives status from live traffic and breaker events, and reports changes', () => {
    const events = new EventBus();
    let now = 1_000_000;
    const health = new ProviderHealth({ events, providers: ['a'], now: () => now, minSamples: 4 });
    const changes: string[] = [];
    events.on('provider.status', (c) => changes.push(`${c.provider}:${c.status}`));
    for (let i = 0; i < 4; i++) attemptEnd(events, 'a', true, 120);
    assert.equal(health.report('a')?.status, 'healthy');
    assert.equal(health.report('a')?.latency_ms, 120);
    attemptEnd(events, 'a', false);
    assert.equal(health.report('a')?.status, 'degraded'); // 1 of 5 failed
    for (let i = 0; i < 5; i++) attemptEnd(events, 'a', false);
    assert.equal(health.report('a')?.status, 'down');
    now += 301_000; // window passed: old samples drop out
    attemptEnd(events, 'a', true);
    events.emit('breaker.open', { target: { provider: 'a', model: 'm1' } });
    assert.equal(health.report('a')?.circuit, 'open');
    assert.equal(health.report('a')?.models[0]?.status, 'down');
    events.emit('breaker.close', { target: { provider: 'a', model: 'm1' } });
    assert.equal(health.report('a')?.status, 'healthy');
    assert.deepEqual(changes, ['a:degraded', 'a:down', 'a:healthy', 'a:down', 'a:healthy']);
    health.stop();
  });

  it('active checks mark a provider down and report the health shape', async () => {
    const events = new EventBus();
    let up = false;
    const health = new ProviderHealth({
      events,
      checks: {
        b: {
          probe: async () => {
            if (!up) throw new Error('connect ECONNREFUSED');
          },
        },
      },
    });
    await health.checkNow();
    assert.deepEqual(Object.keys(health.health('b')!), ['name', 'status', 'latency_ms', 'last_check', 'error']);
    assert.equal(health.health('b')?.status, 'down');
    assert.equal(health.health('b')?.error, 'connect ECONNREFUSED');
    up = true;
    await health.checkNow('b');
    assert.equal(health.health('b')?.status, 'healthy');
    assert.equal(health.health('b')?.error, null);
    health.stop();
  });
});

describe('providersAdminRoutes', () => {
  it('serves list, health, stats and an SSE stream of status changes', async () => {
    const events = new EventBus();
    const health = new ProviderHealth({ events, providers: ['a'], minSamples: 1 });
    const app = new Koa();
    app.silent = true; // the SSE client hangs up on purpose
    app.use(koaRoutes(providersAdminRoutes({ health, breakerStates: () => [] })));
    const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const list: any = await (await fetch(`${base}/providers`)).json();
      assert.equal(list.providers[0].name, 'a');
      assert.equal(((await (await fetch(`${base}/providers/a/health`)).json()) as any).status, 'healthy');
      assert.equal((await fetch(`${base}/providers/zzz/health`)).status, 404);
      assert.deepEqual(((await (await fetch(`${base}/providers/a/stats`)).json()) as any).breakers, []);

      const controller = new AbortController();
      const res = await fetch(`${base}/providers/events`, { signal: controller.signal });
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (needle: string) => {
        while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
      };
      await readUntil('event: snapshot');
      attemptEnd(events, 'a', false);
      await readUntil('provider_status_change');
      assert.match(text, /"provider":"a","status":"down","previous":"healthy"/);
      controller.abort();
      await reader.cancel().catch(() => undefined);
    } finally {
      health.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
