import { BUDGET_MODES, type BudgetMode, type KeyLimits } from '@switchyard/core';
import type { StoreErrorPolicy } from './fallback-store.js';
import { parseDurationMs } from './upstream-headers.js';

const limit = (doc: string, env: string) => ({ doc, format: 'nat', default: null, nullable: true, env });

/**
 * The convict schema fragment of the gateway's `rate_limit:` block (snake_case, like the
 * config file). Provider limits live under each provider's own `rate_limit:` block (read them
 * with {@link providerLimitsFromConfig}). One environment variable per scalar, `<prefix>_<KEY>`.
 *
 * @example const config = convict({ rate_limit: rateLimitConfigSchema('MYAPP_RATE_LIMIT') }); config.validate({ allowed: 'strict' });
 */
export function rateLimitConfigSchema(prefix = 'SWITCHYARD_RATE_LIMIT') {
  return {
    on_store_error: {
      doc: "What to do when the shared (Redis) store is unreachable: 'open' (local limiter) or 'closed' (503).",
      format: ['open', 'closed'],
      default: 'open',
      env: `${prefix}_ON_STORE_ERROR`,
    },
    lease: {
      doc: "How long a concurrency slot lives without renewal (a running request renews it every third of this): a crashed instance's slots free up within one lease. A duration ('30s') or milliseconds.",
      format: (value: unknown) => void leaseMs(value),
      // A string default: convict coerces by the default's type, and '2s' must not become 2.
      default: '30s',
      env: `${prefix}_LEASE`,
    },
    budget_mode: {
      doc:
        "How token budgets admit requests, for keys that set no limits.budget_mode: 'strict' reserves the full max_tokens (never overspends, " +
        "fewer requests at once), 'capped' reserves max_tokens capped by what the budget still holds, 'soft' admits while usage is under the limit.",
      format: [...BUDGET_MODES],
      default: 'strict',
      env: `${prefix}_BUDGET_MODE`,
    },
    block_requests: {
      doc:
        'When limits are shared (Redis, or the primary process under --workers): the most requests one instance takes at once from the limits of a key ' +
        '(or of a provider) and admits itself, for up to a second and never more than a tenth of what is left (near a limit every request is decided at the shared store). ' +
        '1: every request is decided there.',
      format: 'nat',
      default: 32,
      env: `${prefix}_BLOCK_REQUESTS`,
    },
    default_output_tokens: {
      doc: 'Output tokens reserved for a request that sets no max_tokens.',
      format: 'nat',
      default: 1024,
      env: `${prefix}_DEFAULT_OUTPUT_TOKENS`,
    },
    default_limits: {
      total_tokens_per_hour: limit('Default rolling-hour total token budget per key (null: off).', `${prefix}_TOTAL_TOKENS_PER_HOUR`),
      input_tokens_per_hour: limit('Default rolling-hour input token budget per key (null: off).', `${prefix}_INPUT_TOKENS_PER_HOUR`),
      output_tokens_per_hour: limit('Default rolling-hour output token budget per key (null: off).', `${prefix}_OUTPUT_TOKENS_PER_HOUR`),
      requests_per_minute: limit('Default requests per rolling minute per key (null: off).', `${prefix}_REQUESTS_PER_MINUTE`),
      concurrent_requests: limit('Default concurrent requests per key (null: off).', `${prefix}_CONCURRENT_REQUESTS`),
    },
  } as const;
}

/** The validated `rate_limit:` block, as convict returns it. */
export interface RateLimitConfig {
  on_store_error: StoreErrorPolicy;
  /** Milliseconds, or a duration string (`30s`). Absent: 30000. */
  lease?: number | string;
  /** Absent: `strict`. */
  budget_mode?: BudgetMode;
  /** Absent: 32. */
  block_requests?: number;
  default_output_tokens: number;
  default_limits: Record<
    'total_tokens_per_hour' | 'input_tokens_per_hour' | 'output_tokens_per_hour' | 'requests_per_minute' | 'concurrent_requests',
    number | null
  >;
}

/**
 * Turn the config block into {@link rateLimit} / {@link RateLimiter} options.
 * @example rateLimit({ limiter, ...rateLimitOptionsFromConfig(config.get('rate_limit')) })
 */
export function rateLimitOptionsFromConfig(config: RateLimitConfig): {
  defaultLimits: KeyLimits;
  defaultOutputTokens: number;
  budgetMode: BudgetMode;
  onStoreError: StoreErrorPolicy;
  leaseMs: number;
  blockRequests: number;
} {
  const d = config.default_limits;
  const defaultLimits: KeyLimits = {};
  if (d.total_tokens_per_hour !== null) defaultLimits.totalTokensPerHour = d.total_tokens_per_hour;
  if (d.input_tokens_per_hour !== null) defaultLimits.inputTokensPerHour = d.input_tokens_per_hour;
  if (d.output_tokens_per_hour !== null) defaultLimits.outputTokensPerHour = d.output_tokens_per_hour;
  if (d.requests_per_minute !== null) defaultLimits.requestsPerMinute = d.requests_per_minute;
  if (d.concurrent_requests !== null) defaultLimits.concurrentRequests = d.concurrent_requests;
  return {
    defaultLimits,
    defaultOutputTokens: config.default_output_tokens,
    budgetMode: config.budget_mode ?? 'strict',
    onStoreError: config.on_store_error,
    leaseMs: leaseMs(config.lease ?? '30s'),
    blockRequests: Math.max(1, config.block_requests ?? 32),
  };
}

/** A lease length: a positive whole number of ms, or a duration such as `30s` or `1m`. */
function leaseMs(value: unknown): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : parseDurationMs(value)) : undefined;
  if (ms === undefined || !Number.isInteger(ms) || ms < 1) throw new TypeError('must be a duration such as 30s, or a positive number of milliseconds');
  return ms;
}
