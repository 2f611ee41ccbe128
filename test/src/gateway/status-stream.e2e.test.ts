/**
 * `/v1/providers/health/stream` on the standalone gateway, with a real `ws` client: key auth at
 * upgrade, a snapshot, a status change when a provider starts failing and when it recovers,
 * only the providers the key may see, a revoked key's socket closed; the same stream as SSE;
 * the WebSocket attached to a host app's own server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Koa from 'koa';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { createSwitchyard } from '@switchyard/gateway';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { listen, openaiCompletion, openaiError, poll } from './helpers.js';

const ALPHA = 'ws-alpha';
const BETA = 'ws-beta';

let upA: Upstream;
let upB: Upstream;
let gw: RunningGateway;
const secrets: Record<'all' | 'alphaOnly' | 'doomed', { id: string; secret: string }> = {} as never;

function config(a: string, b: string) {
  return {
    storage: { sqlite_path: ':memory:' },
    auth: { required: true },
    ai_gateway: {
      providers: [
        { name: ALPHA, type: 'openai', base_url: `${a}/v1`, api_key: 'sk-up-a', models: ['gpt-4o-mini'] },
        { name: BETA, type: 'openai', base_url: `${b}/v1`, api_key: 'sk-up-b', models: ['gpt-4o-mini'] },
      ],
      routing: {
        strategy: 'priority',
        providers: [
          { name: BETA, priority: 1 },
          { name: ALPHA, priority: 2 },
        ],
        failover: { enabled: true, max_retries: 0, circuit_breaker: { failure_threshold: 2, success_threshold: 1, timeout: '1s' } },
      },
      model_mapping: { chat: { [BETA]: 'gpt-4o-mini', [ALPHA]: 'gpt-4o-mini' } },
    },
  };
}

/** A connected client that records every message. */
interface Watcher {
  ws: WebSocket;
  messages: any[];
  closed: Promise<{ code: number; reason: string }>;
}

