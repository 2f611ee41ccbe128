import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamUsageObserver } from './usage-parse.js';

const chunk = (content: string, extra = '') =>
  `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]${extra}}`;

test('OpenAI null usage on every chunk: removed for a client that did not ask, however it is written', () => {
  const observer = new StreamUsageObserver('openai.chat', true, 1_000_000);
  const out = (data: string) => observer.observe({ data })?.data;
  assert.equal(out(chunk('a', ',"usage":null')), chunk('a'), 'the first chunk (its id read)');
  assert.equal(out(chunk('b', ',"usage":null')), chunk('b'), 'compact, as OpenAI writes it');
  assert.equal(out(chunk('c', ', "usage": null')), chunk('c'), "Python's default separators");
  assert.equal(out('{"usage":null,"id":"c1","choices":[]}'), '{"id":"c1","choices":[]}', 'elsewhere in the chunk: parsed');
  assert.equal(out(chunk('d')), chunk('d'), 'no usage member: untouched');
  const last = '{"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}';
  assert.equal(observer.observe({ data: last }), undefined, 'the usage-only chunk is dropped');
  assert.equal(observer.usage?.inputTokens, 7);
  assert.equal(observer.usage?.outputTokens, 3);
  assert.equal(observer.responseId, 'c1');
});

test("the response id is the first chunk's own, not a tool call's written before it", () => {
  const observer = new StreamUsageObserver('openai.chat', false, 1_000_000);
  const first = '{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function"}]},"finish_reason":null}],"id":"chatcmpl-9"}';
  const ev = { data: first };
  assert.equal(observer.observe(ev), ev, 'passed through as it came');
  assert.equal(observer.responseId, 'chatcmpl-9');
  observer.observe({ data: '{"id":"chatcmpl-other","choices":[]}' });
  assert.equal(observer.responseId, 'chatcmpl-9', 'only the first chunk names it');
});

test('a client that asked for usage gets every chunk as it came, null usage included', () => {
  const observer = new StreamUsageObserver('openai.chat', false, 1_000_000);
  for (const data of [chunk('a', ',"usage":null'), chunk('b', ',"usage":null')]) {
    const ev = { data };
    assert.equal(observer.observe(ev), ev);
  }
  const last = '{"id":"c1","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1}}';
  assert.equal(observer.observe({ data: last })?.data, last);
  assert.equal(observer.usage?.outputTokens, 1);
});

test('a finishing chunk is read for its finish reason, and a usage value in it counts', () => {
  const observer = new StreamUsageObserver('openai.chat', true, 1_000_000);
  observer.observe({ data: chunk('a', ',"usage":null') });
  const finishing = '{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":2}}';
  assert.equal(observer.observe({ data: finishing })?.data, '{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}');
  assert.deepEqual(observer.finishReasons, ['stop']);
  assert.equal(observer.usage?.inputTokens, 4);
});

test('chunks that carry only a null usage are not parsed (OpenAI sends one on every chunk once usage is asked for)', (t) => {
  for (const stripUsage of [true, false]) {
    const observer = new StreamUsageObserver('openai.chat', stripUsage, 1_000_000);
    observer.observe({ data: chunk('first', ',"usage":null') });
    const parse = t.mock.method(JSON, 'parse');
    for (let i = 0; i < 20; i++) observer.observe({ data: chunk(`part ${i}`, ',"usage":null') });
    assert.equal(parse.mock.callCount(), 0, `stripUsage ${stripUsage}`);
    parse.mock.restore();
  }
});
