import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBytes, parseDuration } from './duration.js';

test('parseDuration reads every unit, plain ms, and names the path in errors', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration(' 5m '), 300_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration(1200), 1200);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('0', { path: 'routing.latency.window', min: 1 }), /^TypeError: routing\.latency\.window: must be longer than 0$/);
  assert.throws(() => parseDuration('soon', { path: 'server.shutdown_timeout' }), /server\.shutdown_timeout: must be a duration/);
  assert.throws(() => parseDuration(-5), /must be at least 0/);
  assert.throws(() => parseDuration(Infinity), /must be a duration/);
  assert.throws(() => parseDuration('500d', { max: 400 * 86_400_000 }), /at most/);
});

test('parseBytes reads sizes and refuses zero, negatives and junk', () => {
  assert.equal(parseBytes('10mb'), 10 * 1024 * 1024);
  assert.equal(parseBytes('512KB'), 512 * 1024);
  assert.equal(parseBytes(100), 100);
  for (const bad of [0, -1, '0kb', 'lots', 1.5])
    assert.throws(() => parseBytes(bad, { path: 'server.body_limit' }), /server\.body_limit: must be a size/, String(bad));
});
