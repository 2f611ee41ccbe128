/**
 * HTTP-level: the official SDKs against a Koa app (toKoa + a one-attempt executor calling the
 * wrapped adapter) whose provider is a local upstream on 127.0.0.1 speaking the OTHER format.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { toKoa } from '@switchyard/core/koa';
import { estimateInputTokens, loadTokenCounter, type SseEvent } from '@switchyard/core';
import type { ProviderAdapter } from '../adapter.js';
import { isProviderError } from '../provider-error.js';
import { createAdapter } from '../registry.js';
import { createUndiciTransport } from '../transport/undici.js';
import { fixtureText, startUpstream, writeInPieces, type Upstream } from '../testing/upstream.test.util.js';
import { withTranslation } from './with-translation.js';
import { translationOptionsFromConfig } from './config.js';
import { assertSchema, schemas } from './schemas.test.util.js';

const transport = createUndiciTransport();

async function gateway(adapter: ProviderAdapter): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(
    toKoa(async function execute(exchange) {
      const result = await adapter.invoke(
        { format: exchange.format, body: exchange.body, model: 'upstream-model', stream: exchange.stream, headers: exchange.headers, requestId: exchange.id },
        { transport, signal: exchange.signal },
      );
      exchange.response =
        result.kind === 'json'
          ? { kind: 'json', status: result.status, headers: result.headers, body: result.body }
          : { kind: 'stream', status: result.status, headers: result.headers, events: result.events };
    }),
  );
  const server = http.createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sse(text: string) {
  return async (_req: unknown, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    await writeInPieces(res, text, 37);
    res.end();
  };
}

const TOOLS = [
  {
    name: 'get_weather',
    description: 'Weather by city',
    input_schema: { type: 'object' as const, properties: { location: { type: 'string' }, unit: { type: 'string' } }, required: ['location'] },
  },
];

describe('Anthropic SDK -> OpenAI-format upstream (vLLM-like openai-compatible)', () => {
  let upstream: Upstream;
  let gw: Awaited<ReturnType<typeof gateway>>;
  let client: Anthropic;
  before(async () => {
    upstream = await startUpstream();
    gw = await gateway(createAdapter({ name: 'vllm', type: 'openai-compatible', base_url: `${upstream.url}/v1` }));
    client = new Anthropic({ baseURL: gw.url, apiKey: 'sk-test', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('messages.stream().finalMessage() gets both parallel tool calls with ids, JSON input and real usage', async () => {
    upstream.set(sse(fixtureText('translate/openai-parallel-tools.sse')));
    const events: string[] = [];
    const stream = client.messages.stream({
      model: 'claude-via-gpt',
      max_tokens: 256,
      system: [{ type: 'text', text: 'Be brief', cache_control: { type: 'ephemeral' } }],
      tools: TOOLS,
      tool_choice: { type: 'auto', disable_parallel_tool_use: false },
      messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }],
    });
    stream.on('streamEvent', (ev) => {
      events.push(ev.type);
      assertSchema(schemas.anthropicEvent, ev, ev.type);
    });
    const message = await stream.finalMessage();
    const sent = JSON.parse(upstream.requests.at(-1)!.body);
    assert.equal(upstream.requests.at(-1)!.url, '/v1/chat/completions');
    assert.deepEqual(sent.stream_options, { include_usage: true });
    assert.equal(sent.max_tokens, 256);
    assert.deepEqual(sent.messages[0], { role: 'system', content: 'Be brief' });
    assert.equal(sent.tools[0].function.name, 'get_weather');
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'call_Wx0Paris', name: 'get_weather', input: { location: 'Paris', unit: 'c' } },
      { type: 'tool_use', id: 'call_Wx1Oslo', name: 'get_weather', input: { location: 'Oslo', unit: 'c' } },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.usage.input_tokens, 156);
    assert.equal(message.usage.cache_read_input_tokens, 256);
    assert.equal(message.usage.output_tokens, 58);
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
  });

  it('non-streaming: tool results go back as tool messages; the answer is a valid Message; dropped fields are named', async () => {
    upstream.set((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-9',
          object: 'chat.completion',
          created: 1,
          model: 'qwen',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Paris is warmer.' } }],
          usage: { prompt_tokens: 50, completion_tokens: 4, total_tokens: 54 },
        }),
      );
    });
    const { data, response } = await client.messages
      .create({
        model: 'claude-via-gpt',
        max_tokens: 100,
        ...({ top_k: 5 } as object),
        tools: TOOLS,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_Wx0Paris', name: 'get_weather', input: { location: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_Wx0Paris', content: '18C' }] },
        ],
      })
      .withResponse();
    assertSchema(schemas.anthropicMessage, data, 'message');
    assert.deepEqual(data.content, [{ type: 'text', text: 'Paris is warmer.' }]);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.input_tokens, 50);
    assert.equal(response.headers.get('x-switchyard-dropped-fields'), 'top_k');
    const sent = JSON.parse(upstream.requests.at(-1)!.body);
    assert.deepEqual(sent.messages, [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_Wx0Paris', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_Wx0Paris', content: '18C' },
    ]);
  });

  it('count_tokens is estimated locally and says so', async () => {
    const before = upstream.requests.length;
    const params = {
      model: 'claude-via-gpt',
      system: [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'Hello there, how are you today?' }],
    };
    const { data, response } = await client.messages.countTokens(params).withResponse();
    assertSchema(schemas.anthropicTokenCount, data, 'count');
    assert.ok(data.input_tokens >= 7 && data.input_tokens < 30, String(data.input_tokens));
    // The one estimator budgets reserve with and accounting books: the three agree.
    const { model: _model, ...body } = params;
    assert.equal(data.input_tokens, estimateInputTokens({ format: 'anthropic.messages', body }, await loadTokenCounter()));
    assert.equal(response.headers.get('x-switchyard-estimated'), 'true');
    assert.equal(upstream.requests.length, before, 'no upstream call');
  });

  it('a server tool is a 400 naming the field, before any upstream call', async () => {
    const before = upstream.requests.length;
    await assert.rejects(
      client.messages.create({
        model: 'x',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      }),
      (e: unknown) => e instanceof Anthropic.BadRequestError && /tools\[0\]\.type/.test(e.message),
    );
    assert.equal(upstream.requests.length, before);
  });
});

describe('OpenAI SDK -> Anthropic upstream', () => {
  let upstream: Upstream;
  let gw: Awaited<ReturnType<typeof gateway>>;
  let client: OpenAI;
  before(async () => {
    upstream = await startUpstream();
    gw = await gateway(createAdapter({ name: 'claude', type: 'anthropic', base_url: upstream.url, api_key: 'sk-ant-test' }));
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('streams thinking + parallel tool calls: reasoning, signed thinking_blocks, tool calls by index, usage with cache tokens', async () => {
    upstream.set(sse(fixtureText('translate/anthropic-thinking-tools.sse')));
    const stream = await client.chat.completions.create({
      model: 'gpt-via-claude',
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
    });
    let reasoning = '';
    const thinking: unknown[] = [];
    const calls: { id?: string; name?: string; args: string }[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      assertSchema(schemas.openaiChunk, chunk, 'chunk');
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as typeof choice.delta & { reasoning_content?: string; thinking_blocks?: unknown[] };
      reasoning += delta.reasoning_content ?? '';
      if (delta.thinking_blocks) thinking.push(...delta.thinking_blocks);
      for (const tc of delta.tool_calls ?? []) {
        const slot = (calls[tc.index] ??= { args: '' });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name = tc.function.name;
        slot.args += tc.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    const sent = JSON.parse(upstream.requests.at(-1)!.body);
    assert.equal(upstream.requests.at(-1)!.url, '/v1/messages');
    assert.equal(sent.max_tokens, 4096, 'the documented default');
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 1024 });
    assert.equal(reasoning, 'I should check the weather tool.');
    assert.equal((thinking[0] as { signature: string }).signature, 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds');
    assert.deepEqual(
      calls.map((c) => [c.id, c.name, JSON.parse(c.args)]),
      [
        ['toolu_01Paris', 'get_weather', { location: 'Paris' }],
        ['toolu_02Oslo', 'get_weather', { location: 'Oslo' }],
      ],
    );
    assert.equal(finish, 'tool_calls');
    assert.equal(usage?.prompt_tokens, 3800);
    assert.equal(usage?.prompt_tokens_details?.cached_tokens, 1200);
    assert.equal(usage?.completion_tokens, 95);
  });

  it('non-streaming: a recorded tool-use Message comes back as a valid chat.completion', async () => {
    upstream.set((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-x',
          content: [
            { type: 'text', text: 'Sure.' },
            { type: 'tool_use', id: 'toolu_9', name: 'f', input: { a: [1] } },
          ],
          stop_reason: 'tool_use',
          stop_sequence: null,
          usage: { input_tokens: 9, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        }),
      );
    });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-via-claude', seed: 1, messages: [{ role: 'user', content: 'go' }], tools: [{ type: 'function', function: { name: 'f' } }] })
      .withResponse();
    assertSchema(schemas.openaiCompletion, data, 'completion');
    assert.equal(data.choices[0]!.message.content, 'Sure.');
    assert.deepEqual(data.choices[0]!.message.tool_calls, [{ id: 'toolu_9', type: 'function', function: { name: 'f', arguments: '{"a":[1]}' } }]);
    assert.equal(data.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(response.headers.get('x-switchyard-dropped-fields'), 'seed');
  });

  it('n > 1 is a 400 with param n, before any upstream call', async () => {
    const before = upstream.requests.length;
    await assert.rejects(
      client.chat.completions.create({ model: 'x', n: 2, messages: [{ role: 'user', content: 'hi' }] }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === 'n',
    );
    assert.equal(upstream.requests.length, before);
  });
});

describe('withTranslation', () => {
  it('passes same-format calls through untouched and is idempotent', async () => {
    const calls: unknown[] = [];
    const inner: ProviderAdapter = {
      name: 'x',
      type: 'openai',
      config: { name: 'x', type: 'openai' },
      models: [],
      supports: (f) => f === 'openai.chat',
      classify: () => ({ kind: 'server_error', message: '' }),
      invoke: async (call) => {
        calls.push(call);
        return { kind: 'json', status: 200, headers: {}, body: '{"raw":true}', firstByteAt: 0 };
      },
    };
    const wrapped = withTranslation(inner);
    assert.equal(withTranslation(wrapped), wrapped);
    assert.equal(wrapped.supports('anthropic.messages'), true);
    assert.equal(wrapped.supports('anthropic.count_tokens'), true);
    assert.equal(wrapped.supports('openai.embeddings'), false);
    const call = {
      format: 'openai.chat' as const,
      body: { model: 'm', messages: [], logit_bias: { 1: 1 } },
      model: 'm',
      stream: false,
      headers: {},
      requestId: 'r',
    };
    const result = await wrapped.invoke(call, { transport, signal: new AbortController().signal });
    assert.equal(calls[0], call);
    assert.equal(result.kind === 'json' && result.body, '{"raw":true}');
    assert.throws(() => withTranslation(inner, { defaultMaxTokens: 0 }), TypeError);
  });

  it("a malformed upstream event breaks a translated stream (both directions) with the provider's server_error, never a silent hole", async () => {
    const streams: Record<string, SseEvent[]> = {
      'openai.chat': [
        { data: JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] }) },
        { data: '{"id":"c","choices":[{"delta":{"content":" lost' },
        { data: JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { content: ' world' }, finish_reason: 'stop' }] }) },
        { data: '[DONE]' },
      ],
      'anthropic.messages': [
        {
          event: 'message_start',
          data: JSON.stringify({
            type: 'message_start',
            message: {
              id: 'msg',
              type: 'message',
              role: 'assistant',
              model: 'm',
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: 1, output_tokens: 1 },
            },
          }),
        },
        { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) },
        { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }) },
        { event: 'content_block_delta', data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" lost' },
        { event: 'message_stop', data: JSON.stringify({ type: 'message_stop' }) },
      ],
    };
    for (const [upstream, client] of [
      ['openai.chat', 'anthropic.messages'],
      ['anthropic.messages', 'openai.chat'],
    ] as const) {
      const inner: ProviderAdapter = {
        name: 'up',
        type: upstream === 'openai.chat' ? 'openai' : 'anthropic',
        config: { name: 'up', type: 'openai' },
        models: [],
        supports: (f) => f === upstream,
        classify: () => ({ kind: 'server_error', message: '' }),
        invoke: async () => ({
          kind: 'stream',
          status: 200,
          headers: {},
          firstByteAt: 0,
          usage: () => undefined,
          events: (async function* () {
            yield* streams[upstream]!;
          })(),
        }),
      };
      const result = await withTranslation(inner, { estimateStreamInputTokens: false }).invoke(
        {
          format: client,
          body: { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
          model: 'm',
          stream: true,
          headers: {},
          requestId: 'r',
        },
        { transport, signal: new AbortController().signal },
      );
      assert.equal(result.kind, 'stream');
      const seen: string[] = [];
      const err = await (async () => {
        for await (const ev of (result as { events: AsyncIterable<SseEvent> }).events) seen.push(ev.data);
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isProviderError(err), `${upstream} -> ${client}: expected a ProviderError, got ${String(err)} after ${seen.length} events`);
      assert.equal(err.failureKind, 'server_error');
      assert.equal(err.provider, 'up');
      assert.ok(!seen.some((d) => d.includes('world') || d.includes('message_stop') || d === '[DONE]'), `${client}: nothing after the broken event`);
    }
  });

  it('reads translation settings from a provider config and rejects bad ones at start-up', () => {
    assert.deepEqual(
      translationOptionsFromConfig({ name: 'c', type: 'anthropic', translation: { default_max_tokens: 8192, thinking_to_reasoning_effort: true } }),
      { defaultMaxTokens: 8192, thinkingToReasoningEffort: true },
    );
    assert.throws(() => createAdapter({ name: 'c', type: 'anthropic', translation: { max_tokens_field: 'tokens' } }), /translation\.max_tokens_field/);
  });
});

after(() => transport.close());
