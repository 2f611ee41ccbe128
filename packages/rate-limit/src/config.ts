import type { KeyLimits } from '@switchyard/core';
import type { StoreErrorPolicy } from './fallback-store.js';

const limit = (doc: string, env: string) => ({ doc, format: 'nat', default: null, nullable: true, env });

/**
 * The convict schema fragment of the gateway's `rate_limit:` block (snake_case, like the
 * config file). Provider limits live under each provider's own `rate_limit:` block (read them
 * with {@link providerLimitsFromConfig}).
 *
 * @example const config = convict({ rate_limit: rateLimitConfigSchema }); config.validate({ allowed: 'strict' });
 */
export const rateLimitConfigSchema = {
  on_store_error: {
    doc: "What to do when the shared (Redis) store is unreachable: 'open' (local limiter) or 'closed' (503).",
    format: ['open', 'closed'],
    default: 'open',
    env: 'SWITCHYARD_RATE_LIMIT_ON_STORE_ERROR',
  },
  default_output_tokens: {
    doc: 'Output tokens reserved for a request that sets no max_tokens.',
    format: 'nat',
    default: 1024,
    env: 'SWITCHYARD_RATE_LIMIT_DEFAULT_OUTPUT_TOKENS',
  },
  default_limits: {
    total_tokens_per_hour: limit('Default rolling-hour total token budget per key (null: off).', 'SWITCHYARD_RATE_LIMIT_TOTAL_TOKENS_PER_HOUR'),
    input_tokens_per_hour: limit('Default rolling-hour input token budget per key (null: off).', 'SWITCHYARD_RATE_LIMIT_INPUT_TOKENS_PER_HOUR'),
    output_tokens_per_hour: limit('Default rolling-hour output token budget per key (null: off).', 'SWITCHYARD_RATE_LIMIT_OUTPUT_TOKENS_PER_HOUR'),
    requests_per_minute: limit('Default requests per rolling minute per key (null: off).', 'SWITCHYARD_RATE_LIMIT_REQUESTS_PER_MINUTE'),
    concurrent_requests: limit('Default concurrent requests per key (null: off).', 'SWITCHYARD_RATE_LIMIT_CONCURRENT_REQUESTS'),
  },
} as const;

/** The validated `rate_limit:` block, as convict returns it. */
export interface RateLimitConfig {
  on_store_error: StoreErrorPolicy;
  default_output_tokens: number;
  default_limits: Record<'total_tokens_per_hour' | 'input_tokens_per_hour' | 'output_tokens_per_hour' | 'requests_per_minute' | 'concurrent_requests', number | null>;
}

/**
 * Turn the config block into {@link rateLimit} / {@link RateLimiter} options.
 * @example rateLimit({ limiter, ...rateLimitOptionsFromConfig(config.get('rate_limit')) })
 */
export function rateLimitOptionsFromConfig(config: RateLimitConfig): { defaultLimits: KeyLimits; defaultOutputTokens: number; onStoreError: StoreErrorPolicy } {
  const d = config.default_limits;
  const defaultLimits: KeyLimits = {};
  if (d.total_tokens_per_hour !== null) defaultLimits.totalTokensPerHour = d.total_tokens_per_hour;
  if (d.input_tokens_per_hour !== null) defaultLimits.inputTokensPerHour = d.input_tokens_per_hour;
  if (d.output_tokens_per_hour !== null) defaultLimits.outputTokensPerHour = d.output_tokens_per_hour;
  if (d.requests_per_minute !== null) defaultLimits.requestsPerMinute = d.requests_per_minute;
  if (d.concurrent_requests !== null) defaultLimits.concurrentRequests = d.concurrent_requests;
  return { defaultLimits, defaultOutputTokens: config.default_output_tokens, onStoreError: config.on_store_error };
}
