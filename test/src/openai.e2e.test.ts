import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { schemas, assertSchema } from './support/schemas.js';
import { fixture, OPENAI_UPSTREAM_KEY, startGateway, twoUpstreamConfig, type RunningGateway } from './support/gateway.js';
import { framesOf, sse, startUpstream, type Upstream } from './support/upstream.js';

let upstream: Upstream;
let gw: RunningGateway;
let client: OpenAI;

before(async () => {
  upstream = await startUpstream();
  gw = await startGateway({ config: twoUpstreamConfig(upstream.url, upstream.url) });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client-key', maxRetries: 0 });
});
after(async () => {
  await gw.close();
  await upstream.close();
});

const recordedJson = fixture<{ request: Record<string, unknown>; response: Record<string, unknown> }>('chat-structured-output-json-schema.json');
const recordedStream = fixture<{ request: Record<string, unknown>; response_sse: string }>('chat-structured-output-stream.json');

test('chat.completions.create (JSON) passes through unchanged, with Switchyard headers and provider', async () => {
  upstream.respond({ json: recordedJson.response, headers: { 'x-ratelimit-remaining-requests': '99', 'set-cookie': 'upstream=1' } });
  const { data, response } = await client.chat.completions
    .create({
      ...(recordedJson.request as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      model: 'gpt-4o-2024-08-06',
      switchyard_unknown_field: { keep: true },
    } as never)
    .withResponse();
  assertSchema(schemas.openaiChatCompletion, data, 'chat completion');
  assert.equal(data.id, recordedJson.response.id);
  assert.deepEqual(data.choices, recordedJson.response.choices);
  assert.equal((data as unknown as { provider: string }).provider, 'openai');
  assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
  assert.equal(response.headers.get('x-switchyard-model'), 'gpt-4o-2024-08-06');
  assert.equal(response.headers.get('x-ratelimit-remaining-requests'), '99');
  assert.equal(response.headers.get('set-cookie'), null, 'upstream cookies are not forwarded');
  assert.match(response.headers.get('x-request-id') ?? '', /.+/);
  const seen = upstream.requests.at(-1)!;
  assert.equal(seen.path, '/v1/chat/completions');
  assert.deepEqual(seen.body.switchyard_unknown_field, { keep: true }, 'unknown fields survive');
  assert.deepEqual(seen.body.response_format, recordedJson.request.response_format);
  assert.equal(seen.headers.authorization, `Bearer ${OPENAI_UPSTREAM_KEY}`, 'the provider key reaches the upstream');
  assert.ok(!JSON.stringify(seen.headers).includes('sk-client-key'), "the client's key never reaches the upstream");
});

test('chat.completions.create (stream) forwards the recorded chunks as they arrive', async () => {
  const frames = framesOf(recordedStream.response_sse);
  upstream.respond({ sse: frames });
  const stream = await client.chat.completions.create({
    ...(recordedStream.request as object),
    model: 'gpt-4o-2024-08-06',
    stream: true,
  } as OpenAI.ChatCompletionCreateParamsStreaming);
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) {
    assertSchema(schemas.openaiChatChunk, chunk, 'stream chunk');
    chunks.push(chunk);
  }
  const recorded = frames
    .map((f) => f.replace(/^data: /, '').trim())
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d));
  // The usage-only chunk is Switchyard's to read (it asks for it); a client that did not ask
  // for usage does not get it. Everything else arrives unchanged.
  const isUsageChunk = (c: { choices: unknown[]; usage?: unknown }) => c.choices.length === 0 && c.usage;
  assert.deepEqual(
    chunks,
    recorded.filter((c) => !isUsageChunk(c)),
  );
  assert.equal(
    upstream.requests.at(-1)!.body.stream_options && (upstream.requests.at(-1)!.body.stream_options as { include_usage: boolean }).include_usage,
    true,
  );
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.deepEqual(JSON.parse(text), { city: 'San Francisco', units: 'c' });

  // A client that asks for usage gets the chunk.
  upstream.respond({ sse: frames });
  const withUsage = await client.chat.completions.create({
    model: 'gpt-4o-2024-08-06',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hi' }],
  });
  let usage: unknown;
  for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
  assert.deepEqual(usage, recorded.find(isUsageChunk)!.usage);
});

