/**
 * A provider without a model list serves any name a client sends: per-model metrics, breakers,
 * health and latency series must not grow with those names (issue 11, item 5), and /metrics
 * can require a token.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { ADMIN_TOKEN, adminClient, openaiCompletion } from './helpers.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
let upstream: Server;
let gw: RunningGateway;

before(async () => {
  upstream = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { model } = JSON.parse(body) as { model: string };
    // Every tenth name fails, so breakers and health see failures for unknown names too.
    const fail = /-\d*0$/.test(model);
    res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(fail ? { error: { message: 'boom', type: 'server_error' } } : openaiCompletion(model, 'hi')));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await startGateway({
    config: {
      admin: { token: ADMIN_TOKEN },
      metrics: { token: METRICS_TOKEN },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          { name: 'open', type: 'openai', base_url: `${url}/v1`, api_key: 'sk-upstream-open-0001' },
          { name: 'listed', type: 'openai', base_url: `${url}/v1`, api_key: 'sk-upstream-listed-0002', models: ['gpt-4o-mini'] },
        ],
        routing: { failover: { enabled: false } },
      },
    },
  });
});
after(async () => {
  await gw.close();
  await new Promise((r) => upstream.close(r));
});

const chat = (model: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  }).then(async (r) => (await r.text(), r.status));

test('/metrics answers only with metrics.token', async () => {
  assert.equal((await fetch(`${gw.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const ok = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /switchyard_/);
});

test('200 random model names through a provider without a model list add no per-name series or state', async () => {
  const names = Array.from({ length: 200 }, (_, i) => `open/rnd-${Math.random().toString(36).slice(2, 8)}-${i}`);
  for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map(chat));
  assert.equal(await chat('listed/gpt-4o-mini'), 200);

  const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const models = new Set([...metrics.matchAll(/model="([^"]*)"/g)].map((m) => m[1]));
  assert.ok(!metrics.includes('rnd-'), 'no client-chosen name is a label');
  assert.ok(models.has('other') && models.has('gpt-4o-mini'), [...models].join(','));
  assert.ok(models.size <= 3, `model label values: ${[...models].join(', ')}`);

  const breakers = gw.gateway.switchyard.stack.executor.breakerStates();
  assert.ok(breakers.length <= 2, `breakers: ${JSON.stringify(breakers)}`);
  const providers = await adminClient(gw.url)('GET', '/providers');
  assert.equal(providers.status, 200);
  const text = JSON.stringify(providers.json);
  assert.ok(!text.includes('rnd-'), 'provider health lists no client-chosen name');
  assert.ok(text.length < 16_384, `/admin/providers is small (${text.length} bytes)`);
});
