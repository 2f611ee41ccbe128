/**
 * What an outside probe of the running gateway found (issue 11), each through the composed
 * gateway: client-caused failures are 4xx in the client's format, client-sized text is bounded
 * before it is logged, stored or echoed, and nothing a client sends widens what it may do.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Logger } from '@switchyard/core';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { assertSchema, schemas } from '../support/schemas.js';
import { ADMIN_TOKEN, adminClient, anthropicMessage, openaiCompletion } from './helpers.js';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An upstream answering OpenAI or Anthropic JSON by path, after `delayMs`, recording every request. */
async function upstream() {
  const seen: Seen[] = [];
  const state = { delayMs: 0 };
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ path: req.url ?? '', headers: req.headers, body });
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    const model = (JSON.parse(body || '{}') as { model?: string }).model ?? 'm';
    const answer = req.url?.includes('/messages') ? anthropicMessage(model, 'hi') : openaiCompletion(model, 'hi');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const logged: string[] = [];
const write = (obj: object, msg?: string) => void logged.push(JSON.stringify({ ...obj, msg }));
const logger: Logger = { debug: write, info: write, warn: write, error: write };

let up: Awaited<ReturnType<typeof upstream>>;
let gw: RunningGateway;
let admin: ReturnType<typeof adminClient>;
let key: string;
let plainKey: string;

before(async () => {
  up = await upstream();
  gw = await startGateway({
    logger,
    config: {
      admin: { token: ADMIN_TOKEN },
      auth: { required: true },
      storage: { sqlite_path: ':memory:' },
      usage: { flush_interval: '50ms' },
      ai_gateway: {
        providers: [
          // No `models:` list: any `open/<name>` goes upstream as <name>.
          { name: 'open', type: 'openai', base_url: `${up.url}/v1`, api_key: 'sk-upstream-open-0001' },
          { name: 'anth', type: 'anthropic', base_url: up.url, api_key: 'sk-ant-upstream-0002', models: ['claude-x'] },
        ],
      },
    },
  });
  admin = adminClient(gw.url);
  key = (await admin<{ key: string }>('POST', '/keys', { name: 'routing', allow_routing_headers: true })).json.key;
  plainKey = (await admin<{ key: string }>('POST', '/keys', { name: 'plain' })).json.key;
});
after(async () => {
  await gw.close();
  await up.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      ...(path.startsWith('/v1/messages') ? { 'anthropic-version': '2023-06-01' } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
const messages = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...extra });

/** `{"a":{"a":…1…}}` nested `depth` levels, as JSON text (JSON.stringify itself would overflow). */
const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const withDeep = (body: unknown, depth: number) => JSON.stringify(body).replace('"DEEP"', deepJson(depth));

test('model names with CR/LF, non-Latin-1 text or over 256 characters are a 400 naming `model`, before any upstream call (item 3)', async () => {
  const before = up.seen.length;
  for (const model of ['open/m1\r\nx-evil: 1', 'open/模型', `open/${'m'.repeat(300)}`, 'open/has space']) {
    const openai = await post('/v1/chat/completions', chat(model));
    assert.equal(openai.status, 400, `${JSON.stringify(model.slice(0, 20))}: ${openai.text.slice(0, 200)}`);
    assertSchema(schemas.openaiError, openai.json, 'openai 400');
    assert.equal(openai.json.error.param, 'model');
    const anthropic = await post('/v1/messages', messages(model));
    assert.equal(anthropic.status, 400, anthropic.text.slice(0, 200));
    assertSchema(schemas.anthropicError, anthropic.json, 'anthropic 400');
    assert.match(anthropic.json.error.message, /model/);
  }
  assert.equal(up.seen.length, before, 'no upstream was called');
});

test('a model name served by a provider without a model list comes back in a safe header', async () => {
  const ok = await post('/v1/chat/completions', chat('open/ft:gpt-4o:acme:v1@2024+x=y~z'));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.headers.get('x-switchyard-model'), 'ft:gpt-4o:acme:v1@2024+x=y~z');
});

test('deep tools and tool_use.input are a 400 in the client format, not a 500 (item 3)', async () => {
  const tools = await post(
    '/v1/chat/completions',
    withDeep(chat('open/m1', { tools: [{ type: 'function', function: { name: 'f', parameters: 'DEEP' } }] }), 10_000),
  );
  assert.equal(tools.status, 400, tools.text.slice(0, 300));
  assertSchema(schemas.openaiError, tools.json, 'openai 400');
  const input = await post(
    '/v1/messages',
    withDeep(
      {
        model: 'claude-x',
        max_tokens: 16,
        messages: [
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: 'DEEP' }] },
          { role: 'user', content: 'go on' },
        ],
      },
      10_000,
    ),
  );
  assert.equal(input.status, 400, input.text.slice(0, 300));
  assertSchema(schemas.anthropicError, input.json, 'anthropic 400');
});

test('"temperature": 1e999 and other non-finite numbers are a 400 naming the field (item 11)', async () => {
  const before = up.seen.length;
  const openai = await post('/v1/chat/completions', '{"model":"open/m1","temperature":1e999,"messages":[{"role":"user","content":"hi"}]}');
  assert.equal(openai.status, 400, openai.text);
  assert.equal(openai.json.error.param, 'temperature');
  const nested = await post('/v1/messages', '{"model":"claude-x","max_tokens":16,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":[1,-1e400]}}');
  assert.equal(nested.status, 400, nested.text);
  assertSchema(schemas.anthropicError, nested.json, 'anthropic 400');
  assert.match(nested.json.error.message, /metadata\.x\[1\]/);
  assert.equal(up.seen.length, before, 'no upstream was called');
});

