import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import express from 'express';
import type { Exchange, SseEvent } from '@switchyard/core';
import { toKoa } from '@switchyard/core/koa';
import { toExpress } from '@switchyard/core/express';
import { ProviderError, type HttpTransport, type ProviderAdapter } from '@switchyard/providers';
import { failover } from './failover.js';

/** a: 503 forever; b: streams two chunks then is cut. */
function adapters(): Map<string, ProviderAdapter> {
  const base = { type: 'fake', models: [], supports: () => true, classify: () => ({ kind: 'server_error' as const, message: '' }) };
  return new Map<string, ProviderAdapter>([
    [
      'a',
      {
        ...base,
        name: 'a',
        config: { name: 'a', type: 'fake' },
        invoke: async () => {
          throw new ProviderError('a is overloaded', { kind: 'overloaded', provider: 'a', upstreamStatus: 503 });
        },
      },
    ],
    [
      'b',
      {
        ...base,
        name: 'b',
        config: { name: 'b', type: 'fake' },
        invoke: async (call) => {
          if (!call.stream)
            return { kind: 'json', status: 200, headers: {}, body: JSON.stringify({ id: 'x', model: call.model, choices: [] }), firstByteAt: 0 };
          async function* events(): AsyncGenerator<SseEvent> {
            yield { data: '{"choices":[{"delta":{"content":"Hel"}}]}' };
            throw new ProviderError('Upstream stream was cut', { kind: 'network', provider: 'b', afterFirstByte: true });
          }
          return { kind: 'stream', status: 200, headers: {}, events: events(), usage: () => undefined, firstByteAt: 0 };
        },
      },
    ],
  ]);
}

const transport: HttpTransport = { name: 'none', request: () => Promise.reject(new Error('unused')), close: async () => {} };

async function plan(exchange: Exchange, next: () => Promise<void>) {
  exchange.plan = {
    strategy: 'test',
    targets: [
      { provider: 'a', model: 'ma', reason: '' },
      { provider: 'b', model: 'mb', reason: '' },
    ],
  };
  await next();
}

const apps: Record<string, () => http.RequestListener> = {
  koa: () => {
    const app = new Koa();
    app.use(toKoa(plan));
    app.use(toKoa(failover({ adapters: adapters(), transport, sleep: async () => {} })));
    return app.callback();
  },
  express: () => {
    const app = express();
    app.use(toExpress(plan));
    app.use(toExpress(failover({ adapters: adapters(), transport, sleep: async () => {} })));
    return app as unknown as http.RequestListener;
  },
};

for (const [name, make] of Object.entries(apps)) {
  describe(`failover over HTTP (${name})`, () => {
    it('fails over invisibly and reports attempts; a mid-stream cut ends with an in-band error', async () => {
      const server = http.createServer(make()).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
      try {
        const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', messages: [] }) });
        assert.equal(json.status, 200);
        assert.equal(json.headers.get('x-switchyard-attempts'), '3'); // a, a again (overloaded retries once), b
        assert.equal(json.headers.get('x-switchyard-provider'), 'b');
        assert.equal(json.headers.get('x-switchyard-model'), 'mb');
        assert.equal(((await json.json()) as { model: string }).model, 'mb');

        const stream = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'x', stream: true, messages: [] }),
        });
        assert.equal(stream.status, 200);
        const text = await stream.text();
        assert.match(text, /^data: \{"choices".*Hel/);
        assert.match(text, /data: \{"error":\{"message":"Upstream stream was cut"/);
        assert.doesNotMatch(text, /\[DONE\]/);
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    });
  });
}
