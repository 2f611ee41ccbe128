import type { PlannedTarget, Target } from '@switchyard/core';

/**
 * A strategy orders candidates: a small pure function of the candidates and whatever live
 * data it is handed (random source, cursor, prices, latencies, in-flight counts).
 */
export type Strategy<C> = (candidates: readonly Target[], context: C) => PlannedTarget[];

/** The canonical strategy names. */
export type StrategyName = 'priority' | 'weighted' | 'round-robin' | 'cost' | 'latency' | 'least-busy' | 'rules' | 'model';

const ALIASES: Record<string, StrategyName> = {
  priority: 'priority',
  fallback: 'priority',
  weighted: 'weighted',
  round_robin: 'round-robin',
  'round-robin': 'round-robin',
  roundrobin: 'round-robin',
  cost: 'cost',
  'cost-optimized': 'cost',
  cost_optimized: 'cost',
  latency: 'latency',
  performance: 'latency',
  'least-busy': 'least-busy',
  least_busy: 'least-busy',
  rules: 'rules',
  model: 'model',
};

/**
 * The canonical name of a strategy as configs and headers spell it (`round_robin`,
 * `cost-optimized`, `performance`, `fallback`, …), or undefined when unknown.
 * @example normalizeStrategy('round_robin') // 'round-robin'
 */
export function normalizeStrategy(name: unknown): StrategyName | undefined {
  if (typeof name !== 'string') return undefined;
  return ALIASES[name.trim().toLowerCase()];
}

/** Every accepted spelling, for error messages. */
export const STRATEGY_SPELLINGS: readonly string[] = Object.keys(ALIASES);

/** `provider/model`: how plans, stats and reasons name a target. */
export function targetKey(t: Target): string {
  return `${t.provider}/${t.model}`;
}

/**
 * `t` with the reason it was placed where it is, as a new object (`{ ...t, reason }` in effect).
 * Built field by field: under load an object spread of targets cost 2 µs a call in the
 * priority strategy alone (V8's generic clone path), this costs a few dozen nanoseconds.
 * @example planned({ provider: 'a', model: 'm', priority: 1 }, 'priority 1')
 */
export function planned(t: Target, reason: string): PlannedTarget {
  const out = { provider: t.provider, model: t.model } as PlannedTarget;
  if (t.priority !== undefined) out.priority = t.priority;
  if (t.weight !== undefined) out.weight = t.weight;
  if (t.region !== undefined) out.region = t.region;
  if (t.byok !== undefined) out.byok = t.byok;
  out.reason = reason;
  return out;
}

/** Weight of a target for weighted draws; missing means 1. */
export function weightOf(t: Target): number {
  return typeof t.weight === 'number' && Number.isFinite(t.weight) && t.weight >= 0 ? t.weight : 1;
}

/**
 * Weighted draw without replacement: the first pick follows the weights exactly, and so does
 * every later pick among those left. Zero-weight targets come last, in their given order.
 * @example weightedOrder(targets, Math.random)
 */
export function weightedOrder<T extends Target>(targets: readonly T[], random: () => number): T[] {
  const pool = targets.filter((t) => weightOf(t) > 0);
  const zero = targets.filter((t) => weightOf(t) === 0);
  const out: T[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, t) => sum + weightOf(t), 0);
    let draw = random() * total;
    let index = pool.length - 1;
    for (let i = 0; i < pool.length; i++) {
      draw -= weightOf(pool[i]!);
      if (draw < 0) {
        index = i;
        break;
      }
    }
    out.push(pool.splice(index, 1)[0]!);
  }
  return [...out, ...zero];
}
