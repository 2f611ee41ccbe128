import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import { createAnthropicAdapter } from './anthropic.js';
import { collect, fixtureJson, fixtureText } from '../testing/upstream.test.util.js';
import { rejection, sendJson, sendSse, useAdapterUpstream } from '../testing/adapter.test.util.js';

const KEY = 'sk-ant-api03-SECRETSECRET0123456789';
const toolRun = fixtureJson('anthropic/ts-toolrunner-00.json');
const rateLimited = fixtureJson('anthropic/py-test_messages_TestAsyncParse_d743d628-0.json');
const badRequest = fixtureJson('anthropic/py-test_runners_TestSyncRunTools_f59a9391-1.json');

function call(over: Partial<ProviderCall> = {}): ProviderCall {
  return {
    format: 'anthropic.messages',
    body: { ...toolRun.request, model: 'claude-alias', x_future: { a: 1 } },
    model: 'claude-opus-4-8',
    stream: false,
    headers: {},
    requestId: 'r1',
    ...over,
  };
}

const sse = (text: string, pieces = 29) => sendSse(text, pieces, { 'anthropic-ratelimit-requests-remaining': '49' });

describe('anthropic adapter (replaying recorded exchanges)', () => {
  const env = useAdapterUpstream((url) => ({ name: 'claude', type: 'anthropic', base_url: url, api_key: KEY }));
  const { transport, signal } = env;

  it('passes a tool-use exchange through, body bytes unchanged, usage with cache tokens', async () => {
    const raw = JSON.stringify(
      { ...toolRun.response.body, usage: { ...toolRun.response.body.usage, cache_read_input_tokens: 300, cache_creation_input_tokens: 20 } },
      null,
      2,
    );
    env.upstream.set(sendJson(raw, 200, { 'request-id': 'req_1', 'anthropic-ratelimit-tokens-remaining': '1000', 'retry-after': '3' }));
    const result = (await env.adapter.invoke(
      call({ headers: { 'anthropic-beta': 'tools-2024, prompt-caching-2024-07-31', 'anthropic-version': '2026-10-21' } }),
      { transport, signal },
    )) as JsonResult;
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/messages');
    assert.equal(sent.headers['x-api-key'], KEY);
    assert.equal(sent.headers['anthropic-version'], '2026-10-21');
    assert.equal(sent.headers['anthropic-beta'], 'prompt-caching-2024-07-31', 'betas off the allow-list are dropped');
    const body = JSON.parse(sent.body);
    assert.equal(body.model, 'claude-opus-4-8');
    assert.deepEqual(body.x_future, { a: 1 });
    assert.deepEqual(body.tools, toolRun.request.tools);
    assert.equal(result.body, raw);
    assert.deepEqual(result.headers, { 'anthropic-ratelimit-tokens-remaining': '1000', 'retry-after': '3' });
    assert.deepEqual(result.usage, {
      inputTokens: 415,
      outputTokens: 76,
      cacheReadTokens: 300,
      cacheWriteTokens: 20,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
      source: 'provider',
    });
  });

  it('forwards only the betas of a configured allowed_betas list', async () => {
    const adapter = createAnthropicAdapter({
      name: 'claude',
      type: 'anthropic',
      base_url: env.upstream.url,
      api_key: KEY,
      allowed_betas: ['files-api-2025-04-14'],
    });
    env.upstream.set((_req, res) => res.end('{"input_tokens":12}'));
    await adapter.invoke(call({ format: 'anthropic.count_tokens', headers: { 'anthropic-beta': 'files-api-2025-04-14,prompt-caching-2024-07-31' } }), {
      transport,
      signal,
    });
    assert.equal(env.upstream.requests.at(-1)!.headers['anthropic-beta'], 'files-api-2025-04-14');
    assert.throws(() => createAnthropicAdapter({ name: 'c', type: 'anthropic', api_key: KEY, allowed_betas: 'all' }), /allowed_betas/);
  });

  it('defaults anthropic-version and posts count_tokens', async () => {
    env.upstream.set((_req, res) => res.end('{"input_tokens":12}'));
    const result = (await env.adapter.invoke(call({ format: 'anthropic.count_tokens' }), { transport, signal })) as JsonResult;
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/messages/count_tokens');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(result.body, '{"input_tokens":12}');
  });

  it('streams basic_response.sse; message_delta usage is cumulative (latest wins)', async () => {
    const text = fixtureText('anthropic/basic_response.sse').replace(
      '"usage":{"output_tokens":6}',
      '"usage":{"output_tokens":6}}\n\nevent: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}',
    );
    env.upstream.set(sse(text));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    assert.equal(result.headers['anthropic-ratelimit-requests-remaining'], '49');
    const events = await collect(result.events);
    assert.deepEqual(
      events.map((e) => e.event),
      [
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_delta',
        'message_stop',
      ],
    );
    assert.equal(events[3]!.data, '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}');
    assert.deepEqual(result.usage(), { inputTokens: 11, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' });
  });

  it('streams tool_use_response.sse (input_json_delta) verbatim', async () => {
    const text = fixtureText('anthropic/tool_use_response.sse');
    env.upstream.set(sse(text, 50));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const events = await collect(result.events);
    const partial = events
      .filter((e) => e.data.includes('input_json_delta'))
      .map((e) => JSON.parse(e.data).delta.partial_json)
      .join('');
    assert.deepEqual(JSON.parse(partial), { location: 'Paris' });
    assert.equal(events.at(-1)!.event, 'message_stop');
    assert.equal(result.usage()?.outputTokens, 65);
  });

  it('keeps a whole last event that lacks its blank line (refusal_response.sse)', async () => {
    const text = fixtureText('anthropic/refusal_response.sse');
    assert.ok(!text.endsWith('\n\n'));
    env.upstream.set(sse(text));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const events = await collect(result.events);
    assert.equal(events.at(-1)!.event, 'message_stop');
  });

  it('fails a stream without message_stop, and one cut inside an event', async () => {
    const text = fixtureText('anthropic/basic_response.sse');
    for (const cut of [text.slice(0, text.indexOf('event: message_stop')), text.slice(0, text.indexOf('event: message_stop') + 30)]) {
      env.upstream.set(sse(cut));
      const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
      const error = await rejection(collect(result.events));
      assert.equal(error.failureKind, 'network');
      assert.equal(error.afterFirstByte, true);
    }
  });

  it('classifies event: error mid-stream from its error.type', async () => {
    const text = fixtureText('anthropic/basic_response.sse');
    const head = text.slice(0, text.indexOf('event: content_block_stop'));
    env.upstream.set(sse(head + 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const error = await rejection(collect(result.events));
    assert.equal(error.failureKind, 'overloaded');
    assert.equal(error.afterFirstByte, true);
    assert.equal(error.message, 'Overloaded');
  });

  it('classifies the recorded 429 and 400 answers', async () => {
    for (const [recorded, kind, shouldRetry] of [
      [rateLimited, 'rate_limited', true],
      [badRequest, 'bad_request', false],
    ] as const) {
      env.upstream.set((_req, res) => {
        res.writeHead(recorded.response.status, recorded.response.headers);
        res.end(JSON.stringify(recorded.response.body));
      });
      const error = await rejection(env.adapter.invoke(call({ stream: true }), { transport, signal }));
      assert.equal(error.failureKind, kind);
      assert.equal(error.shouldRetry, shouldRetry);
      assert.equal(error.upstreamStatus, recorded.response.status);
      assert.equal(error.message, recorded.response.body.error.message.slice(0, 499) + (recorded.response.body.error.message.length > 500 ? '…' : ''));
      assert.ok(!JSON.stringify(error).includes(KEY));
    }
  });
});