function watch(url: string, secret: string | undefined): Promise<Watcher> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/providers/health/stream`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} });
  const messages: any[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

const change = (w: Watcher, provider: string, status: string) =>
  poll(async () => w.messages.find((m) => m.type === 'provider_status_change' && m.provider === provider && m.status === status), 20_000, 50);

before(async () => {
  [upA, upB] = await Promise.all([
    startUpstream({ json: openaiCompletion('gpt-4o-mini', 'from alpha') }),
    startUpstream({ json: openaiCompletion('gpt-4o-mini', 'from beta') }),
  ]);
  gw = await startGateway({ config: config(upA.url, upB.url) });
  const keys = gw.gateway.switchyard.stack.keys;
  for (const [name, policy] of [
    ['all', {}],
    ['alphaOnly', { allowedProviders: [ALPHA] }],
    ['doomed', {}],
  ] as const) {
    const { record, secret } = await keys.create({ name, policy } as never);
    secrets[name] = { id: record.id, secret };
  }
});

after(async () => {
  await gw.close();
  await Promise.all([upA.close(), upB.close()]);
});

test('the upgrade needs a valid key: 401 before any WebSocket frame', async () => {
  await assert.rejects(watch(gw.url, undefined), (err: any) => err.status === 401);
  await assert.rejects(watch(gw.url, 'sk-not-a-key'), (err: any) => err.status === 401);
});

test('snapshot, a provider going down and recovering, only what the key may see', async () => {
  const all = await watch(gw.url, secrets.all.secret);
  const alphaOnly = await watch(gw.url, secrets.alphaOnly.secret);
  await poll(async () => (all.messages[0] && alphaOnly.messages[0] ? true : undefined), 10_000);
  assert.equal(all.messages[0].type, 'snapshot');
  assert.deepEqual(all.messages[0].providers, [
    { provider: ALPHA, status: 'healthy' },
    { provider: BETA, status: 'healthy' },
  ]);
  assert.deepEqual(alphaOnly.messages[0].providers, [{ provider: ALPHA, status: 'healthy' }]);

  // Beta starts failing: its breaker opens after two failures (each request fails over to alpha).
  upB.respond({ status: 500, json: openaiError(500) });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: secrets.all.secret, maxRetries: 0 });
  for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
  const down = await change(all, BETA, 'down');
  assert.equal(down.value.previous, 'healthy');

  // Beta recovers: after the breaker's cool-down a request is let through, succeeds, closes it.
  upB.respond({ json: openaiCompletion('gpt-4o-mini', 'from beta') });
  await poll(
    async () => {
      const reply = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
      return reply.choices[0]!.message.content === 'from beta' ? true : undefined;
    },
    20_000,
    250,
  );
  await change(all, BETA, 'healthy');

  // The key limited to alpha never heard of beta.
  assert.equal(alphaOnly.messages.filter((m) => m.provider === BETA).length, 0);
  all.ws.close();
  alphaOnly.ws.close();
});

test("a revoked key's socket is closed", async () => {
  const doomed = await watch(gw.url, secrets.doomed.secret);
  await gw.gateway.switchyard.stack.keys.revoke(secrets.doomed.id);
  const { code, reason } = await doomed.closed;
  assert.equal(code, 4001);
  assert.equal(reason, 'API key revoked');
  await assert.rejects(watch(gw.url, secrets.doomed.secret), (err: any) => err.status === 401);
});

test('the same stream as server-sent events', async () => {
  const controller = new AbortController();
  const res = await fetch(`${gw.url}/v1/providers/health/stream`, {
    headers: { authorization: `Bearer ${secrets.alphaOnly.secret}` },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  assert.match(text, /^event: snapshot\ndata: /);
  const data = JSON.parse(text.split('\n')[1]!.slice('data: '.length));
  assert.deepEqual(data, { type: 'snapshot', providers: [{ provider: ALPHA, status: 'healthy' }] });
});

test("a revoked key's server-sent-events stream ends with an error event", async () => {
  const { record, secret } = await gw.gateway.switchyard.stack.keys.create({ name: 'sse-doomed', policy: {} } as never);
  const res = await fetch(`${gw.url}/v1/providers/health/stream`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  await gw.gateway.switchyard.stack.keys.revoke(record.id);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  assert.match(text, /event: error\ndata: \{"type":"error","error":\{"code":"key_revoked"/);
});

test("the WebSocket attached to a host app's own server", async () => {
  const switchyard = await createSwitchyard({
    config: { storage: { sqlite_path: ':memory:' }, ai_gateway: { providers: [{ name: 'host-sim', type: 'simulated', models: ['sim-1'] }] } },
  });
  const app = new Koa().use(switchyard.koa({ prefix: '/ai' }));
  const host = await listen(app.callback());
  switchyard.websocket(host.server, { prefix: '/ai' });
  try {
    const ws = new WebSocket(`${host.url.replace('http', 'ws')}/ai/v1/providers/health/stream`);
    const first = await new Promise<any>((resolve, reject) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data))));
      ws.once('error', reject);
    });
    assert.deepEqual(first, { type: 'snapshot', providers: [{ provider: 'host-sim', status: 'healthy' }] });
    ws.close();
  } finally {
    await switchyard.close();
    await host.close();
  }
});

test(
  'a provider failing on another instance shows on this one (shared figures through Redis)',
  { skip: !process.env.SWITCHYARD_TEST_REDIS_URL && 'needs SWITCHYARD_TEST_REDIS_URL' },
  async () => {
    const failing = await startUpstream({ status: 500, json: openaiError(500) });
    const name = `ws-shared-${process.pid}-${Date.now()}`;
    const shared = {
      storage: { sqlite_path: ':memory:', redis_url: process.env.SWITCHYARD_TEST_REDIS_URL },
      ai_gateway: {
        providers: [{ name, type: 'openai', base_url: `${failing.url}/v1`, api_key: 'sk-up', models: ['gpt-4o-mini'] }],
        // No breaker opening: the error rate alone, counted by instance A, must reach B.
        routing: { strategy: 'priority', failover: { max_retries: 0, circuit_breaker: { failure_threshold: 1000 } } },
      },
    };
    const [a, b] = await Promise.all([createSwitchyard({ config: shared }), createSwitchyard({ config: shared })]);
    const [sa, sb] = await Promise.all([listen(new Koa().use(a.koa()).callback()), listen(new Koa().use(b.koa()).callback())]);
    b.websocket(sb.server);
    try {
      const onB = await watch(sb.url, undefined);
      await poll(async () => (onB.messages[0] ? true : undefined), 10_000);
      assert.deepEqual(onB.messages[0].providers, [{ provider: name, status: 'healthy' }]);
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${sa.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        assert.equal(res.status, 502);
      }
      // B served nothing; its stream reports the provider down from A's figures (written every
      // second, re-read every 5 s).
      await change(onB, name, 'down');
      onB.ws.close();
    } finally {
      await Promise.all([sa.close(), sb.close()]);
      await Promise.all([a.close(), b.close()]);
      await failing.close();
    }
  },
);
