import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSseStream, type SseEvent } from '@switchyard/core';
import type { ProviderCall, StreamResult, JsonResult } from '../adapter.js';
import { createUndiciTransport } from '../transport/undici.js';
import { createAdapter } from '../registry.js';
import { createOpenAIAdapter } from './openai.js';
import { collect, fixtureJson, startUpstream } from '../testing/upstream.test.util.js';
import { rejection, sendJson, sendSse, useAdapterUpstream } from '../testing/adapter.test.util.js';

const KEY = 'sk-test-SECRET0123456789abcdef';
const jsonFixture = fixtureJson('openai/chat-structured-output-json-schema.json');
const streamFixture = fixtureJson('openai/chat-structured-output-stream.json');

function call(over: Partial<ProviderCall> = {}): ProviderCall {
  return {
    format: 'openai.chat',
    body: { ...jsonFixture.request, model: 'my-alias', x_future_field: { keep: [1, 'two'] } },
    model: 'gpt-4o-2024-08-06',
    stream: false,
    headers: {},
    requestId: 'r1',
    ...over,
  };
}

describe('openai adapter (replaying recorded exchanges)', () => {
  const env = useAdapterUpstream((url) => ({
    name: 'oa',
    type: 'openai',
    base_url: `${url}/v1/`,
    api_key: KEY,
    organization: 'org-1',
    headers: { 'X-Extra': 'yes', 'OpenAI-Organization': 'org-override' },
  }));
  const { transport, signal } = env;

  it('passes the body through with only model replaced and returns the upstream bytes verbatim', async () => {
    // Odd spacing proves the body is forwarded, not re-serialised.
    const raw = JSON.stringify(jsonFixture.response, null, 1).replace('"usage"', '"x_unknown": {"a": 1},\n "usage"');
    env.upstream.set((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-ratelimit-remaining-requests': '99',
        'openai-processing-ms': '12',
        'set-cookie': 'a=b',
        'x-request-id': 'req_1',
      });
      res.end(raw);
    });
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.equal(sent.headers['openai-organization'], 'org-override');
    assert.equal(sent.headers['x-extra'], 'yes');
    const body = JSON.parse(sent.body);
    assert.equal(body.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(body.x_future_field, { keep: [1, 'two'] });
    assert.deepEqual(body.response_format, jsonFixture.request.response_format);
    assert.deepEqual(Object.keys(body), Object.keys(call().body));
    assert.equal(result.kind, 'json');
    assert.equal(result.body, raw);
    assert.equal(result.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(result.headers, { 'x-ratelimit-remaining-requests': '99', 'openai-processing-ms': '12' });
    assert.deepEqual(result.usage, { inputTokens: 17, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' });
  });

  it('extracts cached and reasoning tokens', async () => {
    env.upstream.set((_req, res) =>
      res.end(
        JSON.stringify({
          ...jsonFixture.response,
          usage: {
            prompt_tokens: 100,
            completion_tokens: 30,
            total_tokens: 130,
            prompt_tokens_details: { cached_tokens: 60 },
            completion_tokens_details: { reasoning_tokens: 20 },
          },
        }),
      ),
    );
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    assert.deepEqual(result.usage, { inputTokens: 40, outputTokens: 30, cacheReadTokens: 60, cacheWriteTokens: 0, reasoningTokens: 20, source: 'provider' });
  });

  it('streams the recorded SSE verbatim, observes usage and forwards [DONE]', async () => {
    env.upstream.set(sendSse(streamFixture.response_sse, 37));
    const result = (await env.adapter.invoke(call({ stream: true, body: { ...streamFixture.request, stream_options: { include_usage: true } } }), {
      transport,
      signal,
    })) as StreamResult;
    assert.equal(env.upstream.requests.at(-1)!.headers.accept, 'text/event-stream');
    const events = await collect(result.events);
    const expected = await collect(
      parseSseStream(
        (async function* () {
          yield streamFixture.response_sse as string;
        })(),
      ),
    );
    assert.deepEqual(events, expected);
    assert.equal(events.at(-1)!.data, '[DONE]');
    assert.equal(result.usage()?.outputTokens, 10);
    assert.equal(result.usage()?.inputTokens, 17);
  });

  it('ends a stream that saw a finish_reason but no [DONE] with a [DONE] of its own', async () => {
    const withoutDone = streamFixture.response_sse.replace('data: [DONE]\n\n', '');
    env.upstream.set((_req, res) => res.end(withoutDone));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const events = await collect(result.events);
    assert.equal(events.at(-1)!.data, '[DONE]');
  });

  it('fails a stream that ends before any finish_reason (truncated) with a network error after the first byte', async () => {
    const cut = streamFixture.response_sse.split('\n\n').slice(0, 4).join('\n\n') + '\n\n';
    env.upstream.set((_req, res) => res.end(cut));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const error = await rejection(collect(result.events));
    assert.equal(error.failureKind, 'network');
    assert.equal(error.afterFirstByte, true);
    assert.match(error.message, /ended before completion/);
  });

  it('classifies an in-stream error, before (invoke rejects) and after the first event', async () => {
    const errorEvent = 'data: {"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}\n\n';
    env.upstream.set((_req, res) => res.end(errorEvent));
    const early = await rejection(env.adapter.invoke(call({ stream: true }), { transport, signal }));
    assert.equal(early.failureKind, 'rate_limited');
    assert.equal(early.afterFirstByte, false);

    const first = streamFixture.response_sse.split('\n\n')[0] + '\n\n';
    env.upstream.set((_req, res) => res.end(first + 'data: {"error":{"message":"The server had an error","type":"server_error"}}\n\n'));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const late = await rejection(collect(result.events));
    assert.equal(late.failureKind, 'server_error');
    assert.equal(late.afterFirstByte, true);
  });

  it('classifies HTTP errors, keeps retry-after and never leaks the key', async () => {
    env.upstream.set(
      sendJson(
        {
          error: {
            message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com.`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
        401,
      ),
    );
    const auth = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(auth.failureKind, 'auth');
    assert.equal(auth.upstreamStatus, 401);
    for (const text of [
      auth.message,
      JSON.stringify(auth),
      String(auth.stack),
      JSON.stringify(env.adapter.classify({ status: 401, body: `{"error":{"message":"${KEY}"}}` })),
    ]) {
      assert.ok(!text.includes(KEY) && !text.includes('SECRET0123'), `leaked: ${text}`);
    }

    env.upstream.set((_req, res) => {
      res.writeHead(429, { 'retry-after-ms': '1500', 'retry-after': '2', 'x-should-retry': 'true' });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }));
    });
    const limited = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(limited.failureKind, 'rate_limited');
    assert.equal(limited.retryAfterMs, 1500);
    assert.equal(limited.shouldRetry, true);
    assert.equal(limited.retryable, true);

    env.upstream.set((_req, res) => {
      res.writeHead(429);
      res.end(JSON.stringify({ error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } }));
    });
    const quota = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(quota.failureKind, 'auth');
    assert.equal(quota.retryable, false);
  });

  it('maps transport failures to timeout / network ProviderErrors', async () => {
    env.upstream.set(() => {});
    const slow = await rejection(env.adapter.invoke(call(), { transport, signal, timeouts: { firstByteMs: 100 } }));
    assert.equal(slow.failureKind, 'timeout');
    const dead = createAdapter({ name: 'dead', type: 'openai', base_url: 'http://127.0.0.1:1/v1', api_key: KEY });
    const refused = await rejection(dead.invoke(call(), { transport, signal }));
    assert.equal(refused.failureKind, 'network');
  });

  for (const how of ['abort signal', 'break'] as const) {
    it(`closes the upstream stream when the client leaves (${how})`, async () => {
      const first = streamFixture.response_sse.split('\n\n')[0] + '\n\n';
      env.upstream.set((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(first);
      });
      const controller = new AbortController();
      const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal: controller.signal })) as StreamResult;
      const closed = env.upstream.closed();
      const iterator = result.events[Symbol.asyncIterator]();
      assert.equal(((await iterator.next()).value as SseEvent).data, first.slice(6, -2));
      if (how === 'break') {
        await iterator.return?.();
      } else {
        const pending = iterator.next();
        controller.abort();
        const error = await rejection(pending);
        assert.equal(error.afterFirstByte, true);
      }
      await closed;
    });
  }

  it('refuses a call without any key and a format it does not serve', async () => {
    const keyless = createAdapter({ name: 'nokey', type: 'openai', base_url: env.upstream.url });
    assert.equal((await rejection(keyless.invoke(call(), { transport, signal }))).failureKind, 'auth');
    // The bare adapter (createAdapter wraps it with translation, which serves Anthropic clients too).
    const bare = createOpenAIAdapter({ name: 'oa', type: 'openai', base_url: env.upstream.url, api_key: KEY });
    assert.equal((await rejection(bare.invoke(call({ format: 'anthropic.messages' }), { transport, signal }))).failureKind, 'bad_request');
  });

  it('uses the BYOK key of the call', async () => {
    env.upstream.set((_req, res) => res.end('{}'));
    await env.adapter.invoke(call({ apiKey: 'sk-user-key-123456' }), { transport, signal });
    assert.equal(env.upstream.requests.at(-1)!.headers.authorization, 'Bearer sk-user-key-123456');
  });

  it('posts embeddings to /embeddings', async () => {
    env.upstream.set((_req, res) =>
      res.end(JSON.stringify({ object: 'list', data: [], model: 'text-embedding-3-small', usage: { prompt_tokens: 5, total_tokens: 5 } })),
    );
    const result = (await env.adapter.invoke(call({ format: 'openai.embeddings', body: { model: 'e', input: 'hi' }, model: 'text-embedding-3-small' }), {
      transport,
      signal,
    })) as JsonResult;
    assert.equal(env.upstream.requests.at(-1)!.url, '/v1/embeddings');
    assert.equal(result.usage?.inputTokens, 5);
  });
});

describe('openai-compatible adapter', () => {
  it('requires base_url', () => {
    assert.throws(() => createAdapter({ name: 'local', type: 'openai-compatible' }), { name: 'TypeError', message: /local.*base_url/ });
  });

  it('sends no Authorization header without a key', async () => {
    const upstream = await startUpstream();
    const transport = createUndiciTransport();
    try {
      upstream.set((_req, res) => res.end(JSON.stringify(jsonFixture.response)));
      const adapter = createAdapter({ name: 'local', type: 'openai-compatible', base_url: `${upstream.url}/v1` });
      await adapter.invoke(call(), { transport, signal: new AbortController().signal });
      assert.equal(upstream.requests[0]!.headers.authorization, undefined);
      assert.equal(upstream.requests[0]!.url, '/v1/chat/completions');
    } finally {
      await transport.close();
      await upstream.close();
    }
  });
});
