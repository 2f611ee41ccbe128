import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import { collect, fixtureJson, fixtureText } from '../testing/upstream.test.util.js';
import { rejection, sendJson, sendSse, useAdapterUpstream } from '../testing/adapter.test.util.js';

const KEY = 'co-TEST-SECRET-0123456789abcdef';
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
    },
  },
] as const;

const sse = (text: string) => sendSse(text, 61);

describe('cohere adapter', () => {
  const env = useAdapterUpstream((url) => ({ name: 'co', type: 'cohere', base_url: url, api_key: KEY }), { sdk: true });
  const { transport, signal } = env;
  const call = (over: Partial<ProviderCall> = {}): ProviderCall => ({
    format: 'openai.chat',
    body: { model: 'alias', messages: [{ role: 'user', content: 'hi' }] },
    model: 'command-a-03-2025',
    stream: false,
    headers: {},
    requestId: 'req-1',
    ...over,
  });

  it('translates a text + image request to /v2/chat and the answer back (openai SDK)', async () => {
    env.upstream.set(sendJson(fixtureJson('cohere/chat-text.json')));
    const completion = await env.sdk.chat.completions.create({
      model: 'command-a-vision-07-2025',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: PNG } },
          ],
        },
      ],
      temperature: 0.3,
      top_p: 0.8,
      max_tokens: 100,
      stop: 'END',
      seed: 3,
      response_format: { type: 'json_object' },
    });
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v2/chat');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(sent.body), {
      model: 'command-a-vision-07-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: PNG } },
          ],
        },
      ],
      max_tokens: 100,
      temperature: 0.3,
      p: 0.8,
      seed: 3,
      stop_sequences: ['END'],
      response_format: { type: 'json_object' },
    });
    assert.equal(completion.choices[0]!.message.content, 'The image is a red square.');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.equal(completion.id, 'chatcmpl-c14c80c3-18eb-4519-9460-6c92edd8cfb4');
    assert.deepEqual(completion.usage, { prompt_tokens: 17, completion_tokens: 7, total_tokens: 24 });
  });

  it('reports billed units as usage on invoke', async () => {
    env.upstream.set(sendJson(fixtureJson('cohere/chat-text.json')));
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    assert.deepEqual(result.usage, { inputTokens: 17, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' });
  });

  it('returns tool calls and sends the tool-result turn in Cohere shape', async () => {
    env.upstream.set(sendJson(fixtureJson('cohere/chat-tool-call.json')));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris and London?' }];
    const first = await env.sdk.chat.completions.create({ model: 'command-a-03-2025', messages, tools: TOOLS as never, tool_choice: 'required' });
    const sentTools = JSON.parse(env.upstream.requests.at(-1)!.body);
    assert.deepEqual(sentTools.tools, TOOLS);
    assert.equal(sentTools.tool_choice, 'REQUIRED');
    const msg = first.choices[0]!.message;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    const calls = msg.tool_calls!.map((tc) => tc as OpenAI.ChatCompletionMessageFunctionToolCall);
    assert.deepEqual(
      calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]),
      [
        ['get_weather_1byjy32y4hvq', 'get_weather', { city: 'Paris', unit: 'celsius' }],
        ['get_weather_9k2m4x7p0qwe', 'get_weather', { city: 'London', unit: 'celsius' }],
      ],
    );

    env.upstream.set(
      sendJson({
        id: 'x2',
        finish_reason: 'COMPLETE',
        message: { role: 'assistant', content: [{ type: 'text', text: 'Paris 18°C, London 14°C.' }] },
        usage: { billed_units: { input_tokens: 80, output_tokens: 9 } },
      }),
    );
    const final = await env.sdk.chat.completions.create({
      model: 'command-a-03-2025',
      tools: TOOLS as never,
      messages: [
        ...messages,
        { role: 'assistant', content: 'Looking up.', tool_calls: msg.tool_calls },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '{"temp":18}' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: [{ type: 'text', text: '{"temp":14}' }] },
      ],
    });
    assert.deepEqual(JSON.parse(env.upstream.requests.at(-1)!.body).messages.slice(1), [
      {
        role: 'assistant',
        tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments } })),
        tool_plan: 'Looking up.',
      },
      { role: 'tool', tool_call_id: 'get_weather_1byjy32y4hvq', content: '{"temp":18}' },
      { role: 'tool', tool_call_id: 'get_weather_9k2m4x7p0qwe', content: '{"temp":14}' },
    ]);
    assert.equal(final.choices[0]!.message.content, 'Paris 18°C, London 14°C.');
  });

  it('streams tool calls (openai SDK accumulates them) with usage', async () => {
    env.upstream.set(sse(fixtureText('cohere/stream-tool-call.sse')));
    const stream = env.sdk.chat.completions.stream({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: TOOLS as never,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    assert.equal(JSON.parse(env.upstream.requests.at(-1)!.body).stream, true);
    assert.equal(JSON.parse(env.upstream.requests.at(-1)!.body).stream_options, undefined);
    const choice = final.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const calls = choice.message.tool_calls!.map((tc) => tc as OpenAI.ChatCompletionMessageFunctionToolCall);
    assert.deepEqual(
      calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]),
      [
        ['get_weather_nsz5zm3w56q3', 'get_weather', { city: 'Paris', unit: 'celsius' }],
        ['get_weather_0fp3sy6rcj3m', 'get_weather', { city: 'London', unit: 'celsius' }],
      ],
    );
    assert.deepEqual(final.usage, { prompt_tokens: 37, completion_tokens: 28, total_tokens: 65 });
  });

  it('streams text through invoke: role, deltas, finish, [DONE]; usage observed', async () => {
    env.upstream.set(sse(fixtureText('cohere/stream-text.sse')));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const events = await collect(result.events);
    assert.equal(events.at(-1)!.data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    assert.deepEqual(
      chunks.map((c) => c.choices[0].delta),
      [{ role: 'assistant', content: '' }, { content: 'It is 18°C' }, { content: ' in Paris.' }, {}],
    );
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    assert.deepEqual(result.usage(), { inputTokens: 60, outputTokens: 8, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' });
  });

  it('fails streams that end early or finish with ERROR', async () => {
    const text = fixtureText('cohere/stream-text.sse');
    env.upstream.set(sse(text.slice(0, text.indexOf('event: message-end'))));
    const cut = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    assert.equal((await rejection(collect(cut.events))).failureKind, 'network');

    env.upstream.set(sse(text.replace('"finish_reason":"COMPLETE"', '"finish_reason":"ERROR","error":"internal failure"')));
    const failed = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const error = await rejection(collect(failed.events));
    assert.equal(error.failureKind, 'server_error');
    assert.equal(error.afterFirstByte, true);
  });

  it('maps finish reasons and classifies Cohere errors without leaking the key', async () => {
    env.upstream.set(sendJson({ id: 'm', finish_reason: 'MAX_TOKENS', message: { role: 'assistant', content: [{ type: 'text', text: 'cut' }] } }));
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    assert.equal(JSON.parse(result.body).choices[0].finish_reason, 'length');

    env.upstream.set(sendJson({ id: 'e', message: `invalid api token ${KEY}` }, 401));
    const auth = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(auth.failureKind, 'auth');
    assert.ok(!auth.message.includes(KEY));
    env.upstream.set(sendJson({ id: 'e', message: 'too many tokens: total number of tokens in the prompt cannot exceed 256000 - received 300000' }, 400));
    assert.equal((await rejection(env.adapter.invoke(call(), { transport, signal }))).failureKind, 'context_length');
    env.upstream.set(sendJson({ id: 'e', message: 'Please add a payment method' }, 402));
    const billing = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(billing.failureKind, 'auth');
    assert.equal(billing.retryable, false);
    env.upstream.set(sendJson({ id: 'e', message: 'You are using a Trial key, which is limited to 10 API calls / minute.' }, 429));
    assert.equal((await rejection(env.adapter.invoke(call(), { transport, signal }))).failureKind, 'rate_limited');
  });

  it('rejects n > 1 before calling Cohere', async () => {
    const before = env.upstream.requests.length;
    const error = await rejection(env.adapter.invoke(call({ body: { messages: [{ role: 'user', content: 'x' }], n: 2 } }), { transport, signal }));
    assert.equal(error.failureKind, 'bad_request');
    assert.equal(env.upstream.requests.length, before);
  });

  it('routes embeddings to /v2/embed with input_type (SDK)', async () => {
    env.upstream.set(sendJson(fixtureJson('cohere/embed-response.json')));
    const res = await env.sdk.embeddings.create({ model: 'embed-v4.0', input: ['hello', 'goodbye'], encoding_format: 'float', dimensions: 256 });
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v2/embed');
    assert.deepEqual(JSON.parse(sent.body), {
      model: 'embed-v4.0',
      texts: ['hello', 'goodbye'],
      input_type: 'search_document',
      embedding_types: ['float'],
      output_dimension: 256,
    });
    assert.deepEqual(res.data[1]!.embedding, [-0.5, 0.125, 0, 0.75]);
    assert.deepEqual(res.usage, { prompt_tokens: 2, total_tokens: 2 });
    const invoked = (await env.adapter.invoke(call({ format: 'openai.embeddings', model: 'embed-v4.0', body: { input: 'q', input_type: 'search_query' } }), {
      transport,
      signal,
    })) as JsonResult;
    assert.equal(JSON.parse(env.upstream.requests.at(-1)!.body).input_type, 'search_query');
    assert.equal(invoked.usage?.inputTokens, 2);
  });
});
