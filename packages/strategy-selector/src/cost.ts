import type { PlannedTarget, Target } from '@switchyard/core';

/** Live data {@link costStrategy} uses. */
export interface CostContext {
  /** Estimated USD cost of this request on a target; null when its price is unknown. */
  costOf: (target: Target) => number | null;
  /** Drop targets whose estimated cost is above this (and those with unknown price). Defaults to no ceiling. */
  maxCostUsd?: number;
}

const fmt = (usd: number) => `$${usd.toPrecision(3)}`;

/**
 * Cheapest first, by catalog price and estimated tokens. Targets with no known price are never
 * treated as free: they come last, and a cost ceiling drops them.
 * @example costStrategy(candidates, { costOf: (t) => catalog.cost(t.provider, t.model, tokens), maxCostUsd: 0.05 })
 */
export function costStrategy(candidates: readonly Target[], context: CostContext): PlannedTarget[] {
  const priced = candidates.map((t, i) => ({ t, i, usd: context.costOf(t) }));
  const max = context.maxCostUsd;
  const kept = max === undefined ? priced : priced.filter((p) => p.usd !== null && p.usd <= max);
  kept.sort((a, b) => {
    if (a.usd === null || b.usd === null) return a.usd === null ? (b.usd === null ? a.i - b.i : 1) : -1;
    return a.usd - b.usd || a.i - b.i;
  });
  return kept.map((p, rank) => ({
    ...p.t,
    reason:
      p.usd === null
        ? 'cost: price unknown, tried after priced targets'
        : `cost: ~${fmt(p.usd)} estimated, rank ${rank + 1}${max !== undefined ? ` (ceiling ${fmt(max)})` : ''}`,
  }));
}
