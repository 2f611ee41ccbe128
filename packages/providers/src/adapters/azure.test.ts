import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import { createAdapter } from '../registry.js';
import { collect, fixtureJson, type Recorded } from '../testing/upstream.test.util.js';
import { rejection, sendJson, useAdapterUpstream } from '../testing/adapter.test.util.js';

const KEY = 'azure-key-SECRET-0123456789abcdef';
const jsonFixture = fixtureJson('openai/chat-structured-output-json-schema.json');
const streamFixture = fixtureJson('openai/chat-structured-output-stream.json');

describe('azure adapter', () => {
  const env = useAdapterUpstream((url) => ({
    name: 'az',
    type: 'azure',
    base_url: `${url}/openai/`,
    api_key: KEY,
    deployments: { 'gpt-4o': 'gpt4o-prod', 'text-embedding-3-small': 'emb-small' },
    api_version: '2024-10-21',
  }));
  const { transport, signal } = env;
  const call = (over: Partial<ProviderCall> = {}): ProviderCall => ({
    format: 'openai.chat',
    body: { ...jsonFixture.request, model: 'alias', x_future: 1 },
    model: 'gpt-4o',
    stream: false,
    headers: {},
    requestId: 'r1',
    ...over,
  });

  it('calls the deployment URL with api-version and api-key, passing the body and answer through', async () => {
    const raw = JSON.stringify(jsonFixture.response, null, 1);
    env.upstream.set(sendJson(raw, 200, { 'x-ratelimit-remaining-tokens': '9' }));
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
    assert.equal(sent.headers['api-key'], KEY);
    assert.equal(sent.headers.authorization, undefined);
    const body = JSON.parse(sent.body);
    assert.equal('model' in body, false, 'the deployment decides the model: Azure bodies carry none');
    assert.equal(body.x_future, 1);
    assert.equal(result.body, raw);
    assert.equal(result.usage?.outputTokens, 10);
    assert.deepEqual(result.headers, { 'x-ratelimit-remaining-tokens': '9' });
  });

  it('uses the model name as deployment when the map has none; streams verbatim; embeddings too', async () => {
    env.upstream.set((_req: Recorded, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(streamFixture.response_sse);
    });
    const stream = (await env.adapter.invoke(call({ model: 'gpt-4.1-mini', stream: true }), { transport, signal })) as StreamResult;
    const events = await collect(stream.events);
    assert.equal(env.upstream.requests.at(-1)!.url, '/openai/deployments/gpt-4.1-mini/chat/completions?api-version=2024-10-21');
    assert.equal(events.at(-1)!.data, '[DONE]');

    env.upstream.set((_req: Recorded, res: ServerResponse) =>
      res.end(
        JSON.stringify({
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
          model: 'text-embedding-3-small',
          usage: { prompt_tokens: 3, total_tokens: 3 },
        }),
      ),
    );
    const emb = (await env.adapter.invoke(call({ format: 'openai.embeddings', model: 'text-embedding-3-small', body: { model: 'x', input: 'hello' } }), {
      transport,
      signal,
    })) as JsonResult;
    assert.equal(env.upstream.requests.at(-1)!.url, '/openai/deployments/emb-small/embeddings?api-version=2024-10-21');
    assert.equal(emb.usage?.inputTokens, 3);
  });

  it('sends stream_options only to api-versions that define it (2024-09-01-preview on)', async () => {
    const sse =
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const sentFor = async (apiVersion: string | undefined): Promise<Record<string, unknown>> => {
      const adapter = createAdapter({
        name: 'az',
        type: 'azure',
        base_url: env.upstream.url,
        api_key: KEY,
        ...(apiVersion ? { api_version: apiVersion } : {}),
      });
      env.upstream.set((_req: Recorded, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(sse);
      });
      const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } };
      await collect(((await adapter.invoke(call({ stream: true, body }), { transport, signal })) as StreamResult).events);
      const sent = env.upstream.requests.at(-1)!;
      assert.ok(sent.url.endsWith(`api-version=${apiVersion ?? '2024-10-21'}`));
      return JSON.parse(sent.body);
    };
    assert.equal((await sentFor('2024-06-01')).stream_options, undefined, 'GA 2024-06-01 rejects stream_options');
    assert.equal((await sentFor('2024-08-01-preview')).stream_options, undefined);
    assert.deepEqual((await sentFor('2024-09-01-preview')).stream_options, { include_usage: true });
    assert.deepEqual((await sentFor(undefined)).stream_options, { include_usage: true }, 'the default 2024-10-21 accepts it');
    assert.deepEqual((await sentFor('2025-04-01-preview')).stream_options, { include_usage: true });
    const old = await sentFor('2024-02-01');
    assert.deepEqual(Object.keys(old), ['messages', 'stream'], 'only stream_options and model are removed');
  });

  it('drops the prompt-filter announcement chunk (not a chat.completion.chunk), keeps choice filter results', async () => {
    const filter = { hate: { filtered: false, severity: 'safe' } };
    const sse =
      `data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: filter }] })}\n\n` +
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, content_filter_results: filter, finish_reason: 'stop' }], created: 1, id: 'chatcmpl-a', model: 'gpt-4o', object: 'chat.completion.chunk' })}\n\n` +
      'data: [DONE]\n\n';
    env.upstream.set((_req: Recorded, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse);
    });
    const stream = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const events = await collect(stream.events);
    assert.equal(events.length, 2);
    assert.deepEqual(JSON.parse(events[0]!.data).choices[0].content_filter_results, filter);
    assert.equal(events[1]!.data, '[DONE]');
  });

  it('classifies Azure errors: content filter, missing deployment, rate limit', async () => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => env.upstream.set(sendJson(body, status, headers));
    reply(400, {
      error: {
        message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: { code: 'ResponsibleAIPolicyViolation' },
      },
    });
    assert.equal((await rejection(env.adapter.invoke(call(), { transport, signal }))).failureKind, 'content_policy');
    reply(404, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } });
    assert.equal((await rejection(env.adapter.invoke(call(), { transport, signal }))).failureKind, 'model_unavailable');
    reply(429, { error: { code: '429', message: 'Requests to the ChatCompletions_Create Operation have exceeded call rate limit.' } }, { 'retry-after': '7' });
    const limited = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(limited.failureKind, 'rate_limited');
    assert.equal(limited.retryAfterMs, 7000);
  });

  it('validates config at start-up', () => {
    assert.throws(() => createAdapter({ name: 'a', type: 'azure' }), /requires base_url/);
    assert.throws(
      () => createAdapter({ name: 'a', type: 'azure', base_url: 'https://x.openai.azure.com', deployments: { 'gpt-4o': 'bad/name' } }),
      /deployments/,
    );
    const noKey = createAdapter({ name: 'a', type: 'azure', base_url: env.upstream.url });
    return rejection(noKey.invoke(call(), { transport, signal })).then((e) => assert.equal(e.failureKind, 'auth'));
  });
});
