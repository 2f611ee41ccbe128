import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanInterval, normalCdf, proportionInterval, RunningMean, studentTwoSidedP, twoProportionTest, welchTest } from './stats.js';

const close = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

test('normal and Student-t tails match published tables', () => {
  close(normalCdf(1.959964), 0.975, 1e-6);
  close(normalCdf(-1.644854), 0.05, 1e-6);
  close(studentTwoSidedP(2.228, 10), 0.05, 1e-3); // t(0.975, 10) = 2.228
  close(studentTwoSidedP(1.96, 1e6), 0.05, 1e-3);
});

test('two-proportion z-test: 90/100 vs 70/100 is significant, 52/100 vs 50/100 is not', () => {
  const strong = twoProportionTest(90, 100, 70, 100);
  close(strong.statistic, 3.536, 1e-3); // pooled p = 0.8, se = sqrt(0.8*0.2*0.02)
  assert.ok(strong.pValue < 0.001);
  assert.ok(twoProportionTest(52, 100, 50, 100).pValue > 0.5);
  assert.equal(twoProportionTest(0, 0, 1, 2).pValue, 1);
});

test("Welch's t-test and Welford's running mean agree with a hand computation", () => {
  const a = new RunningMean();
  const b = new RunningMean();
  for (const v of [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]) a.add(v);
  for (const v of [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]) b.add(v);
  const result = welchTest(a, b);
  close(result.statistic, -2.46, 0.01); // the worked example of Welch's test on Wikipedia
  close(result.df!, 24.988, 0.01);
  close(result.pValue, 0.021, 0.001);
});

test('intervals: Wilson for rates, Student t for means', () => {
  const wilson = proportionInterval(8, 10)!;
  close(wilson.low, 0.4902, 1e-3);
  close(wilson.high, 0.9433, 1e-3);
  const interval = meanInterval({ count: 11, mean: 0, variance: 11 })!; // se = 1, t(0.975, 10) = 2.228
  close(interval.high, 2.228, 1e-3);
  assert.equal(meanInterval({ count: 1, mean: 1, variance: 0 }), undefined);
});
