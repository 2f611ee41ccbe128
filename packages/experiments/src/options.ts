import type { ExperimentDefinition } from './ab-test.js';
import type { CanaryDefinition, CanaryTransition } from './canary.js';
import type { CanaryStore } from './canary-store.js';
import type { ExperimentStore } from './experiment-store.js';
import type { KeyValueStore, Logger } from '@switchyard/core';
import type { CategoryRoute, CategoryRule } from './categories.js';
import { MemoryFeedbackStore, type FeedbackStore, type RatedRequest } from './feedback.js';
import type { ClassifierOptions } from './classifier.js';
import type { JudgeOptions } from './judge.js';
import type { ModelCall } from './model-call.js';

/** Options of {@link experiments}. */
export interface ExperimentsOptions {
  /** Where ratings are kept. Defaults to a {@link MemoryFeedbackStore}. */
  feedbackStore?: FeedbackStore;
  /**
   * Look up a finished request by id (the request log): who made it and what served it. Without
   * it, only requests this process saw through the experiments middleware can be rated.
   * Defaults to undefined.
   */
  lookup?: (requestId: string) => Promise<RatedRequest | undefined>;
  /** Experiments running from the start. Defaults to none. */
  tests?: ExperimentDefinition[];
  /**
   * Where A/B tests are kept (and agreed on across instances); a store that reads figures from
   * the request log makes them survive restarts. Defaults to memory.
   */
  experimentStore?: ExperimentStore;
  /** Called before A/B figures are read from the store, e.g. to flush pending request-log writes. Defaults to none. */
  beforeFigures?: () => Promise<void>;
  /** Requests every arm needs before a verdict. Defaults to 100. */
  minSamples?: number;
  /** Significance level of the tests. Defaults to 0.05. */
  alpha?: number;
  /** Where canaries are kept (and agreed on across instances). Defaults to memory. */
  canaryStore?: CanaryStore;
  /** Canaries created at start unless the store already has them. Defaults to none. */
  canaries?: CanaryDefinition[];
  /** How often canaries are re-read from the store and checked (time-based steps), ms; 0: never. Defaults to 15000. */
  canaryEvaluationMs?: number;
  /** Told of every canary promotion, step and rollback. Defaults to none. */
  onCanaryTransition?: (transition: CanaryTransition) => void;
  /** Logs canary transitions. Defaults to none. */
  logger?: Logger;
  /** Categoriser rules tried before the built-in ones. Defaults to none. */
  categoryRules?: CategoryRule[];
  /** Category -> its targets; a request of a listed category gets that plan. Categorising is on when this or `categoryRules` is set. Defaults to none. */
  categoryRoutes?: Record<string, CategoryRoute>;
  /** Price of a target for `cost_quality_balance` (e.g. USD per million output tokens). Defaults to unknown (listed order). */
  price?: (provider: string, model: string) => number | undefined;
  /** How the classifier and the judge ask a model (the gateway passes one over its providers). Without it neither runs. Defaults to none. */
  call?: ModelCall;
  /** A classifier model for the categoriser (needs `call`); the rules are its fallback. Defaults to none: rules only. */
  classifier?: ClassifierOptions;
  /** A judge model grading a sampled share of served answers (needs `call`). Defaults to none. */
  judge?: JudgeOptions;
  /**
   * Where the classifier's and the judge's daily spend is added up across instances (keys
   * `classifier:<day>` and `judge:<day>`), so `dailyBudgetUsd` is one budget for all of them.
   * Defaults to none: each process keeps its own.
   */
  spendStore?: KeyValueStore;
  /** Random source for arm assignment without a sticky id, and for sampling. Defaults to Math.random. */
  random?: () => number;
  /** Clock, ms. Defaults to Date.now. */
  now?: () => number;
}

/** @internal */
export interface ResolvedExperimentsOptions {
  feedbackStore: FeedbackStore;
  lookup?: (requestId: string) => Promise<RatedRequest | undefined>;
  tests: ExperimentDefinition[];
  experimentStore?: ExperimentStore;
  beforeFigures?: () => Promise<void>;
  canaryStore?: CanaryStore;
  canaries: CanaryDefinition[];
  canaryEvaluationMs: number;
  onCanaryTransition?: (transition: CanaryTransition) => void;
  logger?: Logger;
  categoryRules: CategoryRule[];
  categoryRoutes: Record<string, CategoryRoute>;
  price: (provider: string, model: string) => number | undefined;
  call?: ModelCall;
  classifier?: ClassifierOptions;
  judge?: JudgeOptions;
  spendStore?: KeyValueStore;
  minSamples: number;
  alpha: number;
  random: () => number;
  now: () => number;
}

/** @internal */
export function resolveOptions(options: ExperimentsOptions = {}): ResolvedExperimentsOptions {
  const minSamples = options.minSamples ?? 100;
  if (!Number.isInteger(minSamples) || minSamples < 2) throw new TypeError('experiments: minSamples must be an integer of at least 2');
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) throw new TypeError('experiments: alpha must be between 0 and 0.5');
  if ((options.classifier || options.judge) && !options.call) throw new TypeError('experiments: a classifier or a judge needs `call` (how to ask a model)');
  return {
    feedbackStore: options.feedbackStore ?? new MemoryFeedbackStore(),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    tests: options.tests ?? [],
    ...(options.experimentStore ? { experimentStore: options.experimentStore } : {}),
    ...(options.beforeFigures ? { beforeFigures: options.beforeFigures } : {}),
    ...(options.canaryStore ? { canaryStore: options.canaryStore } : {}),
    canaries: options.canaries ?? [],
    categoryRules: options.categoryRules ?? [],
    categoryRoutes: options.categoryRoutes ?? {},
    price: options.price ?? (() => undefined),
    ...(options.call ? { call: options.call } : {}),
    ...(options.classifier ? { classifier: options.classifier } : {}),
    ...(options.judge ? { judge: options.judge } : {}),
    ...(options.spendStore ? { spendStore: options.spendStore } : {}),
    canaryEvaluationMs: options.canaryEvaluationMs ?? 15_000,
    ...(options.onCanaryTransition ? { onCanaryTransition: options.onCanaryTransition } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    minSamples,
    alpha,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}
