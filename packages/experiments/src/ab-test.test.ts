import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seeded } from '@switchyard/core/testing';
import { AbTest, type ExperimentDefinition } from './ab-test.js';

const definition: ExperimentDefinition = {
  id: 'mini-vs-sonnet',
  match: { models: ['fast'] },
  arms: [
    { name: 'control', provider: 'openai', model: 'gpt-4o-mini', share: 50 },
    { name: 'candidate', provider: 'anthropic', model: 'claude-sonnet-4-5', share: 50 },
  ],
  minSamples: 200,
};

test('a better arm is named the winner only once both arms have the minimum sample, and then only because it is significant', () => {
  const ab = new AbTest(definition, { minSamples: 100, alpha: 0.05 });
  const random = seeded(42);
  const success = { control: 0.8, candidate: 0.93 }; // the simulated truth
  const verdicts: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const arm = ab.assign(undefined, random);
    ab.record(arm.name, { success: random() < success[arm.name as 'control'], latencyMs: 200 + random() * 100 });
    if (i % 50 === 49) verdicts.push(ab.report().verdict);
  }
  const report = ab.report();
  // Below 200 requests per arm no verdict is given, however large the gap looks.
  assert.equal(verdicts[0], 'insufficient_data');
  assert.equal(
    verdicts.slice(0, 7).every((v) => v === 'insufficient_data'),
    true,
    verdicts.join(),
  );
  assert.equal(report.verdict, 'winner');
  assert.equal(report.winner, 'candidate');
  const rate = report.comparisons.find((c) => c.metric === 'success_rate')!;
  assert.equal(rate.method, 'two-proportion z-test');
  assert.ok(rate.significant && rate.pValue < 0.05);
  // Latency is the same distribution in both arms: not called significant.
  assert.equal(report.comparisons.find((c) => c.metric === 'latency')!.significant, false);
  const [control, candidate] = report.arms;
  assert.ok(control!.requests >= 200 && candidate!.requests >= 200);
  assert.ok(candidate!.successRateCi95!.low > 0.85 && control!.successRateCi95!.high < 0.87);
  assert.ok(control!.latencyP50Ms! >= 200 && control!.latencyP95Ms! <= 300);
});

test('cost is averaged over answered requests: a failing arm is not called cheaper for its $0 failures', () => {
  const ab = new AbTest({ ...definition, metric: 'success_rate', minSamples: 20 }, { minSamples: 20, alpha: 0.05 });
  const random = seeded(7);
  for (let i = 0; i < 100; i++) {
    ab.record('control', { success: true, latencyMs: 100, costUsd: 0.002 + random() * 0.0004 });
    // The candidate fails nine times in ten (costing nothing); its answers cost what the control's do.
    const answered = i % 10 === 0;
    ab.record('candidate', { success: answered, latencyMs: 100, costUsd: answered ? 0.002 + random() * 0.0004 : 0 });
  }
  const [control, candidate] = ab.report().arms;
  assert.ok(Math.abs(candidate!.costPerRequestUsd! - control!.costPerRequestUsd!) < 0.0002, `${candidate!.costPerRequestUsd} vs ${control!.costPerRequestUsd}`);
  const cost = ab.report().comparisons.find((c) => c.metric === 'cost')!;
  assert.equal(cost.significant, false, 'the failures do not make the candidate significantly cheaper');
});

test('equal arms: enough samples, and no winner is named', () => {
  const ab = new AbTest({ ...definition, minSamples: 100 }, { minSamples: 100, alpha: 0.05 });
  const random = seeded(7);
  for (let i = 0; i < 2000; i++) ab.record(ab.assign(undefined, random).name, { success: random() < 0.9, latencyMs: 100 });
  const report = ab.report();
  assert.equal(report.verdict, 'no_significant_difference');
  assert.equal(report.winner, undefined);
});

test('assignment follows the shares and is sticky per user', () => {
  const ab = new AbTest(
    {
      ...definition,
      arms: [
        { ...definition.arms[0]!, share: 90 },
        { ...definition.arms[1]!, share: 10 },
      ],
    },
    { minSamples: 100, alpha: 0.05 },
  );
  const random = seeded(1);
  let candidate = 0;
  for (let i = 0; i < 10_000; i++) if (ab.assign(undefined, random).name === 'candidate') candidate += 1;
  assert.ok(candidate > 800 && candidate < 1200, String(candidate));
  const first = ab.assign('u:alice', random).name;
  for (let i = 0; i < 50; i++) assert.equal(ab.assign('u:alice', random).name, first);
  let users = 0;
  for (let i = 0; i < 2000; i++) if (ab.assign(`u:${i}`, random).name === 'candidate') users += 1;
  assert.ok(users > 120 && users < 280, String(users));
});

test('matching by model, key and metadata; bad definitions are refused with the field named', () => {
  const ab = new AbTest({ ...definition, match: { models: ['fast'], keys: ['key_1'], metadata: { team: 'search' } } }, { minSamples: 100, alpha: 0.05 });
  assert.equal(ab.matches({ model: 'fast', principalId: 'key_1', metadata: { team: 'search' } }), true);
  assert.equal(ab.matches({ model: 'fast', principalId: 'key_2', metadata: { team: 'search' } }), false);
  assert.equal(ab.matches({ model: 'fast', principalId: 'key_1' }), false);
  assert.equal(ab.matches({ model: 'smart', principalId: 'key_1', metadata: { team: 'search' } }), false);
  assert.throws(() => new AbTest({ ...definition, arms: [definition.arms[0]!] }, { minSamples: 10, alpha: 0.05 }), /arms: 2 to 10/);
  assert.throws(
    () => new AbTest({ ...definition, arms: [definition.arms[0]!, { ...definition.arms[1]!, share: 0 }] }, { minSamples: 10, alpha: 0.05 }),
    /arms\[1\]\.share/,
  );
});
