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

// Two-sided 95% quantiles of Student's t for 1-10 degrees of freedom (the printed table); from
// 11 on, the Cornish-Fisher expansion below is within 0.001 of the exact value.
const T975_SMALL = [Number.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
const Z975 = 1.959964;

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom (half-width factor of a
 * two-sided 95% interval); NaN when df < 1.
 * @example
 * t975(10); // ≈ 2.228
 */
export function t975(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  if (df < T975_SMALL.length) return T975_SMALL[Math.floor(df)];
  const z = Z975;
  return (
    z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3)
  );
}

/** A slope with its 95% interval, and whether it says "not growing". */
export interface SlopeVerdict extends Trend {
  /** Bounds of the slope's two-sided 95% interval (slope ± t(n-2) · standard error). */
  low: number;
  high: number;
  /** Slope at or below which growth is called noise, whatever the interval says. */
  floor: number;
  /** The interval reaches 0 (or below), or the slope is at or below the floor; false with fewer than 3 points. */
  flat: boolean;
}

/**
 * Fits a line through (xs, ys) and calls it flat when its slope's 95% interval contains 0 (or
 * lies below it: shrinking is not growing), or when the slope is at or below `floor`, the
 * smallest growth the caller counts as real.
 * @example
 * slopeVerdict([0, 1, 2, 3], [5, 5.1, 4.9, 5], 0.5).flat; // true
 */
export function slopeVerdict(xs: readonly number[], ys: readonly number[], floor: number): SlopeVerdict {
  const t = trend(xs, ys);
  const half = t975(t.points - 2) * t.slopeError;
  const low = t.slope - half;
  const high = t.slope + half;
  const flat = t.points >= 3 && (low <= 0 || t.slope <= floor);
  return { ...t, low, high, floor, flat };
}
