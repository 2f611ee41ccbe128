import type { PlannedTarget, Target } from '@switchyard/core';
import { planned, weightedOrder, weightOf } from './strategy.js';

/** Live data {@link priorityStrategy} uses. */
export interface PriorityContext {
  /** Uniform random number in [0, 1). */
  random: () => number;
}

/**
 * Priority / fallback chain: lowest `priority` first (missing counts as 0); inside one
 * priority level, order is a weighted draw so weights split the traffic of that level.
 * @example priorityStrategy([{ provider: 'a', model: 'm', priority: 1 }, { provider: 'b', model: 'm', priority: 0 }], { random: Math.random })[0].provider // 'b'
 */
export function priorityStrategy(candidates: readonly Target[], context: PriorityContext): PlannedTarget[] {
  const levels = new Map<number, Target[]>();
  for (const t of candidates) {
    const p = t.priority ?? 0;
    const level = levels.get(p);
    if (level) level.push(t);
    else levels.set(p, [t]);
  }
  const out: PlannedTarget[] = [];
  for (const p of [...levels.keys()].sort((a, b) => a - b)) {
    const level = levels.get(p)!;
    if (level.length === 1) {
      out.push(planned(level[0]!, `priority ${p}`));
      continue;
    }
    const total = level.reduce((s, t) => s + weightOf(t), 0);
    weightedOrder(level, context.random).forEach((t, i) => {
      out.push(planned(t, `priority ${p}, weight ${weightOf(t)}/${total}, drawn ${i + 1} of ${level.length}`));
    });
  }
  return out;
}
