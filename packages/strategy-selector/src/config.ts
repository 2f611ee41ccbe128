/**
 * The convict fragment of the `routing:` section (what strategy selection and model mapping read;
 * the gateway nests failover's fragment beside it) and its translation into
 * {@link strategySelector} and {@link RoutingStats} options.
 * @module
 */
import { parseDuration } from '@switchyard/core';
import { validateRoutingSettings } from './routing-settings.js';
import { validateRules } from './rules.js';
import type { LatencyMetric } from './stats.js';
import { normalizeStrategy, STRATEGY_SPELLINGS } from './strategy.js';
import type { StrategySelectorOptions } from './strategy-selector.js';

/** The validated `routing:` section's selection keys, as convict returns them. */
export interface StrategySelectorConfig {
  strategy: string;
  providers: Array<{ name: string; priority?: number; weight?: number }>;
  /** Model (or model prefix) -> provider name; `default` catches unknown models. */
  model_routes: Record<string, string>;
  latency: { window: number | string; percentile: number; metric: LatencyMetric };
  /**
   * The `rules` strategy's rules, first match wins; a request no rule matches takes the priority
   * order. (The per-key `default` has no key of its own here, `default` being convict's word: end
   * the list with a rule whose `when` is `{ and: [] }`, which matches every request.)
   */
  rules: unknown[];
  /** Targets whose estimated cost is above this many USD are skipped; null: no cap. */
  max_cost_per_request: number | null;
}

/** The convict format of `routing.strategy`. */
export function strategyName(value: unknown): void {
  if (!normalizeStrategy(value)) throw new Error(`must be one of ${STRATEGY_SPELLINGS.join(', ')}; got ${JSON.stringify(value)?.slice(0, 64)}`);
}

/** The convict format of `routing.providers`: `[{ name, priority?, weight? }]`. */
export function routingProviders(list: unknown): void {
  if (!Array.isArray(list)) throw new Error('must be a list');
  list.forEach((p: unknown, i) => {
    const entry = p as Record<string, unknown> | null;
    if (!entry || typeof entry !== 'object' || typeof entry.name !== 'string') throw new Error(`[${i}].name: is required`);
    for (const f of ['priority', 'weight'] as const) {
      const v = entry[f];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new Error(`[${i}].${f}: must be a number >= 0`);
    }
  });
}

/** The convict format of `routing.rules`: `[{ name?, when, targets?, strategy? }]`. */
export function routingRules(value: unknown): void {
  validateRules(value, 'rules');
}

/** The convict format of `routing.latency.percentile`. */
export function percentile(value: unknown): void {
  if (typeof value !== 'number' || !(value > 0 && value <= 100)) throw new Error('must be a number in (0, 100]');
}

/**
 * The convict schema fragment of the `routing:` section's selection keys (snake_case as in the
 * config file; one environment variable per scalar, `<prefix>_<KEY>`). Uses core's named formats
 * (`object`, `sy-duration`, `sy-usd`): call core's `registerConfigFormats(convict)` once before loading.
 * @example registerConfigFormats(convict); const config = convict({ routing: strategySelectorConfigSchema('MYAPP_ROUTING') });
 */
export function strategySelectorConfigSchema(prefix = 'SWITCHYARD_ROUTING') {
  return {
    strategy: { doc: 'Default routing strategy.', format: strategyName, default: 'priority', env: `${prefix}_STRATEGY` },
    providers: {
      doc: 'Provider order and weights: [{ name, priority, weight }].',
      format: routingProviders,
      default: [] as StrategySelectorConfig['providers'],
    },
    model_routes: { doc: 'Model name to provider, with a `default`.', format: 'object', default: {} as Record<string, string> },
    rules: {
      doc: "The rules strategy's rules, first match wins: [{ name, when, targets, strategy }]. No match: the priority order (a last rule with when: { and: [] } catches the rest).",
      format: routingRules,
      default: [] as unknown[],
    },
    max_cost_per_request: {
      doc: 'Skip targets whose estimated cost (catalog prices, prompt and max_tokens) is above this many USD. Unset: no cap.',
      format: 'sy-usd',
      default: null as number | null,
      nullable: true,
      env: `${prefix}_MAX_COST_PER_REQUEST`,
    },
    latency: {
      window: { doc: "Window of the latency strategy's measurements.", format: 'sy-duration', default: '5m', env: `${prefix}_LATENCY_WINDOW` },
      percentile: { doc: 'Percentile the latency strategy compares.', format: percentile, default: 95, env: `${prefix}_LATENCY_PERCENTILE` },
      metric: {
        doc: 'What the latency strategy measures: whole latency or time to first token.',
        format: ['latency', 'ttft'],
        default: 'latency',
        env: `${prefix}_LATENCY_METRIC`,
      },
    },
  } as const;
}

/**
 * Turn the `routing:` section into {@link strategySelector} options (add the catalog, stats and
 * store your app has); throws a TypeError naming the bad field under `path`.
 * @example strategySelector({ ...strategySelectorOptionsFromConfig(config.get('routing')), catalog, stats })
 */
export function strategySelectorOptionsFromConfig(config: StrategySelectorConfig, path = 'routing'): Required<Pick<StrategySelectorOptions, 'routing'>> {
  const routing = {
    strategy: config.strategy,
    providers: config.providers,
    latency: config.latency,
    ...(config.rules?.length ? { rules: config.rules } : {}),
    ...(config.max_cost_per_request != null ? { max_cost_per_request: config.max_cost_per_request } : {}),
  };
  validateRoutingSettings(routing, path);
  return { routing };
}

/**
 * The `routing.latency` window as {@link RoutingStats} options.
 * @example new RoutingStats({ ...routingStatsOptionsFromConfig(config.get('routing')), now })
 */
export function routingStatsOptionsFromConfig(config: Pick<StrategySelectorConfig, 'latency'>, path = 'routing'): { windowMs: number } {
  return { windowMs: parseDuration(config.latency.window, { path: `${path}.latency.window`, min: 1 }) };
}
