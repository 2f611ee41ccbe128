import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Target } from '@switchyard/core';
import { failoverHedgeOption, failoverTimeoutOptions, REASONING_TIMEOUTS } from './config.js';
import { HedgeState, resolveHedge } from './hedge.js';
import { deadlinesFor, parseTimeoutsHeader } from './deadlines.js';
import { resolveOptions, DEFAULT_TIMEOUTS } from './options.js';

const t = (provider: string, model: string): Target => ({ provider, model });

describe('deadlines from the config', () => {
  it("global, then a reasoning model's defaults, then the provider's block, then the model's", () => {
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
    const base = resolveOptions({
      adapters: new Map(),
      transport: {
        request: async () => {
          throw new Error('unused');
        },
      } as never,
    }).timeouts;
    assert.deepEqual(base, DEFAULT_TIMEOUTS);
    const d = deadlinesFor(base, { firstTokenMs: 180_000 }, parseTimeoutsHeader('first_token=5s, idle=1m, connect=0'));
    assert.equal(d.firstTokenMs, 5000);
    assert.equal(d.idleMs, DEFAULT_TIMEOUTS.idleMs, 'a longer idle from the client is ignored');
    assert.equal(d.connectMs, DEFAULT_TIMEOUTS.connectMs, '0 does not lift a deadline');
    assert.throws(
      () => parseTimeoutsHeader('first_token=soon'),
      (err: { status?: number }) => err.status === 400,
    );
    assert.throws(
      () => parseTimeoutsHeader('forever=1s'),
      (err: { status?: number }) => err.status === 400,
    );
  });
});

describe('hedging', () => {
  it("after: fixed ms, or a percentile of the target's observed first tokens once it has enough of them", () => {
    assert.equal(new HedgeState(resolveHedge({ after: 250 })!, () => 0).delayFor('t'), 250);
    const p90 = new HedgeState(resolveHedge({ after: 'p90', minSamples: 10 })!, () => 0);
    for (let i = 1; i <= 9; i++) p90.observe('t', i * 100);
    assert.equal(p90.delayFor('t'), undefined, 'too few samples: no hedge');
    p90.observe('t', 1000);
    assert.equal(p90.delayFor('t'), 900);
    assert.throws(() => resolveHedge({ after: 'fast' as never }), TypeError);
    assert.deepEqual(failoverHedgeOption({ hedge_after: '2s', hedge_budget: 0.1 }), { after: 2000, budget: 0.1 });
    assert.deepEqual(failoverHedgeOption({ hedge_after: 'p95', hedge_budget: 0.2 }), { after: 'p95', budget: 0.2 });
    assert.equal(failoverHedgeOption({ hedge_after: null, hedge_budget: 0.1 }), undefined);
  });

  it("the budget: at most the share of the last minute's upstream requests (and minPerMinute), then none until it slides", () => {
    let now = 0;
    const state = new HedgeState(resolveHedge({ after: 100, budget: 0.1, minPerMinute: 1 })!, () => now);
    for (let i = 0; i < 30; i++) state.counted();
    assert.equal(state.take(), true);
    assert.equal(state.take(), true);
    assert.equal(state.take(), true);
    assert.equal(state.take(), false, '3 hedges for 30 requests is the 10 %');
    now = 61_000;
    assert.equal(state.take(), true, 'a minute later the window has slid (minPerMinute)');
    assert.equal(state.take(), false);
  });
});
