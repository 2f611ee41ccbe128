import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestText } from './estimate.js';

test('requestText stops at a bounded depth instead of overflowing the stack', () => {
  let deep: unknown = 'deepest';
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const text = requestText({ system: 'sys', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', extra: deep }] }] });
  assert.match(text, /sys/);
  assert.match(text, /hi/);
  assert.doesNotMatch(text, /deepest/);
});
