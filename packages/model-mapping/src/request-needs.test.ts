import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestNeeds } from './request-needs.js';

test('estimates prompt tokens cheaply and detects what the request needs', () => {
  const n = requestNeeds('openai.chat', {
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a'.repeat(400) },
          { type: 'image_url', image_url: { url: 'data:' + 'A'.repeat(100_000) } },
        ],
      },
    ],
    tools: [{ type: 'function', function: { name: 'f' } }],
    max_completion_tokens: 50,
  });
  assert.equal(n.vision, true);
  assert.equal(n.tools, true);
  assert.equal(n.maxOutputTokens, 50);
  assert.ok(n.inputTokens > 100 + 765 && n.inputTokens < 1000, `base64 is not counted as text (${n.inputTokens})`);
});

test('anthropic prefill and system prompt; embeddings input', () => {
  const a = requestNeeds('anthropic.messages', {
    system: 'x'.repeat(40),
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '{' },
    ],
    max_tokens: 10,
  });
  assert.equal(a.prefill, true);
  assert.ok(a.inputTokens >= 10);
  const e = requestNeeds('openai.embeddings', { input: ['abcd', 'efgh'] });
  assert.equal(e.embeddings, true);
  assert.equal(e.inputTokens, 2);
});

test('a body nested too deeply for JSON.stringify is a 400 naming the field; nested tool results stop counting, never overflow', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  assert.throws(
    () =>
      requestNeeds('openai.chat', { messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: deep } }] }),
    (err: { status?: number; param?: string }) => err.status === 400 && err.param === 'tools',
  );
  let nested: unknown[] = [{ type: 'text', text: 'x' }];
  for (let i = 0; i < 100_000; i++) nested = [{ type: 'tool_result', content: nested }];
  assert.ok(requestNeeds('anthropic.messages', { messages: [{ role: 'user', content: nested }] }).inputTokens >= 0);
});

test('only the output cap of the request format counts (max_output_tokens is not a Chat Completions field)', () => {
  assert.equal(requestNeeds('openai.chat', { messages: [], max_output_tokens: 1 }).maxOutputTokens, 0);
  assert.equal(requestNeeds('openai.chat', { messages: [], max_tokens: 64, max_output_tokens: 1 }).maxOutputTokens, 64);
  assert.equal(requestNeeds('anthropic.messages', { messages: [], max_tokens: 32, max_completion_tokens: 1 }).maxOutputTokens, 32);
});
