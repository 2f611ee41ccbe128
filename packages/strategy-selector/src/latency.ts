import type { PlannedTarget, Target } from '@switchyard/core';

/** Live data {@link latencyStrategy} uses. */
export interface LatencyContext {
  /** The measured percentile for a target in ms, or undefined when it has no recent measurement. */
  latencyOf: (target: Target) => number | undefined;
  /** Label for reasons (`p95 latency over 5m`). Defaults to `latency`. */
  label?: string;
  /** Drop targets measured slower than this. Unmeasured targets are kept. Defaults to no ceiling. */
  maxLatencyMs?: number;
}

/**
 * Fastest first by a measured percentile (latency or time to first token) over a sliding window.
 * Targets with no recent measurement go first so they get measured (otherwise a provider
 * that was slow once would never be tried again); measured targets follow, fastest first.
 * @example latencyStrategy(candidates, { latencyOf: (t) => stats.percentile(t, 95, 'latency') })
 */
export function latencyStrategy(candidates: readonly Target[], context: LatencyContext): PlannedTarget[] {
  const label = context.label ?? 'latency';
  const measured = candidates.map((t, i) => ({ t, i, ms: context.latencyOf(t) }));
  const max = context.maxLatencyMs;
  const kept = max === undefined ? measured : measured.filter((m) => m.ms === undefined || m.ms <= max);
  kept.sort((a, b) => {
    if (a.ms === undefined || b.ms === undefined) return a.ms === undefined ? (b.ms === undefined ? a.i - b.i : -1) : 1;
    return a.ms - b.ms || a.i - b.i;
  });
  return kept.map((m) => ({
    ...m.t,
    reason: m.ms === undefined ? `${label}: no recent measurement, explored` : `${label}: ${Math.round(m.ms)} ms`,
  }));
}
