import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { hasKeyValue, isJsonObjectText } from './json-scan.js';
import { SseParser } from './sse.js';

const fixtureEvents = (name: string) => new SseParser().push(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));

test('hasKeyValue: finds a key holding anything but null, never text inside a string', () => {
  assert.equal(hasKeyValue('{"usage":null}', '"usage"'), false);
  assert.equal(hasKeyValue('{"usage" : null,"x":1}', '"usage"'), false);
  assert.equal(hasKeyValue('{"choices":[],"usage":{"prompt_tokens":3}}', '"usage"'), true);
  assert.equal(hasKeyValue('{"choices":[{"finish_reason":"stop"}]}', '"finish_reason"'), true);
  assert.equal(hasKeyValue('{"choices":[{"finish_reason":null}]}', '"finish_reason"'), false);
  // The key's name as content: escaped quotes inside a string, or a value that is no key.
  assert.equal(hasKeyValue(JSON.stringify({ content: '"usage": {"a":1}' }), '"usage"'), false);
  assert.equal(hasKeyValue('{"content":"usage","error":null}', '"usage"'), false);
  assert.equal(hasKeyValue('{"a":null,"error":{"message":"x"}}', '"error"'), true);
});

test('isJsonObjectText agrees with JSON.parse on every recorded event and refuses every cut-off prefix of it', () => {
  const events = [...fixtureEvents('basic_response.sse'), ...fixtureEvents('refusal_response.sse')];
  assert.ok(events.length > 10);
  for (const ev of events) {
    assert.equal(isJsonObjectText(ev.data), true, ev.data);
    for (let cut = 1; cut < ev.data.trimEnd().length; cut++) {
      assert.equal(isJsonObjectText(ev.data.slice(0, cut)), false, ev.data.slice(0, cut));
    }
  }
});

test('isJsonObjectText: objects only, closed strings and matching brackets, braces inside strings ignored', () => {
  assert.equal(isJsonObjectText(' {"a":"}{][\\"","b":[1,{"c":[]}]} '), true);
  assert.equal(isJsonObjectText('[DONE]'), false);
  assert.equal(isJsonObjectText('[{"a":1}]'), false);
  assert.equal(isJsonObjectText('"text"'), false);
  assert.equal(isJsonObjectText(''), false);
  assert.equal(isJsonObjectText('{"a":[1}'), false);
  assert.equal(isJsonObjectText('{"a":1}}'), false);
  assert.equal(isJsonObjectText('{"a":1} {"b":2}'), false);
  assert.equal(isJsonObjectText('{"a":"x}'), false);
  assert.equal(isJsonObjectText('{"a":"line\nbreak"}'), false);
  assert.equal(isJsonObjectText('<html>{}</html>'), false);
  // Deeper than the scan's bits: judged by a parse, either way.
  const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
  assert.equal(isJsonObjectText(deep), true);
  assert.equal(isJsonObjectText(deep.slice(0, -1)), false);
});
