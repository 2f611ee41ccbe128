import type { PlannedTarget, Target } from '@switchyard/core';
import { planned } from './strategy.js';

/** Live data {@link leastBusyStrategy} uses. */
export interface LeastBusyContext {
  /** Requests in flight to a target right now. */
  inFlightOf: (target: Target) => number;
}

/**
 * Fewest requests in flight first; ties keep the candidates' order.
 * @example leastBusyStrategy(candidates, { inFlightOf: (t) => stats.inFlight(t) })
 */
export function leastBusyStrategy(candidates: readonly Target[], context: LeastBusyContext): PlannedTarget[] {
  return candidates
    .map((t, i) => ({ t, i, n: context.inFlightOf(t) }))
    .sort((a, b) => a.n - b.n || a.i - b.i)
    .map(({ t, n }) => planned(t, `least-busy: ${n} in flight`));
}
