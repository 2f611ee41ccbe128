import type { PlannedTarget, Target } from '@switchyard/core';
import { planned } from './strategy.js';

/** Live data {@link roundRobinStrategy} uses. */
export interface RoundRobinContext {
  /** A counter that grows by one per request (shared across instances through the store). */
  cursor: number;
}

/**
 * Round-robin: request n starts at candidate n mod N and fails over to the ones after it.
 * @example roundRobinStrategy(candidates, { cursor: 7 })
 */
export function roundRobinStrategy(candidates: readonly Target[], context: RoundRobinContext): PlannedTarget[] {
  const n = candidates.length;
  if (n === 0) return [];
  const start = ((Math.trunc(context.cursor) % n) + n) % n;
  const out: PlannedTarget[] = [];
  for (let i = 0; i < n; i++) {
    const t = candidates[(start + i) % n]!;
    out.push(planned(t, i === 0 ? `round-robin: turn ${start + 1} of ${n}` : `round-robin: next in rotation (${i + 1} of ${n})`));
  }
  return out;
}
