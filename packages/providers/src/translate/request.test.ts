import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isGatewayError } from '@switchyard/core';
import { TranslationNotes, type Json } from './common.js';
import { openAIRequestToAnthropic } from './request-openai-to-anthropic.js';
import { anthropicRequestToOpenAI } from './request-anthropic-to-openai.js';
import { assertSchema, schemas } from './schemas.test.util.js';
import { fixtureJson } from '../testing/upstream.test.util.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function rejects(fn: () => unknown, param: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isGatewayError(error), String(error));
    assert.equal(error.status, 400);
    assert.equal(error.param, param);
    assert.match(error.message, new RegExp(`field ${param.replace(/[[\].]/g, '\\$&')}`));
    return true;
  });
}

describe('OpenAI request -> Anthropic request', () => {
  const openaiBody: Json = {
    model: 'claude-alias',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather here and there?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '4C' }] },
      { role: 'user', content: 'Thanks. Which is warmer?' },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather by city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          strict: true,
        },
      },
    ],
    tool_choice: 'required',
    parallel_tool_calls: false,
    stop: '\n\nEND',
    max_completion_tokens: 300,
    temperature: 1.5,
    top_p: 0.9,
    user: 'user-42',
    seed: 7,
    logit_bias: { '50256': -100 },
    top_k: 40,
    stream: true,
    stream_options: { include_usage: true },
    response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object', properties: { warmer: { type: 'string' } } } } },
  };

  it('maps system, multi-part content, images, parallel tool calls and results, tools and options', () => {
    const notes = new TranslationNotes();
    const out = openAIRequestToAnthropic(openaiBody, notes);
    const { stream, ...nonStreaming } = out;
    assert.equal(stream, true);
    assertSchema(schemas.anthropicRequest, nonStreaming, 'translated request');
    assert.deepEqual(out.system, [
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Use metric units.' },
    ]);
    const messages = out.messages as Json[];
    assert.equal(messages.length, 3, 'user, assistant, user (tool results merged with the next user turn)');
    assert.deepEqual(messages[0]!.content, [
      { type: 'text', text: 'Weather here and there?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Oslo' } },
      ],
    });
    assert.deepEqual(messages[2], {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
        { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '4C' }] },
        { type: 'text', text: 'Thanks. Which is warmer?' },
      ],
    });
    assert.deepEqual(out.tools, [
      {
        name: 'get_weather',
        description: 'Weather by city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
    ]);
    assert.deepEqual(out.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.deepEqual(out.stop_sequences, ['\n\nEND']);
    assert.equal(out.max_tokens, 300);
    assert.equal(out.temperature, 1);
    assert.equal(out.top_p, 0.9);
    assert.equal(out.top_k, 40, 'an Anthropic field an OpenAI client sent passes through to Anthropic');
    assert.deepEqual(out.metadata, { user_id: 'user-42' });
    assert.equal(out.stream, true);
    assert.equal(out.stream_options, undefined);
    assert.deepEqual(out.output_config, { format: { type: 'json_schema', schema: { type: 'object', properties: { warmer: { type: 'string' } } } } });
    assert.deepEqual([...notes.dropped].sort(), ['image_url.detail', 'logit_bias', 'seed']);
    assert.deepEqual([...notes.approximated], ['temperature']);
    assert.deepEqual(notes.headers(), { 'x-switchyard-dropped-fields': 'image_url.detail,seed,logit_bias', 'x-switchyard-approximated-fields': 'temperature' });
  });

  it('defaults max_tokens (Anthropic requires it) and keeps a plain system prompt a string', () => {
    const out = openAIRequestToAnthropic({
      model: 'm',
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Hi' },
      ],
    });
    assert.deepEqual(out, { model: 'm', system: 'S', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4096 });
    assert.equal(openAIRequestToAnthropic({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }, undefined, { defaultMaxTokens: 1000 }).max_tokens, 1000);
  });

  it('maps reasoning_effort to a thinking budget below max_tokens, and sends signed thinking blocks back first', () => {
    const out = openAIRequestToAnthropic({
      model: 'm',
      max_tokens: 8000,
      reasoning_effort: 'high',
      messages: [
        { role: 'user', content: 'Q' },
        {
          role: 'assistant',
          content: 'Let me look.',
          reasoning_content: 'hmm',
          thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig==' }],
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }],
        },
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
      ],
    });
    assert.deepEqual(out.thinking, { type: 'enabled', budget_tokens: 7999 });
    assert.deepEqual((out.messages as Json[])[1]!.content, [
      { type: 'thinking', thinking: 'hmm', signature: 'sig==' },
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 't1', name: 'f', input: {} },
    ]);
  });

  it('maps tool_choice forms and approximates json_object in the system prompt', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }] };
    assert.deepEqual(openAIRequestToAnthropic({ ...base, tool_choice: 'none' }).tool_choice, { type: 'none' });
    assert.deepEqual(openAIRequestToAnthropic({ ...base, tool_choice: 'auto' }).tool_choice, { type: 'auto' });
    assert.deepEqual(openAIRequestToAnthropic({ ...base, tool_choice: { type: 'function', function: { name: 'f' } } }).tool_choice, {
      type: 'tool',
      name: 'f',
    });
    assert.deepEqual((openAIRequestToAnthropic(base).tools as Json[])[0]!.input_schema, { type: 'object', properties: {} });
    const notes = new TranslationNotes();
    const out = openAIRequestToAnthropic({ ...base, response_format: { type: 'json_object' } }, notes);
    assert.match(String(out.system), /JSON object/);
    assert.deepEqual([...notes.approximated], ['response_format']);
  });

  it('rejects what Anthropic cannot carry with a 400 naming the field', () => {
    const m = [{ role: 'user', content: 'x' }];
    rejects(() => openAIRequestToAnthropic({ model: 'm', messages: m, n: 2 }), 'n');
    rejects(() => openAIRequestToAnthropic({ model: 'm', messages: m, logprobs: true }), 'logprobs');
    rejects(() => openAIRequestToAnthropic({ model: 'm', messages: m, modalities: ['text', 'audio'] }), 'modalities');
    rejects(
      () =>
        openAIRequestToAnthropic({ model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }),
      'messages[0].content[0].type',
    );
    rejects(
      () => openAIRequestToAnthropic({ model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }),
      'messages[0].content[0].file',
    );
    rejects(() => openAIRequestToAnthropic({ model: 'm', messages: m, tools: [{ type: 'custom', custom: { name: 'x' } }] }), 'tools[0].type');
    rejects(
      () =>
        openAIRequestToAnthropic({
          model: 'm',
          messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }] }],
        }),
      'messages[0].tool_calls[0].function.arguments',
    );
    rejects(
      () =>
        openAIRequestToAnthropic({
          model: 'm',
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA' } }] }],
        }),
      'messages[0].content[0].image_url.url',
    );
    assert.doesNotThrow(() => openAIRequestToAnthropic({ model: 'm', messages: m, n: 1, logprobs: false }));
  });

  it('turns a PDF file part into a document block', () => {
    const out = openAIRequestToAnthropic({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } }] }],
    });
    assert.deepEqual((out.messages as Json[])[0]!.content, [
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
    ]);
  });
});

