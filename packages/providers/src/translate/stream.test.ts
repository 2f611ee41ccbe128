import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SseEvent } from '@switchyard/core';
import { AnthropicToOpenAIStream } from './stream-anthropic-to-openai.js';
import { OpenAIToAnthropicStream } from './stream-openai-to-anthropic.js';
import { accumulateAnthropic, accumulateOpenAI, parseInRandomPieces, translateAll } from './stream-helpers.test.util.js';
import { assertSchema, schemas } from './schemas.test.util.js';
import { fixtureJson, fixtureText } from '../testing/upstream.test.util.js';

const SEEDS = [1, 2, 3, 17, 99, 2024];

function validOpenAI(events: SseEvent[]): void {
  assert.equal(events.at(-1)!.data, '[DONE]');
  for (const ev of events.slice(0, -1)) {
    assert.equal(ev.event, undefined);
    assertSchema(schemas.openaiChunk, JSON.parse(ev.data), 'chunk');
  }
}

function validAnthropic(events: SseEvent[]): void {
  assert.equal(events[0]!.event, 'message_start');
  assert.equal(events.at(-1)!.event, 'message_stop');
  for (const ev of events) assertSchema(schemas.anthropicEvent, JSON.parse(ev.data), ev.event);
}

describe('Anthropic stream -> OpenAI chunks', () => {
  it('recorded tool_use stream: role first, text, tool call with id/name and the arguments cut anywhere, finish, usage, [DONE]', () => {
    const text = fixtureText('anthropic/tool_use_response.sse');
    for (const seed of SEEDS) {
      const out = translateAll(parseInRandomPieces(text, seed), new AnthropicToOpenAIStream({ includeUsage: true, now: () => 1_700_000_000_000 }));
      validOpenAI(out);
      const first = JSON.parse(out[0]!.data);
      assert.deepEqual(first.choices[0].delta, { role: 'assistant', content: '' });
      assert.equal(first.id, 'msg_019Q1hrJbZG26Fb9BQhrkHEr');
      assert.equal(first.created, 1_700_000_000);
      const acc = accumulateOpenAI(out);
      assert.equal(acc.text, "I'll check the current weather in Paris for you.");
      assert.equal(acc.toolCalls.length, 1);
      assert.equal(acc.toolCalls[0]!.id, 'toolu_01NRLabsLyVHZPKxbKvkfSMn');
      assert.equal(acc.toolCalls[0]!.name, 'get_weather');
      assert.deepEqual(JSON.parse(acc.toolCalls[0]!.arguments), { location: 'Paris' });
      assert.equal(acc.finish, 'tool_calls');
      assert.equal(acc.usage!.prompt_tokens, 377);
      assert.ok(acc.usage!.completion_tokens > 1, 'message_delta usage (cumulative) replaces message_start output_tokens');
      assert.equal(acc.done, true);
    }
  });

  it('no usage chunk unless the client asked (stream_options.include_usage)', () => {
    const out = translateAll(parseInRandomPieces(fixtureText('anthropic/basic_response.sse'), 5), new AnthropicToOpenAIStream());
    validOpenAI(out);
    assert.equal(accumulateOpenAI(out).usage, undefined);
    assert.ok(accumulateOpenAI(out).text.length > 0);
  });

  it('thinking with signature, redacted thinking, parallel tools, cache usage', () => {
    const text = fixtureText('translate/anthropic-thinking-tools.sse');
    for (const seed of SEEDS) {
      const out = translateAll(parseInRandomPieces(text, seed), new AnthropicToOpenAIStream({ includeUsage: true }));
      validOpenAI(out);
      const acc = accumulateOpenAI(out);
      assert.equal(acc.reasoning, 'I should check the weather tool.');
      assert.deepEqual(acc.thinkingBlocks, [
        { type: 'thinking', thinking: 'I should check the weather tool.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pg==' },
      ]);
      assert.equal(acc.text, 'Checking both cities.');
      assert.deepEqual(
        acc.toolCalls.map((c) => [c.id, c.name, JSON.parse(c.arguments)]),
        [
          ['toolu_01Paris', 'get_weather', { location: 'Paris' }],
          ['toolu_02Oslo', 'get_weather', { location: 'Oslo' }],
        ],
      );
      assert.deepEqual(acc.usage, {
        prompt_tokens: 3800,
        completion_tokens: 95,
        total_tokens: 3895,
        prompt_tokens_details: { cached_tokens: 1200 },
        cache_creation_input_tokens: 500,
      });
    }
  });
});

