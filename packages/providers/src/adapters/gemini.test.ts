import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import { createAdapter } from '../registry.js';
import { collect, fixtureJson, fixtureText } from '../testing/upstream.test.util.js';
import { rejection, sendJson, sendSse, useAdapterUpstream } from '../testing/adapter.test.util.js';

const KEY = 'AIzaSyTEST-gemini-SECRET-0123456789';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit'] } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
] as const;

const sse = (text: string) => sendSse(text, 53);

describe('gemini adapter', () => {
  const env = useAdapterUpstream((url) => ({ name: 'gem', type: 'gemini', base_url: `${url}/v1beta/`, api_key: KEY, headers: { 'X-Extra': '1' } }), {
    sdk: true,
  });
  const { transport, signal } = env;
  const call = (over: Partial<ProviderCall> = {}): ProviderCall => ({
    format: 'openai.chat',
    body: { model: 'alias', messages: [{ role: 'user', content: 'hi' }] },
    model: 'gemini-2.5-flash',
    stream: false,
    headers: {},
    requestId: 'req-1',
    ...over,
  });

  it('translates system, image, tools and sampling to generateContent and the answer back (via the openai SDK)', async () => {
    const fixture = fixtureJson('gemini/text-response.json');
    env.upstream.set(sendJson(fixture));
    const completion = await env.sdk.chat.completions.create(
      {
        model: 'gemini-2.5-flash',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            ],
          },
        ],
        tools: TOOLS as never,
        tool_choice: 'auto',
        temperature: 0.2,
        top_p: 0.9,
        max_completion_tokens: 256,
        stop: ['END'],
        seed: 7,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } },
        },
      },
      { headers: { 'X-Google-Safety-Settings': JSON.stringify([{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }]) } },
    );

    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], KEY);
    assert.equal(sent.headers['x-extra'], '1');
    assert.equal(sent.headers.authorization, undefined);
    const body = JSON.parse(sent.body);
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: PNG } }] }]);
    // Function and response schemas go as JSON Schema (`parametersJsonSchema`, `responseJsonSchema`),
    // unchanged: `parameters`/`responseSchema` would need Gemini's own Schema (type enum OBJECT, STRING, …).
    assert.deepEqual(body.tools, [
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather in a city', parametersJsonSchema: TOOLS[0].function.parameters },
          { name: 'get_time', description: '' },
        ],
      },
    ]);
    assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'AUTO' } });
    assert.deepEqual(body.safetySettings, [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }]);
    assert.deepEqual(body.generationConfig, {
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 256,
      seed: 7,
      stopSequences: ['END'],
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
    });
    assert.equal(body.model, undefined);

    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.id, 'chatcmpl-mAitaLmkHPPlz7IPvtfUqQ4');
    assert.equal(completion.model, 'gemini-2.5-flash');
    assert.equal(completion.choices[0]!.message.content, 'The image shows a red square.');
    assert.equal(completion.choices[0]!.finish_reason, 'stop');
    assert.deepEqual(completion.usage, {
      prompt_tokens: 271,
      completion_tokens: 47,
      total_tokens: 318,
      prompt_tokens_details: { cached_tokens: 256 },
      completion_tokens_details: { reasoning_tokens: 39 },
    });
  });

  it('reports normalised usage on invoke', async () => {
    env.upstream.set(sendJson(fixtureJson('gemini/text-response.json')));
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    assert.deepEqual(result.usage, { inputTokens: 15, outputTokens: 47, cacheReadTokens: 256, cacheWriteTokens: 0, reasoningTokens: 39, source: 'provider' });
    assert.equal(result.model, 'gemini-2.5-flash');
  });

  it('returns function calls with stable ids, and sends a tool-result turn back as functionResponse', async () => {
    env.upstream.set(sendJson(fixtureJson('gemini/function-call-response.json')));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];
    const first = await env.sdk.chat.completions.create({ model: 'gemini-2.5-flash', messages, tools: TOOLS as never });
    const again = await env.sdk.chat.completions.create({ model: 'gemini-2.5-flash', messages, tools: TOOLS as never });
    const msg = first.choices[0]!.message;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(msg.content, null);
    const calls = msg.tool_calls!.map((tc) => tc as OpenAI.ChatCompletionMessageFunctionToolCall);
    assert.deepEqual(
      calls.map((tc) => tc.function.name),
      ['get_weather', 'get_time'],
    );
    assert.deepEqual(JSON.parse(calls[0]!.function.arguments), { city: 'Paris', unit: 'celsius' });
    assert.deepEqual(JSON.parse(calls[1]!.function.arguments), { timezone: 'Europe/Paris' });
    assert.match(calls[0]!.id, /^call_[0-9a-f]{24}$/);
    assert.notEqual(calls[0]!.id, calls[1]!.id);
    assert.deepEqual(
      again.choices[0]!.message.tool_calls!.map((tc) => tc.id),
      calls.map((tc) => tc.id),
      'ids are stable',
    );

    env.upstream.set(
      sendJson({
        candidates: [{ content: { role: 'model', parts: [{ text: '18°C and 14:05.' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 6, totalTokenCount: 126 },
      }),
    );
    const final = await env.sdk.chat.completions.create({
      model: 'gemini-2.5-flash',
      tools: TOOLS as never,
      messages: [
        ...messages,
        msg as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: calls[0]!.id, content: '{"temp":18}' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '14:05' },
      ],
    });
    const body = JSON.parse(env.upstream.requests.at(-1)!.body);
    assert.deepEqual(body.contents, [
      { role: 'user', parts: [{ text: 'Weather and time in Paris?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } } },
          { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 18 } } },
          { functionResponse: { name: 'get_time', response: { result: '14:05' } } },
        ],
      },
    ]);
    assert.equal(final.choices[0]!.message.content, '18°C and 14:05.');
    assert.equal(final.usage!.prompt_tokens, 120);
  });

  it('streams tool calls as OpenAI chunks the SDK accumulates, with usage and [DONE]', async () => {
    env.upstream.set(sse(fixtureText('gemini/stream-function-call.sse')));
    const stream = env.sdk.chat.completions.stream({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Weather in Paris and London?' }],
      tools: TOOLS as never,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    assert.equal(env.upstream.requests.at(-1)!.url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.equal(env.upstream.requests.at(-1)!.headers.accept, 'text/event-stream');
    const choice = final.choices[0]!;
    assert.equal(choice.message.content, 'Checking the weather now.');
    assert.equal(choice.finish_reason, 'tool_calls');
    const calls = choice.message.tool_calls!.map((tc) => tc as OpenAI.ChatCompletionMessageFunctionToolCall);
    assert.deepEqual(
      calls.map((tc) => tc.function.name),
      ['get_weather', 'get_weather'],
    );
    assert.deepEqual(
      calls.map((tc) => JSON.parse(tc.function.arguments).city),
      ['Paris', 'London'],
    );
    assert.deepEqual(final.usage, { prompt_tokens: 96, completion_tokens: 54, total_tokens: 150, completion_tokens_details: { reasoning_tokens: 14 } });
  });

  it('streams through invoke: one chunk per event, role first, usage observed, [DONE] last', async () => {
    env.upstream.set(sse(fixtureText('gemini/stream-text.sse')));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const events = await collect(result.events);
    assert.equal(events.at(-1)!.data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    assert.equal(chunks.length, 2, 'no usage chunk without include_usage');
    assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: 'Hello' });
    assert.deepEqual(chunks[1].choices[0], { index: 0, delta: { content: ' there!' }, finish_reason: 'stop', logprobs: null });
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'chatcmpl-a1'));
    assert.deepEqual(result.usage(), { inputTokens: 5, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' });
  });

  it('fails a stream that ends without a finishReason, after the first byte', async () => {
    env.upstream.set(sse(fixtureText('gemini/stream-text.sse').split('\r\n\r\n')[0] + '\r\n\r\n'));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const error = await rejection(collect(result.events));
    assert.equal(error.failureKind, 'network');
    assert.equal(error.afterFirstByte, true);
  });

  it('answers a malformed safety header with a 400 before calling Gemini', async () => {
    const before = env.upstream.requests.length;
    for (const value of [
      'not json',
      '[{"category":"HARASSMENT","threshold":"BLOCK_NONE"}]',
      '[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"SOMETIMES"}]',
      '42',
    ]) {
      const error = await rejection(env.adapter.invoke(call({ headers: { 'x-google-safety-settings': value } }), { transport, signal }));
      assert.equal(error.failureKind, 'bad_request');
      assert.equal(error.status, 400);
    }
    assert.equal(env.upstream.requests.length, before);
    const sdkError = await env.sdk.chat.completions
      .create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'X-Google-Safety-Settings': '{' } })
      .catch((e: unknown) => e);
    assert.ok(sdkError instanceof OpenAI.BadRequestError);
    assert.match(sdkError.message, /x-google-safety-settings must be JSON/);
  });

  it('accepts the object form of safety settings and http image URLs as fileData', async () => {
    env.upstream.set(sendJson(fixtureJson('gemini/text-response.json')));
    await env.adapter.invoke(
      call({
        headers: { 'x-google-safety-settings': '{"HARM_CATEGORY_DANGEROUS_CONTENT":"BLOCK_NONE"}' },
        body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.jpg?size=2' } }] }] },
      }),
      { transport, signal },
    );
    const body = JSON.parse(env.upstream.requests.at(-1)!.body);
    assert.deepEqual(body.safetySettings, [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_NONE' }]);
    assert.deepEqual(body.contents[0].parts, [{ fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpg?size=2' } }]);
    const error = await rejection(
      env.adapter.invoke(call({ body: { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/image' } }] }] } }), {
        transport,
        signal,
      }),
    );
    assert.equal(error.failureKind, 'bad_request');
    assert.match(error.message, /mime type/);
  });

  it('maps finish reasons, and a blocked prompt to content_policy', async () => {
    env.upstream.set(
      sendJson({
        candidates: [
          { content: { role: 'model', parts: [{ text: 'partial' }] }, finishReason: 'MAX_TOKENS' },
          { index: 1, content: { role: 'model', parts: [] }, finishReason: 'SAFETY' },
        ],
      }),
    );
    const result = (await env.adapter.invoke(call(), { transport, signal })) as JsonResult;
    assert.deepEqual(
      JSON.parse(result.body).choices.map((c: { finish_reason: string }) => c.finish_reason),
      ['length', 'content_filter'],
    );

    env.upstream.set(sendJson({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } }));
    const blocked = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(blocked.failureKind, 'content_policy');
    env.upstream.set(sse(`data: ${JSON.stringify({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } })}\r\n\r\n`));
    const blockedStream = await rejection(env.adapter.invoke(call({ stream: true }), { transport, signal }));
    assert.equal(blockedStream.failureKind, 'content_policy');
  });

  it('classifies Google error bodies (HTTP and in-stream) and never leaks the key', async () => {
    env.upstream.set(sendJson(fixtureText('gemini/error-429.json'), 429, { 'retry-after': '3' }));
    const limited = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(limited.failureKind, 'rate_limited');
    assert.equal(limited.retryAfterMs, 3000);

    env.upstream.set(sendJson({ error: { code: 400, message: `API key not valid. Please pass a valid API key. (${KEY})`, status: 'INVALID_ARGUMENT' } }, 400));
    const auth = await rejection(env.adapter.invoke(call(), { transport, signal }));
    assert.equal(auth.failureKind, 'auth');
    assert.ok(!auth.message.includes(KEY));

    env.upstream.set(
      sendJson(
        {
          error: { code: 400, message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' },
        },
        400,
      ),
    );
    assert.equal((await rejection(env.adapter.invoke(call(), { transport, signal }))).failureKind, 'context_length');

    env.upstream.set(
      sendJson(
        { error: { code: 404, message: 'models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.', status: 'NOT_FOUND' } },
        404,
      ),
    );
    assert.equal((await rejection(env.adapter.invoke(call(), { transport, signal }))).failureKind, 'model_unavailable');

    const first = fixtureText('gemini/stream-text.sse').split('\r\n\r\n')[0] + '\r\n\r\n';
    env.upstream.set(sse(first + 'data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n'));
    const result = (await env.adapter.invoke(call({ stream: true }), { transport, signal })) as StreamResult;
    const late = await rejection(collect(result.events));
    assert.equal(late.failureKind, 'overloaded');
    assert.equal(late.afterFirstByte, true);
  });

  it('rejects a tool result that answers no earlier tool call (Gemini needs the function name)', async () => {
    const error = await rejection(
      env.adapter.invoke(
        call({
          body: {
            messages: [
              { role: 'user', content: 'x' },
              { role: 'tool', tool_call_id: 'call_zzz', content: '1' },
            ],
          },
        }),
        { transport, signal },
      ),
    );
    assert.equal(error.failureKind, 'bad_request');
  });

  it('routes embeddings to batchEmbedContents (SDK, float and base64)', async () => {
    env.upstream.set(sendJson(fixtureJson('gemini/batch-embed-response.json')));
    const res = await env.sdk.embeddings.create({ model: 'text-embedding-004', input: ['hello', 'goodbye'], dimensions: 4, encoding_format: 'float' });
    const sent = env.upstream.requests.at(-1)!;
    assert.equal(sent.url, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.deepEqual(JSON.parse(sent.body), {
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'hello' }] }, outputDimensionality: 4 },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'goodbye' }] }, outputDimensionality: 4 },
      ],
    });
    assert.deepEqual(
      res.data.map((d) => d.embedding),
      [
        [0.0123, -0.0456, 0.0789, 0.25],
        [-0.5, 0.125, 0, 0.75],
      ],
    );
    // The SDK asks for base64 by default and decodes it: values survive as float32.
    const decoded = await env.sdk.embeddings.create({ model: 'text-embedding-004', input: 'hello' });
    assert.deepEqual(decoded.data[1]!.embedding, [-0.5, 0.125, 0, 0.75]);
    assert.ok(Math.abs(decoded.data[0]!.embedding[0]! - 0.0123) < 1e-6);
  });

  it('validates config at start-up', () => {
    assert.throws(() => createAdapter({ name: 'g', type: 'gemini', base_url: 'ftp://x' }), TypeError);
    assert.throws(() => createAdapter({ name: 'g', type: 'gemini', safety_settings: [{ category: 'nope', threshold: 'BLOCK_NONE' }] }), /safety_settings/);
  });
});