test('a 9 MB model name is not stored, logged or echoed whole; refused requests without a key store nothing (item 4)', async () => {
  const huge = `open/${'x'.repeat(9 * 1024 * 1024)}`;
  logged.length = 0;
  const rowsBefore = (await admin<{ data: unknown[] }>('GET', '/logs?limit=200')).json.data.length;
  for (let i = 0; i < 3; i++) {
    const res = await post('/v1/chat/completions', chat(huge), { authorization: '' });
    assert.ok(res.status === 400 || res.status === 401, String(res.status));
    assert.ok(res.text.length < 4096, `the answer is small (${res.text.length} bytes)`);
  }
  // With a valid name but no key: a 401 that leaves no row behind.
  const noKey = await post('/v1/chat/completions', chat('open/m1'), { authorization: '' });
  assert.equal(noKey.status, 401);
  const withKey = await post('/v1/chat/completions', chat(`open/${'y'.repeat(200)}`));
  assert.equal(withKey.status, 200);
  await new Promise((r) => setTimeout(r, 200));
  const rows = (await admin<{ data: { key_id?: string | null; status: number }[] }>('GET', '/logs?limit=200')).json.data;
  assert.equal(rows.length, rowsBefore + 1, 'only the authenticated request was stored');
  const loggedBytes = logged.reduce((n, line) => n + line.length, 0);
  assert.ok(loggedBytes < 64 * 1024, `log output stays small (${loggedBytes} bytes)`);
});

test('max_output_tokens does not shrink the reservation of a Chat Completions request (item 10)', async () => {
  const { key: small } = (await admin<{ key: string }>('POST', '/keys', { name: 'small-budget', limits: { total_tokens_per_hour: 2000 } })).json;
  up.state.delayMs = 1000;
  try {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => post('/v1/chat/completions', chat('open/m1', { max_output_tokens: 1 }), { authorization: `Bearer ${small}` })),
    );
    const statuses = answers.map((a) => a.status).sort();
    // Each request reserves the default output allowance (1024): at most one fits in 2000 tokens.
    assert.ok(statuses.filter((s) => s === 429).length >= 3, `statuses ${statuses.join(',')}`);
  } finally {
    up.state.delayMs = 0;
  }
});

test('X-Failover-Config from a key without routing-header permission is a 403 like the other routing headers (item 13)', async () => {
  const config = JSON.stringify({ primary_provider: 'open', fallback_rules: [] });
  const refused = await post('/v1/chat/completions', chat('open/m1'), { authorization: `Bearer ${plainKey}`, 'x-failover-config': config });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.error.code, 'routing_headers_not_allowed');
  const other = await post('/v1/chat/completions', chat('open/m1'), { authorization: `Bearer ${plainKey}`, 'x-provider': 'open' });
  assert.equal(other.status, 403);
  const allowed = await post('/v1/chat/completions', chat('open/m1'), { 'x-failover-config': config });
  assert.equal(allowed.status, 200, allowed.text);
});

test('only allow-listed anthropic-beta values are forwarded with the gateway credentials (item 15)', async () => {
  const res = await post('/v1/messages', messages('claude-x'), { 'anthropic-beta': 'files-api-2025-04-14, prompt-caching-2024-07-31,mcp-client-2025-04-04' });
  assert.equal(res.status, 200, res.text);
  const sent = up.seen.at(-1)!;
  assert.equal(sent.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
  const none = await post('/v1/messages', messages('claude-x'), { 'anthropic-beta': 'files-api-2025-04-14' });
  assert.equal(none.status, 200);
  assert.equal(up.seen.at(-1)!.headers['anthropic-beta'], undefined);
});

test("a client's x-request-id is kept apart; log ids are the gateway's and unique, so no request shadows another's log (item 12)", async () => {
  const victim = await post('/v1/chat/completions', chat('open/victim-model'));
  const victimId = victim.headers.get('x-request-id')!;
  assert.match(victimId, /^[0-9a-f-]{36}$/);
  // Another key holder replays the victim's id, twice.
  const first = await post('/v1/chat/completions', chat('open/shadow-model'), { 'x-request-id': victimId });
  const second = await post('/v1/chat/completions', chat('open/shadow-model'), { 'x-request-id': victimId });
  const ids = [victimId, first.headers.get('x-request-id'), second.headers.get('x-request-id')];
  assert.equal(new Set(ids).size, 3, `three distinct ids: ${ids.join(', ')}`);
  assert.equal(first.headers.get('x-client-request-id'), victimId, "the client's id is echoed apart");
  const log = await admin<{ id: string; requestedModel: string }>('GET', `/logs/${victimId}`);
  assert.equal(log.status, 200);
  assert.equal(log.json.requestedModel, 'open/victim-model');
  const shadow = await admin<{ id: string; clientRequestId?: string }>('GET', `/logs/${first.headers.get('x-request-id')}`);
  assert.equal(shadow.json.clientRequestId, victimId);
});
