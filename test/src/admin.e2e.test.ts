import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, type RunningGateway } from './support/gateway.js';
import { assertSchema, schemas } from './support/schemas.js';

const ADMIN = 'admin-token-for-tests-0123456789';
let gw: RunningGateway;

before(async () => {
  gw = await startGateway({
    config: {
      admin: { token: ADMIN },
      auth: { required: true },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          { name: 'sim-a', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0, cost: { input_per_1k: 0.001, output_per_1k: 0.002 } },
          { name: 'sim-b', type: 'simulated', models: ['sim-1', 'sim-2'], latency_ms: 1, tokens_per_second: 0 },
        ],
      },
    },
  });
});
after(() => gw.close());

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}/admin${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

test('the admin API needs the admin token', async () => {
  assert.equal((await fetch(`${gw.url}/admin/keys`)).status, 401);
  assert.equal((await fetch(`${gw.url}/admin/keys`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await admin('/keys')).status, 200);
});

test('a key is shown once, works with both SDKs, is accounted, and revocation is immediate', async () => {
  const created = await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'checkout-service-prod' }) });
  assert.equal(created.status, 201);
  const { id, key } = (await created.json()) as { id: string; key: string };
  assert.match(key, /^sk-[A-Za-z0-9_-]{22,}$/);
  const again = (await (await admin(`/keys/${id}`)).json()) as Record<string, unknown>;
  assert.equal(again.key, undefined, 'the secret is never returned again');
  assert.ok(!JSON.stringify(await (await admin('/keys')).json()).includes(key));

  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const completion = await openai.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: 'hello there' }] });
  assertSchema(schemas.openaiChatCompletion, completion, 'completion');
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
  const message = await anthropic.messages.create({ model: 'sim-1', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
  assertSchema(schemas.anthropicMessage, message, 'message');

  const listed = (await (await admin('/keys')).json()) as { data?: unknown[]; keys?: unknown[] } | unknown[];
  const rows = (Array.isArray(listed) ? listed : (listed.data ?? listed.keys ?? [])) as {
    id: string;
    name: string;
    usage: { requests: number; input_tokens?: number; inputTokens?: number };
  }[];
  const row = rows.find((r) => r.id === id)!;
  assert.equal(row.name, 'checkout-service-prod');
  assert.equal(row.usage.requests, 2);

  assert.equal((await admin(`/keys/${id}/revoke`, { method: 'POST' })).status, 200);
  await assert.rejects(openai.chat.completions.create({ model: 'sim-1', messages: [{ role: 'user', content: 'again' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.AuthenticationError);
    return true;
  });
});

test('missing and unknown keys get the same 401 in the client format', async () => {
  const post = (headers: Record<string, string>, path = '/v1/chat/completions') =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'sim-1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
  const none = await post({});
  const unknown = await post({ authorization: 'Bearer sk-0000000000000000000000000000' });
  assert.equal(none.status, 401);
  assert.equal(unknown.status, 401);
  assert.equal(((await none.json()) as any).error.message, ((await unknown.json()) as any).error.message);
  const anthropic = await post({ 'x-api-key': 'sk-nope' }, '/v1/messages');
  assert.equal(anthropic.status, 401);
  assertSchema(schemas.anthropicError, await anthropic.json(), 'anthropic 401');
});

test('per-key hourly token budgets answer 429 with Retry-After', async () => {
  const { key, id } = (await (
    await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'tiny', limits: { total_tokens_per_hour: 400 } }) })
  ).json()) as { key: string; id: string };
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  let limited: InstanceType<typeof OpenAI.RateLimitError> | undefined;
  for (let i = 0; i < 10 && !limited; i++) {
    try {
      await openai.chat.completions.create({ model: 'sim-1', max_tokens: 100, messages: [{ role: 'user', content: 'count to ten' }] });
    } catch (err) {
      if (err instanceof OpenAI.RateLimitError) limited = err;
      else throw err;
    }
  }
  assert.ok(limited, 'the budget ran out');
  assert.match(limited.headers?.get('retry-after') ?? '', /^\d+$/);
  const limits = (await (await admin(`/keys/${id}/limits`)).json()) as { usage: unknown };
  assert.ok(limits.usage);
});

test('request logs, usage by key, provider stats and /metrics reflect the traffic', async () => {
  const { key } = (await (await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'reporting' }) })).json()) as { key: string };
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const { response } = await openai.chat.completions.create({ model: 'sim-a/sim-1', messages: [{ role: 'user', content: 'cost me' }] }).withResponse();
  assert.match(response.headers.get('x-switchyard-cost-usd') ?? '', /^\d+(\.\d+)?$/);
  const logs = (await (await admin('/logs?limit=50')).json()) as { data: { requested_model?: string; requestedModel?: string }[] };
  assert.ok(logs.data.length >= 1);
  const usage = await admin('/usage?group_by=key&window=24h');
  assert.equal(usage.status, 200);
  const providers = await admin('/providers');
  assert.equal(providers.status, 200);
  const health = (await (await admin('/providers/sim-a/health')).json()) as { name: string; status: string };
  assert.equal(health.name, 'sim-a');
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  assert.match(metrics, /switchyard_requests_total\{[^}]*provider="sim-a"/);
  assert.ok(!metrics.includes(key), 'no key secret in metrics');
});

test('GET /v1/models needs a key when keys are required, and shows a key only its models', async () => {
  assert.equal((await fetch(`${gw.url}/v1/models`)).status, 401);
  const anthropic401 = await fetch(`${gw.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
  assert.equal(anthropic401.status, 401);
  assertSchema(schemas.anthropicError, await anthropic401.json(), 'anthropic 401');
  const { key } = (await (await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'narrow', allowed_models: ['sim-2'] }) })).json()) as {
    key: string;
  };
  const list = await new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 }).models.list();
  assert.deepEqual(
    list.data.map((m) => m.id),
    ['sim-2'],
  );
});
