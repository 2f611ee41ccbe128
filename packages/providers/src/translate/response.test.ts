import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isProviderError } from '../provider-error.js';
import { anthropicMessageToOpenAI, openAICompletionToAnthropic } from './responses.js';
import { STOP_REASON_TABLE, toAnthropicStopReason, toOpenAIFinishReason } from './reasons.js';
import { anthropicUsageToOpenAI, openAIUsageToAnthropic } from './usage-map.js';
import { anthropicErrorToOpenAI, openAIErrorToAnthropic } from './error-bodies.js';
import { openAIRequestToAnthropic } from './request-openai-to-anthropic.js';
import { anthropicRequestToOpenAI } from './request-anthropic-to-openai.js';
import { TranslationNotes } from './common.js';
import { assertSchema, schemas } from './schemas.test.util.js';
import { fixtureJson } from '../testing/upstream.test.util.js';

const now = () => 1_700_000_000_000;

describe('finish_reason <-> stop_reason (one table)', () => {
  it('maps every Anthropic stop reason and back', () => {
    assert.deepEqual(
      ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', 'pause_turn', 'model_context_window_exceeded', null].map(toOpenAIFinishReason),
      ['stop', 'stop', 'length', 'tool_calls', 'content_filter', 'stop', 'length', 'stop'],
    );
    assert.deepEqual(
      ['stop', 'length', 'tool_calls', 'content_filter', 'function_call', 'weird'].map((r) => toAnthropicStopReason(r)),
      ['end_turn', 'max_tokens', 'tool_use', 'refusal', 'tool_use', 'end_turn'],
    );
    assert.equal(toAnthropicStopReason('stop', true), 'stop_sequence');
    for (const [a, o] of STOP_REASON_TABLE) assert.equal(toOpenAIFinishReason(a), STOP_REASON_TABLE.find(([x]) => x === a)![1], `${a}->${o}`);
  });
});

describe('usage mapping', () => {
  it('Anthropic -> OpenAI counts cache reads and writes into prompt_tokens once', () => {
    assert.deepEqual(
      anthropicUsageToOpenAI({
        input_tokens: 10,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 5,
        output_tokens: 7,
        output_tokens_details: { thinking_tokens: 3 },
      }),
      {
        prompt_tokens: 115,
        completion_tokens: 7,
        total_tokens: 122,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 3 },
        cache_creation_input_tokens: 5,
      },
    );
  });
  it('OpenAI -> Anthropic takes cached tokens out of input_tokens', () => {
    assert.deepEqual(
      openAIUsageToAnthropic({
        prompt_tokens: 412,
        completion_tokens: 58,
        prompt_tokens_details: { cached_tokens: 256 },
        completion_tokens_details: { reasoning_tokens: 20 },
      }),
      { input_tokens: 156, cache_creation_input_tokens: 0, cache_read_input_tokens: 256, output_tokens: 58, output_tokens_details: { thinking_tokens: 20 } },
    );
  });
});

