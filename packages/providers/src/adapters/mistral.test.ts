import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import { createAdapter } from '../registry.js';
import { collect, fixtureJson, type Recorded } from '../testing/upstream.test.util.js';
import { sendJson, useAdapterUpstream } from '../testing/adapter.test.util.js';
import { mistralToolCallId } from './mistral.js';
import { MISTRAL_CHAT_FIELDS, MISTRAL_EMBEDDING_FIELDS, MISTRAL_MESSAGE_FIELDS } from './mistral-fields.js';

const KEY = 'mistral-SECRET-0123456789abcdef';

describe('mistral adapter', () => {
  const env = useAdapterUpstream((url) => ({ name: 'mi', type: 'mistral', base_url: `${url}/v1`, api_key: KEY, safe_prompt: true }));
  const { transport, signal } = env;
  const call = (over: Partial<ProviderCall> = {}): ProviderCall => ({
    format: 'openai.chat',
    body: { messages: [{ role: 'user', content: 'hi' }] },
    model: 'mistral-large-latest',
    stream: false,
    headers: {},
    requestId: 'r1',
    ...over,
  });

  it('rewrites OpenAI deviations and passes the answer through verbatim', async () => {
    const answer = JSON.stringify({
      id: 'cmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'mistral-large-2411',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
    });
    env.upstream.set(sendJson(answer));
    const result = (await env.adapter.invoke(
      call({
        body: {
          model: 'x',
          seed: 42,
          max_completion_tokens: 64,
          stream_options: { include_usage: true },
          user: 'u1',
          logit_bias: {},
          parallel_tool_calls: false,
          messages: [
            { role: 'developer', content: 'Be brief.' },
            { role: 'user', content: 'Weather?' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_abc123XYZ_long', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
            },
            { role: 'tool', tool_call_id: 'call_abc123XYZ_long', content: '18C' },
          ],
        },
      }),
      { transport, signal },
    )) as JsonResult;
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    const body = JSON.parse(sent.body);
    const mapped = mistralToolCallId('call_abc123XYZ_long');
    assert.match(mapped, /^[a-zA-Z0-9]{9}$/);
    assert.deepEqual(body, {
      model: 'mistral-large-latest',
      random_seed: 42,
      max_tokens: 64,
      parallel_tool_calls: false,
      safe_prompt: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: mapped, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: mapped, content: '18C' },
      ],
    });
    assert.equal(mistralToolCallId('D681PevKs'), 'D681PevKs', 'valid ids are kept');
    // Mistral omits logprobs and refusal, which OpenAI's schema requires: added as null, nothing else changes.
    const expected = JSON.parse(answer);
    expected.choices[0].logprobs = null;
    expected.choices[0].message.refusal = null;
    assert.equal(result.body, JSON.stringify(expected));
    assert.equal(result.usage?.inputTokens, 20);
  });

  it("strips per-message fields Mistral's schemas do not define: the SDK's refusal: null sent back, a user's name", async () => {
    env.upstream.set(
      sendJson({
        id: 'c3',
        object: 'chat.completion',
        created: 1,
        model: 'mistral-small',
        choices: [{ index: 0, message: { role: 'assistant', content: '18C in Paris.' }, finish_reason: 'stop' }],
      }),
    );
    await env.adapter.invoke(
      call({
        body: {
          messages: [
            { role: 'user', name: 'ann', content: 'Weather?' },
            // What the openai SDK sends back: the adapter's own answer, refusal and all.
            {
              role: 'assistant',
              content: null,
              refusal: null,
              annotations: [],
              tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
            },
            { role: 'tool', tool_call_id: 'D681PevKs', name: 'get_weather', content: '18C' },
            { role: 'system', name: 'policy', content: 'Be brief.' },
          ],
          store: false,
          top_logprobs: 2,
          prompt_cache_key: 'k1',
        },
      }),
      { transport, signal },
    );
    const body = JSON.parse(env.upstream.requests.at(-1)!.body);
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'D681PevKs', name: 'get_weather', content: '18C' },
      { role: 'system', content: 'Be brief.' },
    ]);
    // Top-level fields follow the same spec: only what Mistral defines is sent.
    assert.deepEqual(Object.keys(body).sort(), ['messages', 'model', 'prompt_cache_key', 'safe_prompt']);
  });

  it('keeps the field table in step with the vendored Mistral OpenAPI document', async () => {
    const script = new URL('../../scripts/generate-mistral-fields.mjs', import.meta.url).href;
    const { mistralFields } = (await import(script)) as {
      mistralFields(spec: unknown): { chat: string[]; embeddings: string[]; messages: Record<string, string[]> };
    };
    const derived = mistralFields(fixtureJson('specs/mistral-openapi.json'));
    assert.deepEqual([...MISTRAL_CHAT_FIELDS], derived.chat);
    assert.deepEqual([...MISTRAL_EMBEDDING_FIELDS], derived.embeddings);
    assert.deepEqual(Object.fromEntries(Object.entries(MISTRAL_MESSAGE_FIELDS).map(([role, set]) => [role, [...set]])), derived.messages);
  });

  it('removes the tool_calls: null Mistral puts in text answers (OpenAI clients expect an array or nothing)', async () => {
    env.upstream.set(
      sendJson({
        id: 'c4',
        object: 'chat.completion',
        created: 1,
        model: 'mistral-small',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', tool_calls: null }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      }),
    );
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    assert.deepEqual(JSON.parse(result.body).choices[0], {
      index: 0,
      message: { role: 'assistant', content: 'Hi', refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    });
  });

  it('keeps a chat answer byte for byte when it already has logprobs and refusal', async () => {
    const answer =
      '{"id":"c2", "object":"chat.completion","created":1,"model":"mistral-small","choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}';
    env.upstream.set(sendJson(answer));
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    assert.equal(result.body, answer);
  });

  it('streams verbatim and observes the usage in the last chunk', async () => {
    const sse =
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"mistral-small","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n' +
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"mistral-small","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"total_tokens":7,"completion_tokens":2}}\n\n' +
      'data: [DONE]\n\n';
    env.upstream.set((_req: Recorded, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse);
    });
    const result = (await env.adapter.invoke(call({ stream: true, body: { messages: [{ role: 'user', content: 'hi' }], stream: true } }), {
      transport,
      signal,
    })) as StreamResult;
    const events = await collect(result.events);
    assert.equal(events.length, 3);
    assert.equal(events.at(-1)!.data, '[DONE]');
    assert.equal(result.usage()?.outputTokens, 2);
  });

  it('routes embeddings, mapping dimensions and encoding base64 itself', async () => {
    env.upstream.set((_req: Recorded, res: ServerResponse) =>
      res.end(
        JSON.stringify({
          id: 'e',
          object: 'list',
          data: [{ object: 'embedding', embedding: [0.5, -0.25], index: 0 }],
          model: 'mistral-embed',
          usage: { prompt_tokens: 4, total_tokens: 4, completion_tokens: 0 },
        }),
      ),
    );
    const result = (await env.adapter.invoke(
      call({ format: 'openai.embeddings', model: 'mistral-embed', body: { input: ['a'], dimensions: 2, encoding_format: 'base64' } }),
      { transport, signal },
    )) as JsonResult;
    assert.equal(env.upstream.requests.at(-1)!.url, '/v1/embeddings');
    assert.deepEqual(JSON.parse(env.upstream.requests.at(-1)!.body), { input: ['a'], output_dimension: 2, model: 'mistral-embed' });
    const b64 = JSON.parse(result.body).data[0].embedding;
    const bytes = Buffer.from(b64, 'base64');
    assert.deepEqual([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)], [0.5, -0.25]);
    assert.equal(result.usage?.inputTokens, 4);
  });

  it('validates config at start-up', () => {
    assert.throws(() => createAdapter({ name: 'm', type: 'mistral', safe_prompt: 'yes' }), /safe_prompt/);
  });
});
