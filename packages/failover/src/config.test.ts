import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Target } from '@switchyard/core';
import { failoverTimeoutOptions, REASONING_TIMEOUTS } from './config.js';
import { deadlinesFor, parseTimeoutsHeader } from './deadlines.js';
import { resolveOptions, DEFAULT_TIMEOUTS } from './options.js';

const t = (provider: string, model: string): Target => ({ provider, model });

describe('deadlines from the config', () => {
  it('global, then a reasoning model\'s defaults, then the provider\'s block, then the model\'s', () => {
    const { timeouts, targetTimeouts } = failoverTimeoutOptions(
      { timeouts: { connect: '2s', idle: null }, model_timeouts: { 'o3-mini': { first_token: '4m' }, 'p/special': { idle: '1s' } } },
      { providers: [{ name: 'p', timeouts: { first_token: '45s' } }, { name: 'q' }], reasoning: (x) => x.model.startsWith('o3'), totalMs: 300_000 },
    );
    assert.deepEqual(timeouts, { connectMs: 2000, totalMs: 300_000 });
    assert.equal(targetTimeouts!(t('q', 'gpt-4o')), undefined);
    assert.deepEqual(targetTimeouts!(t('q', 'o3')), REASONING_TIMEOUTS);
    assert.deepEqual(targetTimeouts!(t('p', 'o3')), { ...REASONING_TIMEOUTS, firstTokenMs: 45_000 });
    assert.deepEqual(targetTimeouts!(t('p', 'o3-mini')), { ...REASONING_TIMEOUTS, firstTokenMs: 240_000 });
    assert.deepEqual(targetTimeouts!(t('p', 'special')), { firstTokenMs: 45_000, idleMs: 1000 });
  });

  it('a deadline the config sets globally is not lifted for reasoning models', () => {
    const { targetTimeouts } = failoverTimeoutOptions({ timeouts: { first_token: '2s' }, model_timeouts: {} }, { providers: [], reasoning: () => true });
    assert.deepEqual(targetTimeouts!(t('a', 'o3')), { responseMs: REASONING_TIMEOUTS.responseMs });
  });

  it('the client narrows, never widens', () => {
    const base = resolveOptions({ adapters: new Map(), transport: { request: async () => { throw new Error('unused'); } } as never }).timeouts;
    assert.deepEqual(base, DEFAULT_TIMEOUTS);
    const d = deadlinesFor(base, { firstTokenMs: 180_000 }, parseTimeoutsHeader('first_token=5s, idle=1m, connect=0'));
    assert.equal(d.firstTokenMs, 5000);
    assert.equal(d.idleMs, DEFAULT_TIMEOUTS.idleMs, 'a longer idle from the client is ignored');
    assert.equal(d.connectMs, DEFAULT_TIMEOUTS.connectMs, '0 does not lift a deadline');
    assert.throws(() => parseTimeoutsHeader('first_token=soon'), (err: { status?: number }) => err.status === 400);
    assert.throws(() => parseTimeoutsHeader('forever=1s'), (err: { status?: number }) => err.status === 400);
  });
});
