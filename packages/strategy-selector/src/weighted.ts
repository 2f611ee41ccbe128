import type { PlannedTarget, Target } from '@switchyard/core';
import { weightedOrder, weightOf } from './strategy.js';

/** Live data {@link weightedStrategy} uses. */
export interface WeightedContext {
  /** Uniform random number in [0, 1). */
  random: () => number;
}

/**
 * Weighted traffic split: the first target is drawn with probability weight / total; the rest
 * follow as further draws, so a failover also respects the weights. Priorities are ignored.
 * @example weightedStrategy(candidates, { random: Math.random })
 */
export function weightedStrategy(candidates: readonly Target[], context: WeightedContext): PlannedTarget[] {
  const total = candidates.reduce((s, t) => s + weightOf(t), 0);
  return weightedOrder(candidates, context.random).map((t, i) => ({
    ...t,
    reason: i === 0 ? `weighted: drawn with weight ${weightOf(t)}/${total}` : `weighted: fallback draw ${i + 1} (weight ${weightOf(t)}/${total})`,
  }));
}
