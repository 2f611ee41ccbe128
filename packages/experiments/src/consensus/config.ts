import type { ConsensusMethod } from './agreement.js';
import type { ConsensusOptions, NoQuorum } from './options.js';

/** The validated `experiments.consensus:` block, as convict returns it. */
export interface ConsensusConfig {
  enabled: boolean;
  max_targets: number;
  default_output_tokens: number;
  short_answer_chars: number;
  /** `{ provider, model, threshold }`, or null. */
  embedding: { provider: string; model: string; threshold?: number } | null;
  /** `{ provider, model, rubric }`, or null. */
  judge: { provider: string; model: string; rubric?: string } | null;
  /** Route id -> { models, targets: [{ provider, model }], n, method, quorum, on_no_quorum, max_cost_usd }. */
  routes: Record<
    string,
    {
      models: string[];
      targets?: { provider: string; model: string }[];
      n?: number;
      method?: ConsensusMethod;
      quorum?: number;
      on_no_quorum?: NoQuorum;
      max_cost_usd?: number;
    }
  >;
}

/**
 * The convict fragment of `experiments.consensus:` (one environment variable per scalar,
 * `<prefix>_…`). Uses core's named formats: call core's `registerConfigFormats(convict)` first.
 * @example convict({ consensus: consensusConfigSchema('SWITCHYARD_EXPERIMENTS_CONSENSUS') })
 */
export function consensusConfigSchema(prefix = 'SWITCHYARD_EXPERIMENTS_CONSENSUS') {
  return {
    enabled: {
      doc: 'Consensus routing: matching requests (routes, or the x-switchyard-consensus header) go to several targets and the agreed answer is returned.',
      format: 'switch',
      default: false,
      env: `${prefix}_ENABLED`,
    },
    max_targets: { doc: 'Most targets one request may be sent to.', format: 'nat', default: 5, env: `${prefix}_MAX_TARGETS` },
    default_output_tokens: {
      doc: 'Output tokens assumed by the cost cap when a request sets no max_tokens.',
      format: 'nat',
      default: 1024,
      env: `${prefix}_DEFAULT_OUTPUT_TOKENS`,
    },
    short_answer_chars: {
      doc: 'Answers up to this length are compared as normalised text by the auto method.',
      format: 'nat',
      default: 280,
      env: `${prefix}_SHORT_ANSWER_CHARS`,
    },
    embedding: {
      doc: 'Embedding model that groups long free-text answers by similarity: { provider, model, threshold } (cosine, default 0.9), or null.',
      format: '*',
      default: null as ConsensusConfig['embedding'],
    },
    judge: {
      doc: 'Judge model that scores long free-text answers (the best score wins): { provider, model, rubric }, or null.',
      format: '*',
      default: null as ConsensusConfig['judge'],
    },
    routes: {
      doc: 'Route id -> { models, targets: [{ provider, model }], n, method: auto | exact | normalised | json | embedding | judge, quorum, on_no_quorum: best_available | error, max_cost_usd }.',
      format: 'object',
      default: {},
    },
  } as const;
}

/**
 * The consensus options of the `experiments.consensus:` block (add `execute` and `estimateCost`).
 * @example consensus({ ...consensusOptionsFromConfig(config.experiments.consensus), execute, estimateCost })
 */
export function consensusOptionsFromConfig(config: ConsensusConfig): Omit<ConsensusOptions, 'execute'> {
  return {
    maxTargets: config.max_targets,
    defaultOutputTokens: config.default_output_tokens,
    shortAnswerChars: config.short_answer_chars,
    ...(config.embedding ? { embedding: config.embedding } : {}),
    ...(config.judge ? { judge: config.judge } : {}),
    routes: Object.entries(config.routes).map(([id, r]) => ({
      id,
      models: r.models,
      ...(r.targets ? { targets: r.targets.map((t) => ({ provider: t.provider, model: t.model })) } : {}),
      ...(r.n !== undefined ? { n: r.n } : {}),
      ...(r.method ? { method: r.method } : {}),
      ...(r.quorum !== undefined ? { quorum: r.quorum } : {}),
      ...(r.on_no_quorum ? { onNoQuorum: r.on_no_quorum } : {}),
      ...(r.max_cost_usd !== undefined ? { maxCostUsd: r.max_cost_usd } : {}),
    })),
  };
}
