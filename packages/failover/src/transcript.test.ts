import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SseEvent } from '@switchyard/core';
import { AnthropicTranscript } from './transcript-anthropic.js';
import { OpenAITranscript } from './transcript-openai.js';

/** Texts that exercise the scan: escapes, quotes, braces, keys' names, non-ASCII. */
const PIECES = [
  'Hel',
  'lo "you"',
  ' {"index":1,"finish_reason":"stop"}',
  ' \\ back\\slash',
  '\n\ttab',
  ' caf\u00e9 \u20ac \ud83d\ude00',
  ' \\"text_delta\\"',
  '',
];

function openAIChunk(delta: Record<string, unknown>, extra: Record<string, unknown> = {}): SseEvent {
  return {
    data: JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1731000000,
      model: 'gpt-4o',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...extra }],
      usage: null,
    }),
  };
}

describe('OpenAITranscript', () => {
  it('keeps exactly the text of choice 0, read without parsing plain deltas', () => {
    const t = new OpenAITranscript();
    t.observe(openAIChunk({ role: 'assistant', content: '', refusal: null }));
    for (const text of PIECES) t.observe(openAIChunk({ content: text }));
    t.observe(openAIChunk({}));
    assert.equal(t.sent(), PIECES.join(''));
    assert.equal(typeof t.partial(), 'string');
  });

  it('reads the delta, not logprobs, whatever the key order', () => {
    const t = new OpenAITranscript();
    t.observe(openAIChunk({ role: 'assistant', content: '' }));
    const data = JSON.stringify({ id: 'chatcmpl-1', choices: [{ logprobs: { content: [{ token: 'x', logprob: -1 }] }, index: 0, delta: { content: 'Hi' } }] });
    t.observe({ data });
    assert.equal(t.sent(), 'Hi');
    assert.equal(t.partial(), 'Hi');
  });

  it('is no longer continuable after a finish reason, a tool call, a refusal or a second choice', () => {
    const stops: SseEvent[] = [
      openAIChunk({}, { finish_reason: 'stop' }),
      openAIChunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] }),
      openAIChunk({ refusal: 'No.' }),
      { data: JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 1, delta: { content: 'other' }, finish_reason: null }] }) },
      { data: JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 10, delta: { content: 'other' }, finish_reason: null }] }) },
    ];
    for (const stop of stops) {
      const t = new OpenAITranscript();
      t.observe(openAIChunk({ role: 'assistant', content: 'Hel' }));
      t.observe(openAIChunk({ content: 'lo' }));
      assert.equal(t.partial(), 'Hello');
      t.observe(stop);
      assert.equal(t.partial(), undefined, stop.data);
    }
  });
});

describe('AnthropicTranscript', () => {
  const delta = (d: Record<string, unknown>, index = 0): SseEvent => ({
    event: 'content_block_delta',
    data: JSON.stringify({ type: 'content_block_delta', index, delta: d }),
  });

  it('keeps exactly the text of text deltas, read without parsing them', () => {
    const t = new AnthropicTranscript();
    t.observe({ event: 'message_start', data: '{"type":"message_start","message":{"id":"msg_1","content":[],"usage":{"input_tokens":3}}}' });
    t.observe({ event: 'content_block_start', data: '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}' });
    for (const text of PIECES) t.observe(delta({ type: 'text_delta', text }));
    assert.equal(t.sent(), PIECES.join(''));
    assert.equal(typeof t.partial(), 'string');
  });

  it('is no longer continuable after a delta that is not text', () => {
    for (const d of [
      { type: 'input_json_delta', partial_json: '{"text": "x"' },
      { type: 'thinking_delta', thinking: 'hmm "text_delta"' },
    ]) {
      const t = new AnthropicTranscript();
      t.observe({ event: 'content_block_start', data: '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}' });
      t.observe(delta({ type: 'text_delta', text: 'Hi' }));
      assert.equal(t.partial(), 'Hi');
      t.observe(delta(d));
      assert.equal(t.partial(), undefined, JSON.stringify(d));
      assert.equal(t.sent(), 'Hi');
    }
  });
});
