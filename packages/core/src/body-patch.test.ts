import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyBytes } from './body-patch.js';
import type { BodySource } from './exchange.js';

const source = (text: string): BodySource => ({ body: JSON.parse(text) as Record<string, unknown>, bytes: Buffer.from(text) });
const parsed = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes!).toString('utf8')) as unknown;
/** What a serialisation of `body` would send, as a value. */
const expected = (body: Record<string, unknown>) => JSON.parse(JSON.stringify(body)) as unknown;

const TEXTS = [
  '{"model":"alias","messages":[{"role":"user","content":"hi"}],"stream":true}',
  '{"messages":[{"role":"user","content":"say \\"}\\" and ] and {"}],"model":"alias","temperature":0.5}',
  '{\n  "messages": [\n    { "role": "user", "content": "pretty\\\\" }\n  ],\n  "model" : "alias" ,\n  "n": 1e2,\n  "seed": -12,\n  "stop": null\n}\n',
  '  {"model":"alias","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}],"x":[[],{},[{}]]}  ',
  '{"model":"ålias-ü","messages":[{"role":"user","content":"日本語 \\u00e9 \\ud83d\\ude00"}],"max_tokens":5,"flag":false}',
];

test('a body with members replaced, added or removed is spliced from the client bytes and parses to the same value as a serialisation', () => {
  const edits: Array<(b: Record<string, unknown>) => Record<string, unknown>> = [
    (b) => ({ ...b, model: 'gpt-4o-2024-08-06' }),
    (b) => ({ ...b, stream_options: { include_usage: true } }),
    (b) => ({ ...b, model: 'provider-model', stream_options: { include_usage: true } }),
    (b) => {
      const { model: _model, ...rest } = b;
      return rest;
    },
    (b) => ({ ...b, model: undefined }),
    (b) => ({ ...b, messages: [{ role: 'user', content: 'replaced "quoted" }' }] }),
    (b) => ({ ...b, model: 'alias' }), // a copy with equal values: nothing changed
  ];
  for (const text of TEXTS) {
    const src = source(text);
    for (const edit of edits) {
      const body = edit(src.body);
      const bytes = bodyBytes(body, src);
      assert.ok(bytes, `spliced: ${text}`);
      assert.deepEqual(parsed(bytes), expected(body), text);
    }
  }
});

test('unchanged members keep the client bytes as sent', () => {
  const text = '{"messages":[{"role":"user","content":"  spaced   out  "}],  "model":"alias",\n"n":1.50}';
  const src = source(text);
  const out = Buffer.from(bodyBytes({ ...src.body, model: 'real' }, src)!).toString();
  assert.equal(out, '{"messages":[{"role":"user","content":"  spaced   out  "}],"model":"real","n":1.50}');
  // Added members go first.
  const added = Buffer.from(bodyBytes({ ...src.body, stream_options: { include_usage: true } }, src)!).toString();
  assert.ok(added.startsWith('{"stream_options":{"include_usage":true},"messages":'), added);
});

test('the same body object gives back the client bytes themselves', () => {
  const src = source(TEXTS[0]!);
  assert.equal(bodyBytes(src.body, src), src.bytes);
  assert.equal(bodyBytes(src.body, undefined), undefined);
});

test('texts a splice cannot name safely are left to serialisation', () => {
  // A key written with an escape: JSON.parse calls it "model", the bytes do not.
  const escaped = source('{"mod\\u0065l":"alias","messages":[]}');
  assert.equal(bodyBytes({ ...escaped.body, model: 'real' }, escaped), undefined);
  // A key given twice: which one counts is the parser's choice, so do not pick one.
  const twice = source('{"model":"a","messages":[],"model":"b"}');
  assert.equal(bodyBytes({ ...twice.body, stream: true }, twice), undefined);
  // A rebuilt body (a translation): too many members changed to be worth a splice.
  const src = source(TEXTS[0]!);
  assert.equal(bodyBytes({ a: 1, b: 2, c: 3, d: 4, e: 5 }, src), undefined);
});

test('an empty object and an object emptied by removals stay valid JSON', () => {
  const empty = source(' { } ');
  assert.deepEqual(parsed(bodyBytes({ model: 'm' }, empty)), { model: 'm' });
  const one = source('{"model":"m"}');
  assert.deepEqual(parsed(bodyBytes({}, one)), {});
});

test('a large prompt is copied, not serialised: the splice leaves its bytes alone', () => {
  const prompt = 'lorem "ipsum" \\ dolor {sit} [amet] '.repeat(12_000);
  const text = JSON.stringify({ messages: [{ role: 'user', content: prompt }], model: 'alias', stream: true });
  const src = source(text);
  const body = { ...src.body, model: 'gpt-4o', stream_options: { include_usage: true } };
  const bytes = Buffer.from(bodyBytes(body, src)!);
  assert.deepEqual(JSON.parse(bytes.toString()), expected(body));
  assert.equal(bytes.length, Buffer.byteLength(text) - '"alias"'.length + '"gpt-4o"'.length + ',"stream_options":{"include_usage":true}'.length);
});

test('random bodies, spacing and edits: the splice always parses to what a serialisation would send', () => {
  let seed = 0x9e3779b9;
  const rand = (n: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed % n;
  };
  const ATOMS = ['x', 'a "quoted" word', 'back\\slash\\', '{[}]', 'ü日😀', '', '\\"', 'line\nbreak\ttab'];
  const value = (depth: number): unknown => {
    switch (depth > 2 ? rand(4) : rand(6)) {
      case 0:
        return ATOMS[rand(ATOMS.length)];
      case 1:
        return rand(2) ? rand(1000) - 500 : rand(1000) / 7;
      case 2:
        return [true, false, null][rand(3)];
      case 3:
        return ATOMS[rand(ATOMS.length)]! + String(rand(100));
      case 4:
        return Array.from({ length: rand(4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: rand(4) }, (_, i) => [`k${i}${ATOMS[rand(3)]}`, value(depth + 1)]));
    }
  };
  const KEYS = ['model', 'messages', 'stream', 'n', 'tools', 'stream_options', 'metadata'];
  for (let round = 0; round < 400; round++) {
    const original: Record<string, unknown> = {};
    for (const key of KEYS) if (rand(3)) original[key] = value(0);
    const text = JSON.stringify(original, null, [undefined, 1, '\t', ' \n '][rand(4)] as string | number | undefined);
    const src = source(text);
    const body: Record<string, unknown> = { ...src.body };
    for (let e = rand(4); e > 0; e--) {
      const key = KEYS[rand(KEYS.length)]!;
      if (rand(4) === 0) delete body[key];
      else body[key] = value(1);
    }
    const bytes = bodyBytes(body, src);
    assert.ok(bytes, text);
    assert.deepEqual(parsed(bytes), expected(body), `round ${round}: ${text}`);
  }
});
