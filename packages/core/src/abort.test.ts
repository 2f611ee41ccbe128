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

test('links chain without an AbortSignal: exchange → run → attempt, the reason carried down', () => {
  const exchange = linkAbort([]);
  const run = linkAbort([exchange]);
  const attempt = linkAbort([run]);
  const heard: unknown[] = [];
  attempt.addEventListener('abort', () => heard.push(attempt.reason));
  const reason = new Error('client left');
  exchange.abort(reason);
  assert.equal(run.aborted, true);
  assert.equal(attempt.aborted, true);
  assert.deepEqual(heard, [reason]);
  exchange.abort(new Error('again'));
  assert.equal(attempt.reason, reason, 'an abort happens once');
});

test('signal is made on first read and follows the link, before and after the abort', () => {
  const early = linkAbort([]);
  const signal = early.signal;
  assert.equal(early.signal, signal, 'one signal per link');
  assert.equal(signal.aborted, false);
  early.abort('stop');
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, 'stop');

  const late = linkAbort([]);
  late.abort('gone');
  assert.equal(late.signal.aborted, true);
  assert.equal(late.signal.reason, 'gone');
});

test('a removed listener is not called; one that throws does not stop the others', (t) => {
  const link = linkAbort([]);
  const calls: string[] = [];
  const removed = () => calls.push('removed');
  link.addEventListener('abort', () => {
    throw new Error('listener failed');
  });
  link.addEventListener('abort', removed);
  link.addEventListener('abort', () => calls.push('kept'));
  link.removeEventListener('abort', removed);
  const deferred: Array<() => void> = [];
  t.mock.method(process, 'nextTick', (fn: () => void) => void deferred.push(fn));
  link.abort();
  t.mock.restoreAll();
  assert.deepEqual(calls, ['kept']);
  assert.equal(deferred.length, 1, 'the error is reported later, as an EventTarget reports it');
  assert.throws(deferred[0]!, /listener failed/);
});

test('abort and dispose can be handed on as callbacks', () => {
  const parent = new AbortController();
  const link = linkAbort([parent.signal]);
  const { dispose } = link;
  dispose();
  parent.abort();
  assert.equal(link.aborted, false);
  const { abort } = link;
  abort('by callback');
  assert.equal(link.reason, 'by callback');
});

test('the same listener added twice runs once, as on an EventTarget', () => {
  const link = linkAbort([]);
  let calls = 0;
  const listener = () => calls++;
  link.addEventListener('abort', listener);
  link.addEventListener('abort', listener);
  link.abort();
  assert.equal(calls, 1);
});