describe('JSON responses', () => {
  it('recorded Anthropic tool-use Message -> a valid chat.completion with tool_calls', () => {
    const msg = fixtureJson('anthropic/ts-toolrunner-00.json').response.body;
    const out = anthropicMessageToOpenAI(msg, new TranslationNotes(), now) as any;
    assertSchema(schemas.openaiCompletion, out, 'completion');
    assert.equal(out.id, msg.id);
    assert.equal(out.created, 1_700_000_000);
    assert.equal(out.choices[0].message.content, msg.content[0].text);
    assert.deepEqual(out.choices[0].message.tool_calls, [
      { id: 'toolu_011LF2VkWpAfJnTKJcmh1PNf', type: 'function', function: { name: 'test_tool', arguments: '{"value":"test"}' } },
    ]);
    assert.equal(out.choices[0].finish_reason, 'tool_calls');
    assert.equal(out.usage.prompt_tokens, 415);
  });

  it('thinking blocks survive as reasoning_content + signed thinking_blocks', () => {
    const out = anthropicMessageToOpenAI({
      id: 'msg_1',
      model: 'c',
      stop_reason: 'end_turn',
      usage: {},
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'redacted_thinking', data: 'xx' },
        { type: 'text', text: 'A' },
      ],
    }) as any;
    assertSchema(schemas.openaiCompletion, out, 'completion');
    assert.equal(out.choices[0].message.reasoning_content, 'hmm');
    assert.deepEqual(out.choices[0].message.thinking_blocks, [
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
      { type: 'redacted_thinking', data: 'xx' },
    ]);
  });

  it('recorded OpenAI json_schema completion -> a valid Anthropic Message', () => {
    const completion = fixtureJson('openai/chat-structured-output-json-schema.json').response ?? fixtureJson('openai/chat-structured-output-json-schema.json');
    const body = completion.body ?? completion;
    const out = openAICompletionToAnthropic(body, 'p') as any;
    assertSchema(schemas.anthropicMessage, out, 'message');
    assert.equal(out.content[0].text, body.choices[0].message.content);
    assert.equal(out.stop_reason, 'end_turn');
  });

  it('a refusal is text with stop_reason refusal; vLLM names the matched stop sequence', () => {
    const refused = openAICompletionToAnthropic(
      { id: 'c', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'No.' }, finish_reason: 'stop' }] },
      'p',
    ) as any;
    assert.deepEqual([refused.content, refused.stop_reason], [[{ type: 'text', text: 'No.' }], 'refusal']);
    const stopped = openAICompletionToAnthropic(
      { id: 'c', model: 'm', choices: [{ index: 0, message: { content: 'a' }, finish_reason: 'stop', stop_reason: 'END' }] },
      'p',
      ['END'],
    ) as any;
    assert.deepEqual([stopped.stop_reason, stopped.stop_sequence], ['stop_sequence', 'END']);
  });

  it('tool-call arguments that are not JSON are a retryable server_error, never a silent {}', () => {
    assert.throws(
      () =>
        openAICompletionToAnthropic(
          { choices: [{ message: { tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '{bad' } }] } }] },
          'p',
        ),
      (e: unknown) => isProviderError(e) && e.failureKind === 'server_error',
    );
  });

  it('round trip OpenAI -> Anthropic -> OpenAI keeps text, tool names, ids and JSON-equal arguments', () => {
    const completion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Looking.',
            refusal: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'get', arguments: '{"q": "x", "n": [1, 2]}' } },
              { id: 'call_b', type: 'function', function: { name: 'put', arguments: '{}' } },
            ],
          },
        },
      ],
      usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 10 } },
    };
    const back = anthropicMessageToOpenAI(openAICompletionToAnthropic(completion, 'p'), undefined, now) as any;
    assertSchema(schemas.openaiCompletion, back, 'completion');
    const m = back.choices[0].message;
    assert.equal(m.content, 'Looking.');
    assert.deepEqual(
      m.tool_calls.map((c: any) => [c.id, c.function.name, JSON.parse(c.function.arguments)]),
      [
        ['call_a', 'get', { q: 'x', n: [1, 2] }],
        ['call_b', 'put', {}],
      ],
    );
    assert.equal(back.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual([back.usage.prompt_tokens, back.usage.completion_tokens, back.usage.prompt_tokens_details.cached_tokens], [30, 9, 10]);
  });

  it('request round trip OpenAI -> Anthropic -> OpenAI keeps messages, tools and tool ids', () => {
    const request = {
      model: 'm',
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Q' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'R' },
      ],
      tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: { a: { type: 'number' } } } } }],
      tool_choice: 'auto',
    };
    const back = anthropicRequestToOpenAI(openAIRequestToAnthropic(request));
    assert.deepEqual(back, request);
  });
});

describe('error bodies', () => {
  it('map both ways by status', () => {
    const a = openAIErrorToAnthropic({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, 429, 'req_1');
    assertSchema(schemas.anthropicError, a, 'anthropic error');
    assert.deepEqual(a, { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached' }, request_id: 'req_1' });
    const o = anthropicErrorToOpenAI(fixtureJson('anthropic/py-test_messages_TestAsyncParse_d743d628-0.json').response.body, 429);
    assertSchema(schemas.openaiError, o, 'openai error');
    assert.equal((o.error as any).code, 'rate_limit_error');
  });
});
