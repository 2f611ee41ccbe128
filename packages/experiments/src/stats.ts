/**
 * The statistics experiments report with: running means, Wilson and Student-t intervals, the
 * two-proportion z-test for rates and Welch's t-test for means. Plain numbers in and out.
 * @module
 */

/** Count, mean and variance of a stream of numbers (Welford's method: one pass, stable). */
export class RunningMean {
  count = 0;
  mean = 0;
  #m2 = 0;

  add(value: number): void {
    this.count += 1;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.#m2 += delta * (value - this.mean);
  }

  /** The same figures from a count, a sum and a sum of squares (e.g. a SQL aggregate). */
  static fromSums(count: number, sum: number, sumSquares: number): RunningMean {
    const r = new RunningMean();
    if (count > 0) {
      r.count = count;
      r.mean = sum / count;
      r.#m2 = Math.max(0, sumSquares - (sum * sum) / count);
    }
    return r;
  }

  /** Sample variance (n − 1); 0 below two values. */
  get variance(): number {
    return this.count > 1 ? this.#m2 / (this.count - 1) : 0;
  }
}

/** A two-sided interval. */
export interface Interval {
  low: number;
  high: number;
}

/** The result of a two-sample test. */
export interface TestResult {
  /** The test: `two-proportion z-test` or `Welch's t-test`. */
  method: string;
  /** z or t. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Welch–Satterthwaite degrees of freedom (t-test only). */
  df?: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta function (Numerical Recipes `betacf`). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const aa of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + aa * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-12) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t value with two-sided tail probability `alpha` (bisection on the CDF). */
export function studentQuantile(alpha: number, df: number): number {
  let low = 0;
  let high = 1000;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (studentTwoSidedP(mid, df) > alpha) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * Confidence interval of a mean (Student t, `level` two-sided). Undefined below two samples.
 * @example meanInterval(stats, 0.95)
 */
export function meanInterval(sample: { count: number; mean: number; variance: number }, level = 0.95): Interval | undefined {
  if (sample.count < 2) return undefined;
  const half = studentQuantile(1 - level, sample.count - 1) * Math.sqrt(sample.variance / sample.count);
  return { low: sample.mean - half, high: sample.mean + half };
}

/** Wilson score interval of a proportion `successes / n` (z of the two-sided `level`). */
export function proportionInterval(successes: number, n: number, level = 0.95): Interval | undefined {
  if (n === 0) return undefined;
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Inverse standard normal CDF (bisection; plenty for confidence levels). */
export function normalQuantile(p: number): number {
  let low = -10;
  let high = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * Two-proportion z-test with the pooled proportion: is `s1/n1` different from `s2/n2`?
 * @example twoProportionTest(90, 100, 70, 100).pValue < 0.05
 */
export function twoProportionTest(s1: number, n1: number, s2: number, n2: number): TestResult {
  const method = 'two-proportion z-test';
  if (n1 === 0 || n2 === 0) return { method, statistic: 0, pValue: 1 };
  const pooled = (s1 + s2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { method, statistic: 0, pValue: 1 };
  const z = (s1 / n1 - s2 / n2) / se;
  return { method, statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

/**
 * Welch's unequal-variances t-test: is the mean of sample a different from that of b?
 * @example welchTest(a, b).pValue < 0.05
 */
export function welchTest(a: { count: number; mean: number; variance: number }, b: { count: number; mean: number; variance: number }): TestResult {
  const method = "Welch's t-test";
  if (a.count < 2 || b.count < 2) return { method, statistic: 0, pValue: 1 };
  const va = a.variance / a.count;
  const vb = b.variance / b.count;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { method, statistic: 0, pValue: a.mean === b.mean ? 1 : 0, df: a.count + b.count - 2 };
  const t = (a.mean - b.mean) / se;
  const df = (va + vb) ** 2 / (va ** 2 / (a.count - 1) + vb ** 2 / (b.count - 1));
  return { method, statistic: t, pValue: studentTwoSidedP(t, df), df };
}

/** The `q` quantile (0..1) of values, by nearest rank; undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