test('tool calls come back unchanged (JSON)', async () => {
  const example = fixture<{ request: Record<string, unknown>; response: Record<string, unknown> }>('chat-functions.json');
  // The spec example predates `refusal`; the real API always sends it.
  const response = structuredClone(example.response) as { choices: { message: Record<string, unknown> }[] };
  response.choices[0]!.message.refusal = null;
  upstream.respond({ json: response });
  const completion = await client.chat.completions.create({
    ...(example.request as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
    model: 'gpt-4o-mini',
  });
  assertSchema(schemas.openaiChatCompletion, completion, 'tool call completion');
  const call = completion.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  assert.equal(call.function.name, 'get_current_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Boston, MA' });
  assert.equal(completion.choices[0]!.finish_reason, 'tool_calls');
  assert.deepEqual(upstream.requests.at(-1)!.body.tools, example.request.tools);
});

test('streamed tool calls keep their argument deltas', async () => {
  const base = { id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
  const delta = (d: object, finish: string | null = null) => sse({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }] });
  upstream.respond({
    sse: [
      delta({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      delta({}, 'tool_calls'),
      sse('[DONE]'),
    ],
  });
  const stream = client.chat.completions.stream({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
  });
  const final = await stream.finalChatCompletion();
  const call = final.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  assert.equal(call.function.name, 'lookup');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
});

test('an upstream stream that breaks after the first byte ends with an error, never a clean end', async () => {
  const frames = framesOf(recordedStream.response_sse);
  upstream.respond({ sse: frames, cutAfter: 4 });
  const stream = await client.chat.completions.create({ model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let received = 0;
  await assert.rejects(async () => {
    for await (const chunk of stream) {
      assertSchema(schemas.openaiChatChunk, chunk, 'chunk before the cut');
      received++;
    }
  }, OpenAI.APIError);
  assert.equal(received, 4);
});

test('upstream errors come back in OpenAI format, without any secret', async () => {
  upstream.respond({
    status: 400,
    json: {
      error: {
        message: `This model's maximum context length is 8192 tokens (key ${OPENAI_UPSTREAM_KEY})`,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    },
  });
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
  });
  const text = await res.text();
  assert.equal(res.status, 400);
  assertSchema(schemas.openaiError, JSON.parse(text), 'error body');
  assert.ok(!text.includes(OPENAI_UPSTREAM_KEY), 'the provider key is scrubbed from errors');
  for (const [, v] of res.headers) assert.ok(!v.includes(OPENAI_UPSTREAM_KEY));
});

test('bad input gets a clear 400/404/413 in OpenAI format', async () => {
  const post = (body: string) => fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const cases: [string, number, RegExp][] = [
    ['{"model": "gpt-4o-mini", "messages": [', 400, /not valid JSON/],
    ['[1,2]', 400, /JSON object/],
    ['{"messages":[{"role":"user","content":"x"}]}', 400, /model/],
    ['{"model":"gpt-4o-mini","messages":"hello"}', 400, /messages/],
    ['{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"stream":"yes"}', 400, /stream/],
    ['{"model":"no-such-model","messages":[{"role":"user","content":"x"}]}', 404, /no-such-model/],
    [JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] }), 413, /larger than/],
  ];
  for (const [body, status, message] of cases) {
    const res = await post(body);
    const json = (await res.json()) as any;
    assert.equal(res.status, status, body.slice(0, 60));
    assertSchema(schemas.openaiError, json, `error for ${body.slice(0, 40)}`);
    assert.match(json.error.message, message);
  }
});

test('GET /v1/models lists every configured model in OpenAI shape', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id);
  assert.deepEqual(ids, ['claude-opus-4-8', 'claude-sonnet-4-5', 'gpt-4o-2024-08-06', 'gpt-4o-mini']);
  const raw = await (await fetch(`${gw.url}/v1/models`)).json();
  assertSchema(schemas.openaiModels, raw, 'model list');
});
