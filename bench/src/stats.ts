/** Percentiles over raw samples, nearest-rank. */

/**
 * The q-quantile (0 < q ≤ 1) of `samples` by the nearest-rank method; NaN when empty.
 * Sorts a copy, so callers may keep appending to theirs.
 * @example
 * percentile([3, 1, 2], 0.5); // 2
 */
export function percentile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** A least-squares line through samples, with the standard error of its slope. */
export interface Trend {
  /** Units of y per unit of x. */
  slope: number;
  /** Standard error of the slope; NaN with fewer than 3 points. */
  slopeError: number;
  points: number;
}

/**
 * Fits y = a + b·x by least squares and returns b and its standard error, so a caller can tell
 * a slope from noise (b more than a few standard errors away from 0).
 * @example
 * trend([0, 1, 2], [10, 12, 14]).slope; // 2
 */
export function trend(xs: readonly number[], ys: readonly number[]): Trend {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return { slope: Number.NaN, slopeError: Number.NaN, points: n };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] / n;
    my += ys[i] / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN;
  if (n < 3 || !(sxx > 0)) return { slope, slopeError: Number.NaN, points: n };
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i] - (my + slope * (xs[i] - mx))) ** 2;
  return { slope, slopeError: Math.sqrt(sse / (n - 2) / sxx), points: n };
}
