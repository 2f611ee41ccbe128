import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { schemas, assertSchema } from './support/schemas.js';
import { ANTHROPIC_UPSTREAM_KEY, fixture, fixtureText, startGateway, twoUpstreamConfig, type RunningGateway } from './support/gateway.js';
import { framesOf, startUpstream, type Upstream } from './support/upstream.js';

let upstream: Upstream;
let gw: RunningGateway;

before(async () => {
  upstream = await startUpstream();
  gw = await startGateway({ config: twoUpstreamConfig(upstream.url, upstream.url) });
});
after(async () => {
  await gw.close();
  await upstream.close();
});

const recorded = fixture<{ request: Record<string, unknown>; response: { status: number; body: Record<string, unknown> } }>('ts-toolrunner-00.json');

for (const [label, options] of [
  ['x-api-key', { apiKey: 'sk-client-key' }],
  ['Authorization: Bearer', { authToken: 'sk-client-key', apiKey: null }],
] as const) {
  test(`messages.create (JSON) with ${label} passes through unchanged`, async () => {
    const client = new Anthropic({ baseURL: gw.url, maxRetries: 0, ...options });
    upstream.respond({ json: recorded.response.body, headers: { 'anthropic-ratelimit-requests-remaining': '41' } });
    const { data, response } = await client.messages
      .create({ ...(recorded.request as unknown as Anthropic.MessageCreateParamsNonStreaming), model: 'claude-opus-4-8' })
      .withResponse();
    assertSchema(schemas.anthropicMessage, data, 'message');
    assert.deepEqual(data.content, recorded.response.body.content);
    assert.equal(data.stop_reason, 'tool_use');
    assert.equal(response.headers.get('x-switchyard-provider'), 'anthropic');
    assert.equal(response.headers.get('anthropic-ratelimit-requests-remaining'), '41');
    assert.match(response.headers.get('request-id') ?? '', /.+/, 'the Anthropic SDK reads request-id');
    const seen = upstream.requests.at(-1)!;
    assert.equal(seen.path, '/v1/messages');
    assert.equal(seen.headers['x-api-key'], ANTHROPIC_UPSTREAM_KEY);
    assert.equal(seen.headers.authorization, undefined, "the client's bearer token is not forwarded");
    assert.ok(!JSON.stringify(seen.headers).includes('sk-client-key'));
    assert.deepEqual(seen.body.tools, recorded.request.tools);
  });
}

test('messages.stream().finalMessage() over a recorded tool_use stream', async () => {
  const frames = framesOf(fixtureText('tool_use_response.sse'));
  upstream.respond({ sse: frames });
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client-key', maxRetries: 0 });
  const stream = client.messages.stream({ model: 'claude-opus-4-8', max_tokens: 1024, messages: [{ role: 'user', content: 'weather in SF?' }] });
  const events: unknown[] = [];
  stream.on('streamEvent', (event) => events.push(event));
  const message = await stream.finalMessage();
  for (const e of events) assertSchema(schemas.anthropicStreamEvent, e, 'stream event');
  assert.ok(events.length >= 5);
  const toolUse = message.content.find((b) => b.type === 'tool_use');
  assert.ok(toolUse && toolUse.type === 'tool_use');
  assert.equal(message.stop_reason, 'tool_use');
  assertSchema(schemas.anthropicMessage, message, 'final message');
});

test('a stream cut after the first byte surfaces as an error in the Anthropic SDK', async () => {
  const frames = framesOf(fixtureText('basic_response.sse'));
  upstream.respond({ sse: frames, cutAfter: 3 });
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client-key', maxRetries: 0 });
  const stream = client.messages.stream({ model: 'claude-opus-4-8', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
  await assert.rejects(stream.finalMessage());
  // The raw wire ends with `event: error`, never a clean message_stop.
  upstream.respond({ sse: frames, cutAfter: 3 });
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.text();
  assert.match(text, /event: error\ndata: \{"type":"error"/);
  assert.doesNotMatch(text, /message_stop/);
  const errorData = JSON.parse(text.split('event: error\ndata: ')[1]!.split('\n')[0]!);
  assertSchema(schemas.anthropicError, errorData, 'in-band error');
});

test('upstream 429 comes back as an Anthropic rate_limit_error with retry-after', async () => {
  upstream.respond({
    status: 429,
    headers: { 'retry-after': '7' },
    json: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' } },
  });
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '7');
  const body = (await res.json()) as any;
  assertSchema(schemas.anthropicError, body, 'error');
  assert.equal(body.error.type, 'rate_limit_error');
});

test('bad input gets a 400 in Anthropic format naming the field', async () => {
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-opus-4-8', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as any;
  assertSchema(schemas.anthropicError, body, 'error');
  assert.match(body.error.message, /max_tokens/);
  const bad = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as any).error.type, 'invalid_request_error');
});

test('GET /v1/models answers in the Anthropic shape for Anthropic clients', async () => {
  const client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client-key', maxRetries: 0 });
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes('claude-opus-4-8'));
});
