import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, Exchange, type Attempt } from '@switchyard/core';
import { parseLatencyWindow, RoutingStats } from './stats.js';

const fast = { provider: 'fast', model: 'm' };
const slow = { provider: 'slow', model: 'm' };

test('percentiles and in-flight counts come from attempt events, on an injected clock', () => {
  let now = 1_000_000;
  const stats = new RoutingStats({ now: () => now, windowMs: 60_000 });
  const events = new EventBus();
  const off = stats.attach(events);
  const exchange = new Exchange({ format: 'openai.chat', body: {}, headers: {} });
  for (let i = 1; i <= 10; i++) {
    const attempt: Attempt = { target: slow, startedAt: now, outcome: 'pending' };
    events.emit('attempt.start', { exchange, attempt });
    assert.equal(stats.inFlight(slow), 1);
    attempt.firstByteAt = now + 50 * i;
    attempt.endedAt = now + 100 * i;
    attempt.outcome = 'success';
    events.emit('attempt.end', { exchange, attempt });
    events.emit('attempt.end', { exchange, attempt }); // a duplicate end must not go negative
  }
  assert.equal(stats.inFlight(slow), 0);
  assert.equal(stats.percentile(slow, 50), 500);
  assert.equal(stats.percentile(slow, 95), 1000);
  assert.equal(stats.percentile(slow, 95, 'ttft'), 500);
  assert.equal(stats.percentile(fast, 95), undefined);
  now += 61_000;
  assert.equal(stats.percentile(slow, 95), undefined, 'samples leave the sliding window');
  off();
  events.emit('attempt.start', { exchange, attempt: { target: fast, startedAt: now, outcome: 'pending' } });
  assert.equal(stats.inFlight(fast), 0, 'detached');
});

test('failures other than timeouts are not latency samples', () => {
  const stats = new RoutingStats({ now: () => 0 });
  stats.attemptEnded({ target: fast, startedAt: 0, endedAt: 5, outcome: 'failure', failureKind: 'server_error' });
  assert.equal(stats.percentile(fast, 50), undefined);
  stats.attemptEnded({ target: fast, startedAt: 0, endedAt: 30_000, outcome: 'failure', failureKind: 'timeout' });
  assert.equal(stats.percentile(fast, 50), 30_000);
});

test('parseLatencyWindow', () => {
  assert.equal(parseLatencyWindow('5m'), 300_000);
  assert.equal(parseLatencyWindow('30s'), 30_000);
  assert.equal(parseLatencyWindow(250), 250);
  assert.throws(() => parseLatencyWindow('soon'), /duration/);
});

test('a target keeps its newest maxSamples samples, and samples older than the window leave as time passes', () => {
  let now = 0;
  const stats = new RoutingStats({ now: () => now, windowMs: 1_000, maxSamples: 4 });
  for (let i = 1; i <= 10; i++) stats.record(fast, i * 10, undefined, (now = i));
  assert.equal(stats.percentile(fast, 1), 70, 'samples 70..100 kept');
  assert.equal(stats.percentile(fast, 100), 100);
  now = 1_008; // samples at 7 and 8 are out of the window
  assert.equal(stats.percentile(fast, 1), 90);
  stats.record(fast, 5, undefined, now);
  assert.equal(stats.percentile(fast, 1), 5);
  assert.equal(stats.percentile(fast, 100), 100);
});
