/**
 * Failover through the composed gateway, seen by the official SDKs: a stream cut mid-answer
 * ends with an in-band error (same-format and translated), a rate-limited only target gives the
 * client 429 + Retry-After, and x-switchyard-attempts counts every upstream try.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { fixture, fixtureText, startGateway, type RunningGateway } from '../support/gateway.js';
import { framesOf, startUpstream, type Reply, type Upstream } from '../support/upstream.js';
import { assertSchema, schemas } from '../support/schemas.js';
import { openaiCompletion, openaiError } from './helpers.js';

let upO: Upstream; // OpenAI format, provider p-openai
let upA: Upstream; // Anthropic format, provider p-anthropic
let upB: Upstream; // OpenAI format, provider p-backup
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

const openaiFrames = framesOf(fixture<{ response_sse: string }>('chat-structured-output-stream.json').response_sse);
const anthropicFrames = framesOf(fixtureText('basic_response.sse'));
const UPSTREAM_SECRET = 'sk-failover-upstream-SECRET-3333';

before(async () => {
  [upO, upA, upB] = await Promise.all([startUpstream(), startUpstream(), startUpstream()]);
  gw = await startGateway({
    config: {
      storage: { sqlite_path: ':memory:' },
      ai_gateway: {
        providers: [
          { name: 'p-openai', type: 'openai', base_url: `${upO.url}/v1`, api_key: UPSTREAM_SECRET, models: ['gpt-4o-mini', 'gpt-solo', 'gpt-solo-2'] },
          { name: 'p-anthropic', type: 'anthropic', base_url: upA.url, api_key: UPSTREAM_SECRET, models: ['claude-sonnet-4-5', 'claude-solo'] },
          { name: 'p-backup', type: 'openai', base_url: `${upB.url}/v1`, api_key: UPSTREAM_SECRET, models: ['gpt-4o-mini'] },
        ],
        // These upstreams replay recorded streams and ignore a prefill: continuation (on by
        // default for the Anthropic one) would splice a replay in. Continuation has its own suite.
        routing: {
          strategy: 'priority',
          providers: [
            { name: 'p-openai', priority: 1 },
            { name: 'p-anthropic', priority: 1 },
            { name: 'p-backup', priority: 2 },
          ],
          failover: { stream_continuation: false },
        },
        model_mapping: {
          'chat-o': { 'p-openai': 'gpt-4o-mini', 'p-backup': 'gpt-4o-mini' },
          'chat-a': { 'p-anthropic': 'claude-sonnet-4-5', 'p-backup': 'gpt-4o-mini' },
          'solo-o': { 'p-openai': 'gpt-solo' },
          'solo-o2': { 'p-openai': 'gpt-solo-2' },
          'solo-a': { 'p-anthropic': 'claude-solo' },
        },
      },
    },
  });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'sk-client', maxRetries: 0 });
});

beforeEach(() => {
  for (const u of [upO, upA, upB]) u.requests.length = 0;
  upB.respond({ json: openaiCompletion('gpt-4o-mini', 'from backup') });
});

after(async () => {
  await gw.close();
  await Promise.all([upO.close(), upA.close(), upB.close()]);
});

/** Read an OpenAI SDK stream to its end or its error. */
async function drainOpenAI(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let text = '';
  let chunks = 0;
  try {
    for await (const chunk of stream) {
      assertSchema(schemas.openaiChatChunk, chunk, 'chunk before the cut');
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
  } catch (err) {
    return { text, chunks, error: err };
  }
  return { text, chunks, error: undefined };
}

async function drainAnthropic(stream: AsyncIterable<Anthropic.RawMessageStreamEvent>) {
  let text = '';
  const types: string[] = [];
  try {
    for await (const event of stream) {
      assertSchema(schemas.anthropicStreamEvent, event, 'event before the cut');
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
  } catch (err) {
    return { text, types, error: err };
  }
  return { text, types, error: undefined };
}

test('OpenAI SDK: a cut after the first chunks ends with an in-band error, no silent switch to the backup', async () => {
  upO.respond({ sse: openaiFrames, cutAfter: 3 });
  const { data: stream, response } = await openai.chat.completions
    .create({ model: 'chat-o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-provider'), 'p-openai');
  const read = await drainOpenAI(stream);
  assert.ok(read.error instanceof OpenAI.APIError, `expected an APIError, got ${String(read.error)}`);
  assert.equal(read.chunks, 3);
  assert.ok(!String((read.error as Error).message).includes(UPSTREAM_SECRET));
  assert.equal(upB.requests.length, 0, 'bytes already reached the client: no failover after the first byte');
});

test('OpenAI SDK, translated from an Anthropic upstream: the cut is an in-band error too', async () => {
  upA.respond({ sse: anthropicFrames, cutAfter: 5 }); // message_start … "Hello", " there"
  const stream = await openai.chat.completions.create({ model: 'chat-a', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const read = await drainOpenAI(stream);
  assert.ok(read.error instanceof OpenAI.APIError, `expected an APIError, got ${String(read.error)}`);
  assert.equal(read.text, 'Hello there');
  assert.equal(upB.requests.length, 0);
});

test('Anthropic SDK: a cut ends with an in-band error event (same format and translated)', async () => {
  upA.respond({ sse: anthropicFrames, cutAfter: 5 });
  const same = await drainAnthropic(
    await anthropic.messages.create({ model: 'chat-a', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  );
  assert.ok(same.error instanceof Anthropic.APIError, `expected an APIError, got ${String(same.error)}`);
  assert.equal(same.text, 'Hello there');
  assert.ok(!same.types.includes('message_stop'));

  upO.respond({ sse: openaiFrames, cutAfter: 3 });
  const translated = await drainAnthropic(
    await anthropic.messages.create({ model: 'chat-o', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  );
  assert.ok(translated.error instanceof Anthropic.APIError, `expected an APIError, got ${String(translated.error)}`);
  assert.equal(translated.types[0], 'message_start');
  assert.ok(!translated.types.includes('message_stop'));
  assert.equal(upB.requests.length, 0);
});

test('429 with Retry-After on the only target: the client gets 429 + Retry-After (OpenAI SDK)', async () => {
  upO.respond({ status: 429, headers: { 'retry-after': '7' }, json: openaiError(429, 'Rate limit reached for requests') });
  await assert.rejects(openai.chat.completions.create({ model: 'solo-o', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.RateLimitError, String(err));
    assert.equal(err.headers?.get('retry-after'), '7');
    assert.equal(err.headers?.get('x-switchyard-attempts'), '1');
    return true;
  });
  assert.equal(upO.requests.length, 1, 'a long Retry-After is not waited out');

  // The target now cools down for the Retry-After: the next request is not sent upstream, and
  // the client is told how long to wait.
  await assert.rejects(openai.chat.completions.create({ model: 'solo-o', messages: [{ role: 'user', content: 'again' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError, String(err));
    const wait = Number(err.headers?.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 7, `retry-after ${wait}`);
    return true;
  });
  assert.equal(upO.requests.length, 1, 'no request to a target cooling down');
});

test('429 with Retry-After on the only target: the client gets 429 + Retry-After (Anthropic SDK)', async () => {
  upA.respond({
    status: 429,
    headers: { 'retry-after': '9' },
    json: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' } },
  });
  await assert.rejects(anthropic.messages.create({ model: 'solo-a', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
    assert.ok(err instanceof Anthropic.RateLimitError, String(err));
    assert.equal(err.headers?.get('retry-after'), '9');
    assertSchema(schemas.anthropicError, err.error, '429 body');
    return true;
  });
  assert.equal(upA.requests.length, 1);
});

test('a short retry-after-ms is waited out on the same target: x-switchyard-attempts is 2', async () => {
  let calls = 0;
  upO.respond((): Reply =>
    ++calls === 1 ? { status: 429, headers: { 'retry-after-ms': '50' }, json: openaiError(429) } : { json: openaiCompletion('gpt-solo-2', 'second try') },
  );
  const { data, response } = await openai.chat.completions.create({ model: 'solo-o2', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.equal(data.choices[0]!.message.content, 'second try');
  assert.equal(response.headers.get('x-switchyard-attempts'), '2');
  assert.equal(upO.requests.length, 2);
});

test('x-switchyard-attempts counts every try, on success and on the final error', async () => {
  upO.respond({ status: 500, json: openaiError(500) });
  const { data, response } = await openai.chat.completions.create({ model: 'chat-o', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.equal(data.choices[0]!.message.content, 'from backup');
  assert.equal(response.headers.get('x-switchyard-provider'), 'p-backup');
  assert.equal(response.headers.get('x-switchyard-attempts'), String(upO.requests.length + upB.requests.length));
  assert.equal(upO.requests.length, 2, 'a 500 is retried once, then the next target');

  for (const u of [upO, upB]) u.requests.length = 0;
  upB.respond({ status: 502, json: openaiError(502) });
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat-o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as { error: { message: string; attempts?: { provider: string }[] } };
  assert.equal(res.status, 502);
  assertSchema(schemas.openaiError, body, 'final error');
  assert.equal(res.headers.get('x-switchyard-attempts'), String(upO.requests.length + upB.requests.length));
  assert.equal(upO.requests.length + upB.requests.length, 4);
  assert.deepEqual([...new Set(body.error.attempts?.map((a) => a.provider))], ['p-openai', 'p-backup']);
  // The message must not contradict the header (it used to say "All 2 attempts failed" after 4 tries).
  const claimed = /(\d+) attempts/.exec(body.error.message);
  if (claimed) assert.equal(claimed[1], res.headers.get('x-switchyard-attempts'), body.error.message);
  assert.ok(!JSON.stringify(body).includes(UPSTREAM_SECRET));
});

test('a failure before the first byte of a stream fails over invisibly', async () => {
  upO.respond({ status: 503, json: openaiError(503) });
  upB.respond({ sse: openaiFrames });
  const { data: stream, response } = await openai.chat.completions
    .create({ model: 'chat-o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  const read = await drainOpenAI(stream);
  assert.equal(read.error, undefined);
  assert.deepEqual(JSON.parse(read.text), { city: 'San Francisco', units: 'c' });
  assert.equal(response.headers.get('x-switchyard-provider'), 'p-backup');
  assert.equal(response.headers.get('x-switchyard-attempts'), String(upO.requests.length + 1));
});
