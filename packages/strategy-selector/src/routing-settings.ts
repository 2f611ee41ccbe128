import type { Target } from '@switchyard/core';
import { validateRules, validateTargets, type RoutingRule } from './rules.js';
import { parseLatencyWindow, type LatencyMetric } from './stats.js';
import { normalizeStrategy, type StrategyName } from './strategy.js';

/** Routing settings after validation: a key's RoutingConfig or the gateway's `routing` section. */
export interface RoutingSettings {
  strategy?: StrategyName;
  /** A key's own targets (replace the candidates: the model field becomes a hint). */
  targets?: Target[];
  /** `routing.providers` of the gateway config (used when model-mapping is not mounted). */
  providers?: Array<{ name: string; priority?: number; weight?: number }>;
  rules?: RoutingRule[];
  /** What the `rules` strategy does when no rule matches. */
  default?: { targets?: Array<string | Target>; strategy?: string };
  maxCostPerRequest?: number;
  latency?: { percentile: number; windowMs: number; metric: LatencyMetric };
}

function fail(path: string, why: string): never {
  throw new TypeError(`${path} ${why}`);
}

/**
 * Validate routing settings in the config's spelling (`strategy`, `targets`, `rules`, `default`,
 * `max_cost_per_request`, `latency: { window, percentile, metric }`, `providers`), throwing a
 * TypeError naming the first bad field. Unknown fields (failover, model_routes) are left to
 * the pieces that own them.
 * @example validateRoutingSettings({ strategy: 'latency', latency: { window: '5m', percentile: 95 } })
 */
export function validateRoutingSettings(raw: unknown, path = 'routing'): RoutingSettings {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(path, 'must be an object');
  const r = raw as Record<string, unknown>;
  const out: RoutingSettings = {};
  if (r.active !== undefined && typeof r.active !== 'boolean') fail(`${path}.active`, 'must be a boolean');
  if (r.strategy !== undefined) {
    const s = normalizeStrategy(r.strategy);
    if (!s) fail(`${path}.strategy`, 'must be one of priority, fallback, weighted, round-robin, cost, latency, least-busy, rules, model');
    out.strategy = s;
  }
  if (r.targets !== undefined) {
    validateTargets(r.targets, `${path}.targets`);
    (r.targets as unknown[]).forEach((t, i) => {
      if (typeof t === 'string') return;
      const o = t as Record<string, unknown>;
      for (const f of ['priority', 'weight'] as const) {
        if (o[f] !== undefined && (typeof o[f] !== 'number' || !Number.isFinite(o[f]) || (f === 'weight' && (o[f] as number) < 0))) {
          fail(`${path}.targets[${i}].${f}`, f === 'weight' ? 'must be a number >= 0' : 'must be a number');
        }
      }
    });
    out.targets = (r.targets as Array<string | Target>).map((t) => (typeof t === 'string' ? { provider: t, model: '' } : { ...t, model: t.model ?? '' }));
  }
  if (r.providers !== undefined) {
    if (!Array.isArray(r.providers)) fail(`${path}.providers`, 'must be an array');
    out.providers = r.providers.map((p, i) => {
      if (!p || typeof p !== 'object' || typeof (p as { name?: unknown }).name !== 'string') fail(`${path}.providers[${i}].name`, 'must be a string');
      const o = p as { name: string; priority?: unknown; weight?: unknown };
      if (o.priority !== undefined && typeof o.priority !== 'number') fail(`${path}.providers[${i}].priority`, 'must be a number');
      if (o.weight !== undefined && (typeof o.weight !== 'number' || o.weight < 0)) fail(`${path}.providers[${i}].weight`, 'must be a number >= 0');
      return { name: o.name, priority: o.priority as number | undefined, weight: o.weight as number | undefined };
    });
  }
  if (r.rules !== undefined) out.rules = validateRules(r.rules, `${path}.rules`);
  if (r.default !== undefined) {
    const d = r.default;
    if (typeof d === 'string') {
      if (!normalizeStrategy(d) || normalizeStrategy(d) === 'rules')
        fail(`${path}.default`, 'must be a strategy name other than rules, or { targets, strategy }');
      out.default = { strategy: d };
    } else if (d && typeof d === 'object' && !Array.isArray(d)) {
      const o = d as Record<string, unknown>;
      if (o.targets !== undefined) validateTargets(o.targets, `${path}.default.targets`);
      if (o.strategy !== undefined && (!normalizeStrategy(o.strategy) || normalizeStrategy(o.strategy) === 'rules'))
        fail(`${path}.default.strategy`, 'must be a strategy name other than rules');
      out.default = { targets: o.targets as Array<string | Target> | undefined, strategy: o.strategy as string | undefined };
    } else {
      fail(`${path}.default`, 'must be a strategy name or { targets, strategy }');
    }
  }
  const maxCost = r.max_cost_per_request ?? r.maxCostPerRequest;
  if (maxCost !== undefined) {
    if (typeof maxCost !== 'number' || !(maxCost > 0)) fail(`${path}.max_cost_per_request`, 'must be a number > 0');
    out.maxCostPerRequest = maxCost;
  }
  if (r.latency !== undefined) {
    const l = r.latency as Record<string, unknown>;
    if (!l || typeof l !== 'object') fail(`${path}.latency`, 'must be an object');
    const percentile = l.percentile ?? 95;
    if (typeof percentile !== 'number' || !(percentile > 0 && percentile <= 100)) fail(`${path}.latency.percentile`, 'must be a number in (0, 100]');
    const metric = l.metric ?? 'latency';
    if (metric !== 'latency' && metric !== 'ttft') fail(`${path}.latency.metric`, 'must be latency or ttft');
    out.latency = { percentile, metric, windowMs: l.window === undefined ? 300_000 : parseLatencyWindow(l.window, `${path}.latency.window`) };
  }
  return out;
}
