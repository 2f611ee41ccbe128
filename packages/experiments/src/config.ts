import type { ExperimentDefinition } from './ab-test.js';
import type { ExperimentsOptions } from './options.js';
import type { CanaryDefinition } from './canary.js';
import type { CategoryRoute, CategoryRule } from './categories.js';
import { parseDuration } from '@switchyard/core';
import { consensusConfigSchema, type ConsensusConfig } from './consensus/config.js';
import { DEFAULT_CATEGORY_RULES } from './categories.js';
import type { ClassifierOptions } from './classifier.js';
import type { JudgeOptions } from './judge.js';

/** Every category the rules and routes name, plus the built-in ones and `chat`. */
function knownCategories(rules: readonly CategoryRule[], routes: Record<string, unknown>): string[] {
  return [...new Set([...rules.map((r) => r.category), ...Object.keys(routes), ...DEFAULT_CATEGORY_RULES.map((r) => r.category), 'chat'])];
}

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
    routes: Record<
      string,
      {
        targets: { provider: string; model: string; max_cost?: number; fallback_only?: boolean }[];
        quality_min?: number;
        optimization?: 'ordered' | 'cost_quality_balance';
      }
    >;
    classifier: {
      provider: string;
      model: string;
      prompt: string;
      categories: string[];
      timeout: string | number;
      cache_size: number;
      cache_ttl: string | number;
      max_share: number;
      daily_budget_usd: number;
    };
  };
  judge: { provider: string; model: string; rubric: string; sample_rate: number; daily_budget_usd: number; max_concurrent: number; timeout: string | number };
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

function checkShare(value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error('must be a number from 0 to 1');
}

function checkBudget(value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0)) throw new Error('must be a number of USD, 0 for no limit');
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
      rules: {
        doc: 'Categoriser rules tried before the built-in ones: [{ category, content: [regex], system: [regex], tools, metadata }].',
        format: Array,
        default: [] as CategoryRule[],
      },
      routes: {
        doc: 'Category -> { targets: [{ provider, model, max_cost, fallback_only }], quality_min, optimization: ordered | cost_quality_balance }.',
        format: 'object',
        default: {},
      },
      classifier: {
        provider: {
          doc: 'Provider of the classifier model that labels prompts (empty: rules only).',
          format: String,
          default: '',
          env: `${prefix}_CLASSIFIER_PROVIDER`,
        },
        model: {
          doc: "The classifier model (a cheap one), asked through the gateway's own providers.",
          format: String,
          default: '',
          env: `${prefix}_CLASSIFIER_MODEL`,
        },
        prompt: {
          doc: 'System prompt of the classifier (the list of categories is appended); empty: the built-in one.',
          format: String,
          default: '',
          env: `${prefix}_CLASSIFIER_PROMPT`,
        },
        categories: {
          doc: "Labels the classifier may answer; empty: the routes' and rules' categories and the built-in ones.",
          format: Array,
          default: [] as string[],
        },
        timeout: {
          doc: 'Longest wait for the classifier; then the rules decide.',
          format: 'sy-duration',
          default: '1500ms',
          env: `${prefix}_CLASSIFIER_TIMEOUT`,
        },
        cache_size: { doc: 'Prompts (by hash) whose label is remembered.', format: 'nat', default: 10_000, env: `${prefix}_CLASSIFIER_CACHE_SIZE` },
        cache_ttl: { doc: 'How long a label is remembered.', format: 'sy-duration', default: '1h', env: `${prefix}_CLASSIFIER_CACHE_TTL` },
        max_share: {
          doc: 'Share of requests (0..1) the classifier may label; the rest use the rules.',
          format: checkShare,
          default: 1,
          env: `${prefix}_CLASSIFIER_MAX_SHARE`,
        },
        daily_budget_usd: {
          doc: 'USD per UTC day on classification (0: no limit); once spent, the rules decide.',
          format: checkBudget,
          default: 0,
          env: `${prefix}_CLASSIFIER_DAILY_BUDGET_USD`,
        },
      },
    },
    judge: {
      provider: {
        doc: 'Provider of the judge model that grades a sample of answers (empty: no grading).',
        format: String,
        default: '',
        env: `${prefix}_JUDGE_PROVIDER`,
      },
      model: {
        doc: "The judge model, asked through the gateway's own providers after the response.",
        format: String,
        default: '',
        env: `${prefix}_JUDGE_MODEL`,
      },
      rubric: {
        doc: 'What a good answer is (the judge answers a score from 0 to 1); empty: the built-in rubric.',
        format: String,
        default: '',
        env: `${prefix}_JUDGE_RUBRIC`,
      },
      sample_rate: { doc: 'Share of served requests (0..1) graded.', format: checkShare, default: 0.05, env: `${prefix}_JUDGE_SAMPLE_RATE` },
      daily_budget_usd: {
        doc: 'USD per UTC day on grading (0: no limit); once spent, grading stops until the next day.',
        format: checkBudget,
        default: 0,
        env: `${prefix}_JUDGE_DAILY_BUDGET_USD`,
      },
      max_concurrent: {
        doc: 'Gradings under way at once; beyond it a sampled request is not graded.',
        format: 'nat',
        default: 4,
        env: `${prefix}_JUDGE_MAX_CONCURRENT`,
      },
      timeout: { doc: 'Longest wait for the judge.', format: 'sy-duration', default: '30s', env: `${prefix}_JUDGE_TIMEOUT` },
    },
    canary_evaluation_interval: {
      doc: 'How often A/B tests and canaries are re-read from the database and canaries checked.',
      format: 'sy-duration',
      default: '15s',
      env: `${prefix}_CANARY_EVALUATION_INTERVAL`,
    },
    consensus: consensusConfigSchema(`${prefix}_CONSENSUS`),
  } as const;
}

