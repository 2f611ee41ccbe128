import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { SseEvent, SyncPull } from '@switchyard/core';
import { isProviderError, type StreamResult } from '@switchyard/providers';
import { guardStream, type StreamEnd } from './stream-guard.js';

/** A stream whose events are all here already (tryNext), as after one upstream read. */
function readyResult(events: SseEvent[]): StreamResult {
  const items = events.slice();
  const iterator: AsyncIterator<SseEvent> & SyncPull<SseEvent> = {
    tryNext: () => (items.length > 0 ? { done: false, value: items.shift()! } : undefined),
    next: async () => (items.length > 0 ? { done: false, value: items.shift()! } : { done: true, value: undefined }),
  };
  return { kind: 'stream', status: 200, headers: {}, firstByteAt: 0, usage: () => undefined, events: { [Symbol.asyncIterator]: () => iterator } };
}

function guard(events: SseEvent[]) {
  const ends: StreamEnd[] = [];
  let aborted = 0;
  const stream = guardStream({
    result: readyResult(events),
    provider: 'p',
    format: 'openai.chat',
    exchangeAbort: new AbortController().signal,
    deadlineAbort: new AbortController().signal,
    idleMs: 0,
    abortUpstream: () => aborted++,
    onEnd: (end) => ends.push(end),
  });
  return { stream, ends, aborted: () => aborted };
}

it('hands out events that are already here without a promise, and ends through next()', async () => {
  const { stream, ends } = guard([{ data: '{"a":1}' }, { data: '[DONE]' }]);
  assert.deepEqual(stream.tryNext(), { done: false, value: { data: '{"a":1}' } });
  assert.deepEqual(stream.tryNext(), { done: false, value: { data: '[DONE]' } });
  assert.equal(stream.tryNext(), undefined);
  assert.equal(ends.length, 0);
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
  assert.deepEqual(ends, [{ outcome: 'success' }]);
});

it('a malformed event pulled at once is never handed out: the next next() fails the stream, reported once', async () => {
  const { stream, ends, aborted } = guard([{ data: '{"a":1}' }, { data: '{"choices":[{"delta":' }, { data: '{"b":2}' }]);
  assert.deepEqual(stream.tryNext(), { done: false, value: { data: '{"a":1}' } });
  assert.equal(stream.tryNext(), undefined);
  assert.equal(stream.tryNext(), undefined, 'nothing after the bad event');
  await assert.rejects(
    stream.next(),
    (err: unknown) => isProviderError(err) && err.afterFirstByte === true && err.failureKind === 'server_error' && /malformed/.test(err.message),
  );
  assert.equal(ends.length, 1);
  assert.equal(ends[0]!.outcome, 'failure');
  assert.equal(aborted(), 1);
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
});
