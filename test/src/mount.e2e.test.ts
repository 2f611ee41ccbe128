import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import Koa from 'koa';
import { createSwitchyard, type Switchyard } from '@switchyard/gateway';
import { fixture, fixtureText, twoUpstreamConfig } from './support/gateway.js';
import { framesOf, startUpstream, type Upstream } from './support/upstream.js';

let upstream: Upstream;
let switchyard: Switchyard;
let koaServer: Server;
let expressServer: Server;
let koaUrl: string;
let expressUrl: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  upstream = await startUpstream();
  switchyard = await createSwitchyard({ config: twoUpstreamConfig(upstream.url, upstream.url) });

  const koa = new Koa();
  koa.use(async (ctx, next) => {
    if (ctx.path === '/api/own') {
      ctx.body = { app: 'koa' };
      return;
    }
    await next();
  });
  koa.use(switchyard.koa({ prefix: '/ai' }));
  koaServer = createServer(koa.callback());
  koaUrl = await listen(koaServer);

  const app = express();
  app.get('/api/own', (_req, res) => void res.json({ app: 'express' }));
  app.use('/ai', switchyard.express());
  expressServer = createServer(app);
  expressUrl = await listen(expressServer);
});

after(async () => {
  koaServer.closeAllConnections();
  expressServer.closeAllConnections();
  await new Promise((r) => koaServer.close(r));
  await new Promise((r) => expressServer.close(r));
  await switchyard.close();
  await upstream.close();
});

async function both(path: string, body: unknown, headers: Record<string, string> = {}) {
  const call = async (base: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-fixed-1', ...headers },
      body: JSON.stringify(body),
    });
    // Request ids are generated per request: compare where they appear, not their value.
    const id = res.headers.get('x-request-id') ?? '<none>';
    const mask = (v: string | null) => v?.split(id).join('<id>') ?? null;
    const picked = Object.fromEntries(
      [
        'content-type',
        'x-request-id',
        'request-id',
        'x-client-request-id',
        'x-switchyard-provider',
        'x-switchyard-model',
        'x-switchyard-attempts',
        'cache-control',
      ].map((h) => [h, mask(res.headers.get(h))]),
    );
    return { status: res.status, headers: picked, bytes: Buffer.from(mask(Buffer.from(await res.arrayBuffer()).toString('utf8'))!) };
  };
  return { koa: await call(koaUrl), express: await call(expressUrl) };
}

test('the app keeps its own routes next to the mounted AI routes', async () => {
  assert.deepEqual(await (await fetch(`${koaUrl}/api/own`)).json(), { app: 'koa' });
  assert.deepEqual(await (await fetch(`${expressUrl}/api/own`)).json(), { app: 'express' });
});

test('Koa and Express give the same bytes: JSON', async () => {
  const recorded = fixture<{ response: unknown }>('chat-structured-output-json-schema.json');
  upstream.respond({ json: recorded.response });
  const { koa, express: ex } = await both('/ai/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(koa.status, 200);
  assert.deepEqual(koa.headers, ex.headers);
  assert.equal(koa.headers['x-request-id'], '<id>');
  assert.equal(koa.headers['x-client-request-id'], 'req-fixed-1');
  assert.ok(koa.bytes.equals(ex.bytes), `${koa.bytes}\n!=\n${ex.bytes}`);
});

test('Koa and Express give the same bytes: OpenAI and Anthropic streams', async () => {
  const openaiFrames = framesOf(fixture<{ response_sse: string }>('chat-structured-output-stream.json').response_sse);
  upstream.respond({ sse: openaiFrames });
  const openai = await both('/ai/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(openai.koa.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.deepEqual(openai.koa.headers, openai.express.headers);
  assert.ok(openai.koa.bytes.equals(openai.express.bytes));
  assert.ok(openai.koa.bytes.toString().endsWith('data: [DONE]\n\n'));

  upstream.respond({ sse: framesOf(fixtureText('tool_use_response.sse')) });
  const anthropic = await both('/ai/v1/messages', { model: 'claude-opus-4-8', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(anthropic.koa.headers['request-id'], '<id>');
  assert.deepEqual(anthropic.koa.headers, anthropic.express.headers);
  assert.ok(anthropic.koa.bytes.equals(anthropic.express.bytes));
});

test('Koa and Express give the same bytes: errors', async () => {
  const res = await both('/ai/v1/messages', { model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(res.koa.status, 404);
  assert.deepEqual(res.koa.headers, res.express.headers);
  assert.ok(res.koa.bytes.equals(res.express.bytes));
  assert.equal(JSON.parse(res.koa.bytes.toString()).type, 'error');
});