/**
 * Turn the `experiments:` block into {@link experiments} options (add the stores and lookup your app has).
 * @example experiments({ ...experimentsOptionsFromConfig(config.get('experiments')), feedbackStore });
 */
export function experimentsOptionsFromConfig(config: ExperimentsConfig): ExperimentsOptions {
  const tests = Object.entries(config.tests).map(([id, { min_samples, ...rest }]) => ({
    id,
    ...rest,
    ...(min_samples !== undefined ? { minSamples: min_samples } : {}),
  }));
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
        targets: r.targets.map((t) => ({
          provider: t.provider,
          model: t.model,
          ...(t.max_cost !== undefined ? { maxCost: t.max_cost } : {}),
          ...(t.fallback_only ? { fallbackOnly: true } : {}),
        })),
        ...(r.quality_min !== undefined ? { qualityMin: r.quality_min } : {}),
        ...(r.optimization ? { optimization: r.optimization } : {}),
      },
    ]),
  );
  const c = config.categories.classifier;
  const j = config.judge;
  const path = (key: string) => ({ path: `experiments.${key}` });
  for (const [key, m] of [
    ['categories.classifier', c],
    ['judge', j],
  ] as const) {
    if (Boolean(m.provider) !== Boolean(m.model)) throw new Error(`experiments.${key}: set both provider and model (or neither)`);
  }
  const classifier: ClassifierOptions | undefined =
    c.provider && c.model
      ? {
          provider: c.provider,
          model: c.model,
          categories: c.categories.length > 0 ? c.categories : knownCategories(config.categories.rules, categoryRoutes),
          ...(c.prompt ? { prompt: c.prompt } : {}),
          timeoutMs: parseDuration(c.timeout, path('categories.classifier.timeout')),
          cacheSize: c.cache_size,
          cacheTtlMs: parseDuration(c.cache_ttl, path('categories.classifier.cache_ttl')),
          maxShare: c.max_share,
          ...(c.daily_budget_usd > 0 ? { dailyBudgetUsd: c.daily_budget_usd } : {}),
        }
      : undefined;
  const judge: JudgeOptions | undefined =
    j.provider && j.model
      ? {
          provider: j.provider,
          model: j.model,
          ...(j.rubric ? { rubric: j.rubric } : {}),
          sampleRate: j.sample_rate,
          ...(j.daily_budget_usd > 0 ? { dailyBudgetUsd: j.daily_budget_usd } : {}),
          maxConcurrent: Math.max(1, j.max_concurrent),
          timeoutMs: parseDuration(j.timeout, path('judge.timeout')),
        }
      : undefined;
  return {
    ...(classifier ? { classifier } : {}),
    ...(judge ? { judge } : {}),
    categoryRules: config.categories.rules,
    categoryRoutes,
    minSamples: config.min_samples,
    alpha: config.alpha,
    tests,
    canaries,
    canaryEvaluationMs: parseDuration(config.canary_evaluation_interval, { path: 'experiments.canary_evaluation_interval' }),
  };
}
