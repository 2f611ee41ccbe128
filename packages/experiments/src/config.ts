import type { ExperimentDefinition } from './ab-test.js';
import type { ExperimentsOptions } from './options.js';
import type { CanaryDefinition } from './canary.js';
import type { CategoryRoute, CategoryRule } from './categories.js';
import { parseDuration } from '@switchyard/core';
import { consensusConfigSchema, type ConsensusConfig } from './consensus/config.js';

/** The validated `experiments:` block, as convict returns it. */
export interface ExperimentsConfig {
  enabled: boolean;
  feedback: { enabled: boolean };
  min_samples: number;
  alpha: number;
  /** Experiment id -> definition (without `id`; `min_samples` as in the file). */
  tests: Record<string, Omit<ExperimentDefinition, 'id' | 'minSamples'> & { min_samples?: number }>;
  /** Canary id -> { models, baseline, candidate, steps, step_duration, min_samples, criteria: { max_error_rate, max_p95_latency_ms, quality_margin } }. */
  canaries: Record<string, CanaryConfig>;
  canary_evaluation_interval: string | number;
  /** Consensus routing (see `consensusOptionsFromConfig`). */
  consensus: ConsensusConfig;
  categories: {
    rules: CategoryRule[];
    /** Category -> { targets: [{ provider, model, max_cost, fallback_only }], quality_min, optimization }. */
    routes: Record<string, { targets: { provider: string; model: string; max_cost?: number; fallback_only?: boolean }[]; quality_min?: number; optimization?: 'ordered' | 'cost_quality_balance' }>;
  };
}

/** One `experiments.canaries.<id>` entry as written in the config file. */
export interface CanaryConfig {
  models: string[];
  baseline: { provider: string; model: string };
  candidate: { provider: string; model: string };
  steps?: number[];
  step_duration?: string | number;
  min_samples?: number;
  criteria: { max_error_rate?: number; max_p95_latency_ms?: number; quality_margin?: number };
}

function checkAlpha(value: unknown): void {
  if (typeof value !== 'number' || !(value > 0 && value < 0.5)) throw new Error('must be a number between 0 and 0.5');
}

/**
 * The convict schema fragment of the `experiments:` block (snake_case as in the config file; one
 * environment variable per scalar, `<prefix>_…`). Uses core's named formats (`switch`,
 * `object`): call core's `registerConfigFormats(convict)` once before loading.
 * @example registerConfigFormats(convict); const config = convict({ experiments: experimentsConfigSchema('SWITCHYARD_EXPERIMENTS') });
 */
export function experimentsConfigSchema(prefix = 'SWITCHYARD_EXPERIMENTS') {
  return {
    enabled: { doc: 'Run A/B tests in the pipeline and serve their admin routes.', format: 'switch', default: false, env: `${prefix}_ENABLED` },
    feedback: {
      enabled: { doc: 'Serve POST /v1/feedback (clients rate their own requests).', format: 'switch', default: true, env: `${prefix}_FEEDBACK_ENABLED` },
    },
    min_samples: { doc: 'Requests every arm needs before an A/B verdict.', format: 'nat', default: 100, env: `${prefix}_MIN_SAMPLES` },
    alpha: { doc: 'Significance level of the A/B tests.', format: checkAlpha, default: 0.05, env: `${prefix}_ALPHA` },
    tests: {
      doc: 'A/B tests created at the first start (then kept in the database): id -> { match: { models, keys, metadata }, arms: [{ name, provider, model, share }], metric, min_samples, alpha }.',
      format: 'object',
      default: {},
    },
    canaries: {
      doc: 'Canary rollouts created at start (kept in the database): id -> { models, baseline, candidate, steps, step_duration, min_samples, criteria: { max_error_rate, max_p95_latency_ms, quality_margin } }.',
      format: 'object',
      default: {},
    },
    categories: {
      rules: { doc: 'Categoriser rules tried before the built-in ones: [{ category, content: [regex], system: [regex], tools, metadata }].', format: Array, default: [] as CategoryRule[] },
      routes: {
        doc: 'Category -> { targets: [{ provider, model, max_cost, fallback_only }], quality_min, optimization: ordered | cost_quality_balance }.',
        format: 'object',
        default: {},
      },
    },
    canary_evaluation_interval: { doc: 'How often A/B tests and canaries are re-read from the database and canaries checked.', format: 'sy-duration', default: '15s', env: `${prefix}_CANARY_EVALUATION_INTERVAL` },
    consensus: consensusConfigSchema(`${prefix}_CONSENSUS`),
  } as const;
}

/**
 * Turn the `experiments:` block into {@link experiments} options (add the stores and lookup your app has).
 * @example experiments({ ...experimentsOptionsFromConfig(config.get('experiments')), feedbackStore });
 */
export function experimentsOptionsFromConfig(config: ExperimentsConfig): ExperimentsOptions {
  const tests = Object.entries(config.tests).map(([id, { min_samples, ...rest }]) => ({ id, ...rest, ...(min_samples !== undefined ? { minSamples: min_samples } : {}) }));
  const canaries: CanaryDefinition[] = Object.entries(config.canaries).map(([id, c]) => ({
    id,
    models: c.models,
    baseline: c.baseline,
    candidate: c.candidate,
    ...(c.steps ? { steps: c.steps } : {}),
    ...(c.step_duration !== undefined ? { stepDurationMs: parseDuration(c.step_duration, { path: `experiments.canaries.${id}.step_duration` }) } : {}),
    ...(c.min_samples !== undefined ? { minSamples: c.min_samples } : {}),
    criteria: {
      ...(c.criteria?.max_error_rate !== undefined ? { maxErrorRate: c.criteria.max_error_rate } : {}),
      ...(c.criteria?.max_p95_latency_ms !== undefined ? { maxP95LatencyMs: c.criteria.max_p95_latency_ms } : {}),
      ...(c.criteria?.quality_margin !== undefined ? { qualityMargin: c.criteria.quality_margin } : {}),
    },
  }));
  const categoryRoutes: Record<string, CategoryRoute> = Object.fromEntries(
    Object.entries(config.categories.routes).map(([category, r]) => [
      category,
      {
        targets: r.targets.map((t) => ({ provider: t.provider, model: t.model, ...(t.max_cost !== undefined ? { maxCost: t.max_cost } : {}), ...(t.fallback_only ? { fallbackOnly: true } : {}) })),
        ...(r.quality_min !== undefined ? { qualityMin: r.quality_min } : {}),
        ...(r.optimization ? { optimization: r.optimization } : {}),
      },
    ]),
  );
  return {
    categoryRules: config.categories.rules,
    categoryRoutes,
    minSamples: config.min_samples,
    alpha: config.alpha,
    tests,
    canaries,
    canaryEvaluationMs: parseDuration(config.canary_evaluation_interval, { path: 'experiments.canary_evaluation_interval' }),
  };
}
