import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  approximateTokens,
  countTexts,
  EXACT_TOKEN_CHARS,
  estimateInputTokens,
  inputTokenBound,
  loadedTokenCounter,
  loadTokenCounter,
  MESSAGE_TOKENS,
  promptParts,
} from './token-estimate.js';

test('before the tokenizer loads, the estimate counts 4 characters per token; after, o200k tokens', async () => {
  const exchange = { format: 'openai.chat' as const, body: { messages: [{ role: 'user', content: 'Hello, world!' }] } };
  if (loadedTokenCounter() === undefined)
    assert.equal(estimateInputTokens(exchange), approximateTokens('user') + approximateTokens('Hello, world!') + MESSAGE_TOKENS);
  await loadTokenCounter();
  // "user" + "Hello, world!" = 1 + 4 tokens in o200k, plus 4 framing tokens.
  assert.equal(estimateInputTokens(exchange), 9);
});

test('special-token text sent by a user is ordinary text, not an error', async () => {
  const count = await loadTokenCounter();
  assert.ok(count('<|endoftext|>') > 1);
  assert.ok(
    estimateInputTokens({ format: 'openai.chat', body: { messages: [{ role: 'user', content: '<|endoftext|><|fim_prefix|>' }] } }, count) > MESSAGE_TOKENS,
  );
});

test('one set of rules: ids, types, signatures, cache hints and binary payloads are not text; images and documents cost a flat amount', () => {
  const base64 = 'QUFB'.repeat(5000);
  const anthropic = promptParts('anthropic.messages', {
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: base64 } },
          { type: 'text', text: 'What is this?' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig'.repeat(100) },
          { type: 'tool_use', id: 'toolu_1', name: 'look', input: { q: 'x' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a cat' },
          { type: 'document', source: { type: 'base64', data: base64 } },
        ],
      },
    ],
    tools: [{ name: 'look', input_schema: { type: 'object' } }],
  });
  assert.deepEqual(anthropic.texts, [
    'Be brief.',
    'user',
    'What is this?',
    'assistant',
    'hmm',
    'look',
    'x',
    'user',
    'a cat',
    '[{"name":"look","input_schema":{"type":"object"}}]',
  ]);
  // 3 messages, an image, a base64 document (two images' worth), the tool-use prompt.
  assert.equal(anthropic.fixedTokens, 3 * MESSAGE_TOKENS + 1600 + 3200 + 300);
  const openai = promptParts('openai.chat', {
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${base64}` } },
          { type: 'input_audio', input_audio: { data: base64 } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
    ],
  });
  assert.deepEqual(openai.texts, ['user', 'tool', 'ok']);
  assert.equal(openai.fixedTokens, 2 * MESSAGE_TOKENS + 765);
  assert.deepEqual(promptParts('openai.embeddings', { input: ['a b', 'c'], model: 'm' }), { texts: ['a b', 'c'], fixedTokens: 0 });
});

test('the cheap bound is never below the tokenizer estimate, whatever the script', async () => {
  const count = await loadTokenCounter();
  for (const text of [
    'plain English words and sentences.',
    '東京は日本の首都です。漢字とひらがな。',
    '🙂🚀👩‍👩‍👧‍👦 emoji',
    'x'.repeat(1000),
    ' \n\t'.repeat(50),
    'ünïcödé ÀÉÎÕÜ',
    '龘靐齉𠜎𠜱𠝹𠱓𪚥',
  ]) {
    const exchange = { format: 'openai.chat' as const, body: { messages: [{ role: 'user', content: text }] } };
    assert.ok(inputTokenBound(exchange) >= estimateInputTokens(exchange, count), `bound below estimate for ${JSON.stringify(text.slice(0, 20))}`);
  }
});

test('the prompt walk stops at a bounded depth instead of overflowing the stack', () => {
  let deep: unknown = 'deepest';
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const body = { system: 'sys', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', extra: deep }] }] };
  const parts = promptParts('anthropic.messages', body);
  const text = parts.texts.join(' ');
  assert.match(text, /sys/);
  assert.match(text, /hi/);
  assert.doesNotMatch(text, /deepest/);
  assert.ok(Number.isFinite(estimateInputTokens({ format: 'anthropic.messages', body })));
});

test(`past ${EXACT_TOKEN_CHARS} characters of a call the tokenizer sees no more: the rest is extrapolated, never above its UTF-8 bytes`, () => {
  let seen = 0;
  const spy = (text: string) => {
    seen += text.length;
    return Math.ceil(text.length / 2);
  };
  const big = 'ab'.repeat(200 * 1024); // 400 Ki characters each
  const exchange = {
    format: 'openai.chat' as const,
    body: {
      messages: [
        { role: 'user', content: big },
        { role: 'user', content: big },
      ],
    },
  };
  const estimate = estimateInputTokens(exchange, spy);
  assert.equal(seen, EXACT_TOKEN_CHARS);
  // Counted: 'user' (2) and the first 262,140 characters of the first message (131,070). The other
  // 557,064 characters are estimated at that rate (278,532); 4 framing tokens per message.
  assert.equal(estimate, 2 * MESSAGE_TOKENS + 2 + 131_070 + 278_532);
  // The same rule for any texts (accounting's output estimate of a cut stream uses it).
  seen = 0;
  assert.equal(countTexts(['user', big, 'user', big], spy), 2 + 131_070 + 278_532);
  assert.equal(seen, EXACT_TOKEN_CHARS);
  // A text dense in tokens (2 per character here) cannot push the rest above its UTF-8 bytes: the
  // 4 CJK characters and 100,000 letters past the limit count 100,012, not 200,008.
  const text = '日'.repeat(EXACT_TOKEN_CHARS) + 'a'.repeat(100_000);
  const dense = estimateInputTokens({ format: 'openai.chat', body: { messages: [{ role: 'user', content: text }] } }, (t) => 2 * t.length);
  assert.equal(dense, MESSAGE_TOKENS + 8 + 2 * (EXACT_TOKEN_CHARS - 4) + 100_012);
});
