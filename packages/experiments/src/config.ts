import type { ExperimentDefinition } from './ab-test.js';
import type { ExperimentsOptions } from './options.js';

/** The validated `experiments:` block, as convict returns it. */
export interface ExperimentsConfig {
  enabled: boolean;
  feedback: { enabled: boolean };
  min_samples: number;
  alpha: number;
  /** Experiment id -> definition (without `id`; `min_samples` as in the file). */
  tests: Record<string, Omit<ExperimentDefinition, 'id' | 'minSamples'> & { min_samples?: number }>;
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
      doc: 'A/B tests running from the start: id -> { match: { models, keys, metadata }, arms: [{ name, provider, model, share }], metric, min_samples, alpha }.',
      format: 'object',
      default: {},
    },
  } as const;
}

/**
 * Turn the `experiments:` block into {@link experiments} options (add the stores and lookup your app has).
 * @example experiments({ ...experimentsOptionsFromConfig(config.get('experiments')), feedbackStore });
 */
export function experimentsOptionsFromConfig(config: ExperimentsConfig): ExperimentsOptions {
  const tests = Object.entries(config.tests).map(([id, { min_samples, ...rest }]) => ({ id, ...rest, ...(min_samples !== undefined ? { minSamples: min_samples } : {}) }));
  return { minSamples: config.min_samples, alpha: config.alpha, tests };
}
