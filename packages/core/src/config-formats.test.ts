import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_FORMATS } from './config-formats.js';

const format = (name: string) => CONFIG_FORMATS.find((f) => f.name === name)!;

test('switch reads true/false and 1/0 text, and refuses every other spelling', () => {
  const s = format('switch');
  assert.equal(s.coerce!('false'), false);
  assert.equal(s.coerce!(' TRUE '), true);
  assert.equal(s.coerce!('0'), false);
  for (const ok of [true, false]) s.validate(ok);
  for (const bad of ['no', 'off', 'yes please', '', 0, null]) assert.throws(() => s.validate(s.coerce!(bad)), /must be true or false/, String(bad));
});

test('object, sy-duration and sy-bytes accept their forms only', () => {
  format('object').validate({ a: 1 });
  for (const bad of [[], null, 'x']) assert.throws(() => format('object').validate(bad), /must be a mapping/);
  format('sy-duration').validate('30s');
  assert.throws(() => format('sy-duration').validate('soon'), /must be a duration/);
  format('sy-bytes').validate('10mb');
  assert.throws(() => format('sy-bytes').validate('huge'), /must be a size/);
});
