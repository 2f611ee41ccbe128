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