describe('OpenAI stream -> Anthropic events', () => {
  it('recorded structured-output stream: message_start, one text block, real usage in message_delta', () => {
    const fixture = fixtureJson('openai/chat-structured-output-stream.json');
    for (const seed of SEEDS) {
      const out = translateAll(parseInRandomPieces(fixture.response_sse, seed), new OpenAIToAnthropicStream({ estimatedInputTokens: 15 }));
      validAnthropic(out);
      const start = JSON.parse(out[0]!.data);
      assert.equal(start.message.usage.input_tokens, 15, 'message_start carries the estimate, not 0');
      const message = accumulateAnthropic(out);
      assert.deepEqual(message.content, [{ type: 'text', text: fixture.sdk_final_message.message.content }]);
      assert.equal(message.stop_reason, 'end_turn');
      assert.equal(message.usage.input_tokens, 17);
      assert.equal(message.usage.output_tokens, 10);
    }
  });

  it('parallel tool calls: one tool_use block each, ids and names kept, argument fragments routed by index', () => {
    const text = fixtureText('translate/openai-parallel-tools.sse');
    for (const seed of SEEDS) {
      const out = translateAll(parseInRandomPieces(text, seed), new OpenAIToAnthropicStream());
      validAnthropic(out);
      const message = accumulateAnthropic(out);
      assert.deepEqual(message.content, [
        { type: 'tool_use', id: 'call_Wx0Paris', name: 'get_weather', input: { location: 'Paris', unit: 'c' } },
        { type: 'tool_use', id: 'call_Wx1Oslo', name: 'get_weather', input: { location: 'Oslo', unit: 'c' } },
      ]);
      assert.equal(message.stop_reason, 'tool_use');
      assert.deepEqual(message.usage, { input_tokens: 156, cache_creation_input_tokens: 0, cache_read_input_tokens: 256, output_tokens: 58 });
      const kinds = out.map((e) => e.event);
      assert.deepEqual(kinds.filter((k) => k === 'content_block_start').length, 2);
      assert.deepEqual(kinds.slice(-2), ['message_delta', 'message_stop']);
    }
  });

  it('interleaved tool-call fragments (some servers) still reach their own block', () => {
    const chunk = (delta: object, finish: string | null = null) => ({
      data: JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] }),
    });
    const out = translateAll(
      [
        chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{"x"' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{"y":' } }] }),
        chunk({
          tool_calls: [
            { index: 0, function: { arguments: ':1}' } },
            { index: 1, function: { arguments: '2}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        { data: '[DONE]' },
      ],
      new OpenAIToAnthropicStream(),
    );
    for (const ev of out) assertSchema(schemas.anthropicEvent, JSON.parse(ev.data), ev.event);
    const message = accumulateAnthropic(out);
    assert.deepEqual(
      message.content.map((b: { input: unknown }) => b.input),
      [{ x: 1 }, { y: 2 }],
    );
  });

  it('vLLM reasoning_content becomes a thinking block before the text', () => {
    const out = translateAll(parseInRandomPieces(fixtureText('translate/vllm-reasoning.sse'), 11), new OpenAIToAnthropicStream());
    validAnthropic(out);
    const message = accumulateAnthropic(out);
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'The user wants 2+2.', signature: '' },
      { type: 'text', text: '2 + 2 = 4.' },
    ]);
    assert.equal(message.usage.output_tokens, 12);
  });

  it('a refusal ends with stop_reason refusal', () => {
    const fixture = fixtureJson('openai/chat-refusal-stream-logprobs.json');
    const out = translateAll(parseInRandomPieces(fixture.response_sse, 4), new OpenAIToAnthropicStream());
    validAnthropic(out);
    const message = accumulateAnthropic(out);
    assert.equal(message.stop_reason, 'refusal');
    assert.equal(message.content[0].type, 'text');
    assert.ok(message.content[0].text.length > 0);
  });
});

describe('stream round trip Anthropic -> OpenAI -> Anthropic', () => {
  it('keeps text, tool ids, names, JSON-equal arguments, thinking and its signature', () => {
    const text = fixtureText('translate/anthropic-thinking-tools.sse');
    for (const seed of SEEDS) {
      const original = accumulateAnthropic(parseInRandomPieces(text, seed));
      const openai = translateAll(parseInRandomPieces(text, seed), new AnthropicToOpenAIStream({ includeUsage: true }));
      const back = translateAll(openai, new OpenAIToAnthropicStream());
      validAnthropic(back);
      const message = accumulateAnthropic(back);
      assert.deepEqual(message.content, original.content);
      assert.equal(message.stop_reason, original.stop_reason);
      assert.equal(message.usage.output_tokens, original.usage.output_tokens);
      assert.equal(message.usage.cache_read_input_tokens, original.usage.cache_read_input_tokens);
    }
  });
});
