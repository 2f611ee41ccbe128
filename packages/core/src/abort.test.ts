import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkAbort } from './abort.js';

test('aborts with the parent reason and stops listening after dispose', () => {
  const parent = new AbortController();
  const link = linkAbort([parent.signal, undefined]);
  const reason = new Error('client left');
  parent.abort(reason);
  assert.equal(link.signal.aborted, true);
  assert.equal(link.signal.reason, reason);

  const other = new AbortController();
  const disposed = linkAbort([other.signal]);
  disposed.dispose();
  other.abort();
  assert.equal(disposed.signal.aborted, false, 'a disposed link ignores its parents');
});

test('an already aborted parent aborts at once', () => {
  const parent = new AbortController();
  parent.abort('gone');
  assert.equal(linkAbort([parent.signal]).signal.reason, 'gone');
});

test('the deadline aborts with its reason and says it timed out', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const link = linkAbort([], 100, () => new Error('deadline'));
  t.mock.timers.tick(99);
  assert.equal(link.signal.aborted, false);
  t.mock.timers.tick(1);
  assert.equal(link.timedOut, true);
  assert.equal((link.signal.reason as Error).message, 'deadline');
});

test('abort without a reason uses a shared reason (no DOMException per call)', () => {
  const a = linkAbort([]);
  const b = linkAbort([]);
  a.abort();
  b.abort();
  assert.equal(a.signal.reason, b.signal.reason);
  assert.ok(!(a.signal.reason instanceof DOMException));
});