describe('Anthropic request -> OpenAI request', () => {
  it('maps the every-parameter request (system blocks, tools, tool_choice, metadata, output format) and names what it drops', () => {
    const kitchen = fixtureJson('anthropic/kitchen-sink-system-tools.json').request as Json;
    const notes = new TranslationNotes();
    const out = anthropicRequestToOpenAI(kitchen, notes);
    assertSchema(schemas.openaiRequest, out, 'translated request');
    assert.deepEqual(out.messages, [
      { role: 'system', content: "Today's date is 2024-06-01." },
      { role: 'user', content: 'Hello, world' },
    ]);
    assert.equal(out.max_tokens, 1024);
    assert.deepEqual(out.stop, ['string']);
    assert.equal(out.temperature, 1);
    assert.equal(out.top_p, 0.7);
    assert.equal(out.user, '13803d75-b4b5-4c3e-b2a2-6f21399b021b');
    assert.equal(out.tool_choice, 'auto');
    assert.equal(out.parallel_tool_calls, false);
    assert.deepEqual(out.tools, [
      {
        type: 'function',
        function: {
          name: 'name',
          description: 'Get the current weather in a given location',
          parameters: kitchen.tools && (kitchen.tools as Json[])[0]!.input_schema,
          strict: true,
        },
      },
    ]);
    assert.deepEqual(out.response_format, { type: 'json_schema', json_schema: { name: 'output', schema: { foo: 'bar' }, strict: true } });
    assert.equal(out.reasoning_effort, undefined, 'thinking is not mapped by default');
    assert.deepEqual([...notes.dropped].sort(), ['cache_control', 'service_tier', 'thinking', 'tools[].cache_control', 'top_k']);
  });

  it('maps thinking to reasoning_effort only when asked', () => {
    const body = { model: 'm', max_tokens: 20000, thinking: { type: 'enabled', budget_tokens: 10000 }, messages: [{ role: 'user', content: 'x' }] };
    assert.equal(anthropicRequestToOpenAI(body, undefined, { thinkingToReasoningEffort: true }).reasoning_effort, 'medium');
    assert.equal(anthropicRequestToOpenAI(body, undefined, { maxTokensField: 'max_completion_tokens' }).max_completion_tokens, 20000);
  });

  it('maps a base64 image (official SDK example) to a data URL', () => {
    const req = fixtureJson('anthropic/image-base64.json').request as Json;
    const out = anthropicRequestToOpenAI(req);
    assertSchema(schemas.openaiRequest, out, 'translated request');
    const parts = (out.messages as Json[])[0]!.content as Json[];
    const image = parts.find((p) => p.type === 'image_url') as { image_url: { url: string } };
    const source = ((req.messages as Json[])[0]!.content as Json[]).find((b) => b.type === 'image')!.source as Json;
    assert.equal(image.image_url.url, `data:${String(source.media_type)};base64,${String(source.data)}`);
  });

  it('puts tool results first as tool messages (ids kept), moves tool images to the user turn, flags errors; tool_use -> tool_calls', () => {
    const notes = new TranslationNotes();
    const out = anthropicRequestToOpenAI(
      {
        model: 'm',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'Go' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'plan', signature: 'sig' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'shot', input: { url: 'a' } },
              { type: 'tool_use', id: 'toolu_2', name: 'ls', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_1',
                content: [
                  { type: 'text', text: 'took it' },
                  { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
                ],
              },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: 'no such dir', is_error: true },
              { type: 'text', text: 'And?' },
            ],
          },
        ],
      },
      notes,
    );
    assertSchema(schemas.openaiRequest, out, 'translated request');
    assert.deepEqual(out.messages, [
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'shot', arguments: '{"url":"a"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'ls', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'took it' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: no such dir' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'text', text: 'And?' },
        ],
      },
    ]);
    assert.deepEqual([...notes.dropped], ['thinking']);
    assert.deepEqual([...notes.approximated].sort(), ['tool_result.content.image', 'tool_result.is_error']);
  });

  it('rejects what an OpenAI-format provider cannot carry with a 400 naming the field', () => {
    const m = [{ role: 'user', content: 'x' }];
    rejects(
      () => anthropicRequestToOpenAI({ model: 'm', max_tokens: 1, messages: m, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }),
      'tools[0].type',
    );
    rejects(() => anthropicRequestToOpenAI({ model: 'm', max_tokens: 1, messages: m, container: 'c1' }), 'container');
    rejects(
      () => anthropicRequestToOpenAI({ model: 'm', max_tokens: 1, messages: m, mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] }),
      'mcp_servers',
    );
    rejects(
      () =>
        anthropicRequestToOpenAI({
          model: 'm',
          max_tokens: 1,
          messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }] }],
        }),
      'messages[0].content[0].source.type',
    );
    rejects(
      () =>
        anthropicRequestToOpenAI({
          model: 'm',
          max_tokens: 1,
          messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }],
        }),
      'messages[0].content[0].source.type',
    );
    rejects(
      () =>
        anthropicRequestToOpenAI({
          model: 'm',
          max_tokens: 1,
          messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }] }],
        }),
      'messages[0].content[0].type',
    );
  });

  it('passes OpenAI-only fields through to an OpenAI-format provider and streams with usage', () => {
    const out = anthropicRequestToOpenAI({
      model: 'm',
      max_tokens: 5,
      stream: true,
      seed: 3,
      logit_bias: { 1: 2 },
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(out.seed, 3);
    assert.deepEqual(out.logit_bias, { 1: 2 });
    assert.deepEqual(out.stream_options, { include_usage: true });
  });
});
