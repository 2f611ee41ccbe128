import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { hasKeyValue, isJsonObjectText, stringValue, topLevelString, valueIndex } from './json-scan.js';
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

test('valueIndex: a key, not a longer key ending like it, nor its name followed by no colon; from a position on', () => {
  assert.equal(valueIndex('"usage": 1', '"usage"'), 9, 'at the very start');
  assert.equal(valueIndex('{"xusage":1,"usage":2}', '"usage"'), 20);
  assert.equal(valueIndex('{"a":"usage","usage" :\t3}', '"usage"'), 23);
  assert.equal(valueIndex('{"a":"usage"}', '"usage"'), -1);
  assert.equal(valueIndex('{"usage":1,"b":{"usage":2}}', '"usage"', 9), 24, 'the next one after a value');
  assert.equal(valueIndex('{"usage":1}', '"usage"', 2), -1, 'a key starting before `from` is not found');
  assert.equal(hasKeyValue('{"usage":null,"x":{"usage":{}}}', '"usage"', 9), true);
  assert.equal(hasKeyValue('{"x":{"usage":{}},"usage":null}', '"usage"', 18), false);
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

test("topLevelString: the object's own member only, decoded, never a nested one or text inside a string", () => {
  assert.equal(topLevelString('{"id":"chatcmpl-1","choices":[]}', '"id"'), 'chatcmpl-1');
  assert.equal(topLevelString(' { "choices" : [ {"id":"call_1","x":{"id":"deep"}} ] , "id" : "top" } ', '"id"'), 'top');
  assert.equal(topLevelString('{"choices":[{"id":"call_1"}]}', '"id"'), undefined, 'only nested');
  assert.equal(topLevelString('{"note":"\\"id\\":\\"fake\\"","id":"real"}', '"id"'), 'real');
  assert.equal(topLevelString('{"id":"say \\"hi\\" \\u00e9"}', '"id"'), 'say "hi" \u00e9');
  assert.equal(topLevelString('{"id":7}', '"id"'), undefined, 'not a string');
  assert.equal(topLevelString('{"list":["id"],"id":"x"}', '"id"'), 'x', 'a value equal to the key is no key');
  assert.equal(topLevelString('["id","x"]', '"id"'), undefined);
  assert.equal(topLevelString('{"id":"cut', '"id"'), undefined);
  assert.equal(topLevelString('{"a":{"b":1}}, "id":"after the object"', '"id"'), undefined);
  // stringValue takes the first at any depth.
  assert.equal(stringValue('{"choices":[{"id":"call_1"}],"id":"top"}', '"id"'), 'call_1');
});

test('topLevelString agrees with JSON.parse on random objects, compact and indented', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const text = () => pick(['id', 'x', '"id":"no"', 'a\\b', '}{][', '\u00e9\u{1F600}', '\\"']) + pick(['', ' ', 'id']);
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.3) return pick([text(), 1, null, true]);
    if (r < 0.6) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
    return object(depth + 1);
  };
  const object = (depth: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let n = Math.floor(random() * 4); n > 0; n--) o[pick(['id', 'choices', 'x', 'i d', 'idx'])] = value(depth);
    return o;
  };
  for (let round = 0; round < 500; round++) {
    const o = object(0);
    const expected = typeof o.id === 'string' ? o.id : undefined;
    for (const t of [JSON.stringify(o), JSON.stringify(o, null, 2)]) assert.equal(topLevelString(t, '"id"'), expected, t);
  }
});
