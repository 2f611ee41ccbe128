import {
  BUDGET_MODES,
  GatewayError,
  type BudgetMode,
  type Exchange,
  type ExchangeMiddleware,
  type KeyLimits,
  type Logger,
  type Principal,
  silentLogger,
} from '@switchyard/core';
import { estimateInputTokens, estimateOutputTokens, loadTokenizer } from './estimate.js';
import { POLICY_NAMES, rateLimitHeaders, retryAfterSeconds } from './headers.js';
import { InputSizing } from './input-sizing.js';
import { hasAnyLimit, mergeLimits, toCounterLimits, validateKeyLimits } from './limits.js';
import { RateLimiter, type RateLimiterOptions, type ReservationHandle } from './rate-limiter.js';
import type { Decision } from './store.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions extends RateLimiterOptions {
  /**
   * A limiter to share with the admin router (then `store`, windows, `now`, `leaseMs` and the
   * store-error options must not be given here). Defaults to a new RateLimiter built from these options.
   */
  limiter?: RateLimiter;
  /** Limits for every key, field by field under the key's own `principal.limits`. Defaults to none. */
  defaultLimits?: KeyLimits;
  /**
   * Per-principal limits (e.g. from the config), consulted before `principal.limits`;
   * return undefined to fall back to them. Defaults to none.
   */
  limitsFor?: (principal: Principal, exchange: Exchange) => KeyLimits | undefined | Promise<KeyLimits | undefined>;
  /**
   * Counter key for requests without a principal (client IP, tenant header); undefined skips
   * limiting. Defaults to skipping every request without a principal.
   */
  keyFor?: (exchange: Exchange) => string | undefined;
  /**
   * How token budgets admit a request when its key's limits set no `budgetMode`: `strict`
   * reserves the input estimate plus the full `max_tokens`, `capped` caps that output
   * reservation by what the budget still holds, `soft` admits while usage is under the limit
   * (see the README for the trade-off). Defaults to 'strict'.
   */
  budgetMode?: BudgetMode;
  /** Output tokens reserved when the request sets no `max_tokens`. Defaults to 1024. */
  defaultOutputTokens?: number;
  /**
   * Input-token estimate for the reservation. Defaults to the o200k tokenizer over the prompt
   * ({@link estimateInputTokens}), or, while the key's input budget is far from spent, the
   * prompt's UTF-8 byte length (a bound never below the estimate, no tokenizing).
   */
  estimateInputTokens?: (exchange: Exchange) => number;
  /**
   * Whether prompt-cache reads and writes count toward the input budget (they are input the
   * key consumed, even if billed cheaper). Defaults to true.
   */
  cacheTokensCountAsInput?: boolean;
  /** Logger for settlement failures. Defaults to silentLogger. */
  logger?: Logger;
}

const HANDLE = Symbol('switchyard.rate-limit.reservation');

/**
 * Per-key budgets: rolling one-hour total / input / output tokens, requests per minute and
 * concurrent requests. Reserves an estimate at admission (429 in the client's format with
 * `Retry-After` and RateLimit headers when any enabled limit would be exceeded) and settles
 * it with the real usage when the exchange settles. Mount after auth-key, before planning.
 *
 * @example
 * const limiter = new RateLimiter({ store: new RedisLimitStore({ client: redis }) });
 * app.use(toKoa(rateLimit({ limiter, defaultLimits: { requestsPerMinute: 600 } })));
 */
export function rateLimit(options: RateLimitOptions = {}): ExchangeMiddleware {
  const o = resolveOptions(options);
  const { limiter } = o;
  const sizing = options.estimateInputTokens ? undefined : new InputSizing();
  const exactInput = async (exchange: Exchange) => {
    await loadTokenizer();
    return estimateInputTokens(exchange);
  };

  return async function rateLimit(exchange, next) {
    const key = keyOf(exchange, o.keyFor);
    if (key === undefined) return next();
    const own = exchange.principal && o.limitsFor ? await o.limitsFor(exchange.principal, exchange) : undefined;
    const limits = mergeLimits(o.defaultLimits, own ?? exchange.principal?.limits);
    if (!hasAnyLimit(limits)) return next();

    const free = exchange.format === 'anthropic.count_tokens';
    const bound = free || !sizing ? undefined : sizing.bound(key, limits, exchange);
    const input = free ? 0 : (bound ?? (sizing ? await exactInput(exchange) : o.estimateInputTokens(exchange)));
    let ask = { inputTokens: Math.max(0, Math.ceil(input)), outputTokens: estimateOutputTokens(exchange, o.defaultOutputTokens) };
    let { decision, handle } = await limiter.reserve(key, limits, ask);
    if (!handle && bound !== undefined) {
      // The bound over-asks: before refusing, ask again with the exact count (a refusal holds nothing).
      const exact = Math.max(0, Math.ceil(await exactInput(exchange)));
      if (exact < ask.inputTokens) {
        ask = { ...ask, inputTokens: exact };
        ({ decision, handle } = await limiter.reserve(key, limits, ask));
      }
    }
    sizing?.learn(key, limits, decision.used);
    const held = decision.reserved ?? ask;
    const headers = rateLimitHeaders({
      limits: toCounterLimits(limits),
      used: decision.used,
      ask: held,
      admitted: decision.allowed,
      now: limiter.now(),
      tokenWindow: limiter.tokenWindow,
      requestWindow: limiter.requestWindow,
    });
    if (!handle) throw rejection(decision, limits, ask, headers, exchange.principal);

    exchange.reservation = {
      id: handle.id,
      inputTokens: handle.inputTokens,
      outputTokens: handle.outputTokens,
      ...(bound === ask.inputTokens ? { inputIsBound: true as const } : {}),
    };
    exchange.locals.set(HANDLE, handle);
    Object.assign(exchange.responseHeaders, headers);
    exchange.onSettled(async (ex, settlement) => {
      // Let listeners registered after ours (usage-accounting) finish writing `usage` first.
      await new Promise((resolve) => setImmediate(resolve));
      const actual = ex.usage
        ? {
            inputTokens: ex.usage.inputTokens + (o.cacheTokensCountAsInput ? ex.usage.cacheReadTokens + ex.usage.cacheWriteTokens : 0),
            outputTokens: ex.usage.outputTokens,
          }
        : settlement.outcome === 'failed'
          ? { inputTokens: 0, outputTokens: 0 } // nothing was produced: release the reservation
          : ask; // unknown: count the estimate (whatever the budget mode held)
      try {
        await limiter.settle(handle, actual);
      } catch (err) {
        o.logger.error({ err, requestId: ex.id }, 'rate-limit: settling a reservation failed');
      }
    });
    await next();
  };
}

/** The reservation handle rate-limit stored on an exchange (for pieces that settle early). */
export function reservationHandle(exchange: Exchange): ReservationHandle | undefined {
  return exchange.locals.get(HANDLE) as ReservationHandle | undefined;
}

function keyOf(exchange: Exchange, keyFor: RateLimitOptions['keyFor']): string | undefined {
  if (exchange.principal) return `k:${exchange.principal.id}`;
  const custom = keyFor?.(exchange);
  return custom === undefined ? undefined : `c:${custom}`;
}

const LIMIT_FIELD: Record<string, keyof KeyLimits> = {
  totalTokens: 'totalTokensPerHour',
  inputTokens: 'inputTokensPerHour',
  outputTokens: 'outputTokensPerHour',
  requests: 'requestsPerMinute',
  concurrent: 'concurrentRequests',
};

function rejection(
  decision: Decision,
  limits: KeyLimits,
  ask: { inputTokens: number; outputTokens: number },
  headers: Record<string, string>,
  principal: Principal | undefined,
): GatewayError {
  const name = decision.rejectedBy ?? 'requests';
  const quota = limits[LIMIT_FIELD[name]!];
  const who = principal ? ` for key "${principal.name}"` : '';
  const never = !Number.isFinite(decision.retryAfterMs);
  const requested =
    name === 'totalTokens' ? ask.inputTokens + ask.outputTokens : name === 'inputTokens' ? ask.inputTokens : name === 'outputTokens' ? ask.outputTokens : 1;
  const message = never
    ? `Request too large${who}: it needs ${requested} ${POLICY_NAMES[name]} but the limit is ${quota}. Lower max_tokens or the prompt.`
    : `Rate limit reached${who} on ${POLICY_NAMES[name]}: limit ${quota}, requested ${requested}. Try again in ${retryAfterSeconds(decision.retryAfterMs)} s.`;
  // A request that can never fit is told to come back after a full window, not hammer us.
  const retry = never ? (name === 'requests' || name === 'concurrent' ? 60 : 3600) : retryAfterSeconds(decision.retryAfterMs);
  return new GatewayError(message, {
    status: 429,
    code: never ? 'request_too_large_for_limit' : 'rate_limit_exceeded',
    headers: { ...headers, 'retry-after': String(retry) },
    retryable: !never,
  });
}

function resolveOptions(options: RateLimitOptions) {
  if (options.limiter) {
    for (const k of ['store', 'onStoreError', 'reportStoreError', 'storeErrorCounter', 'tokenWindow', 'requestWindow', 'leaseMs', 'now'] as const) {
      if (options[k] !== undefined) throw new TypeError(`rateLimit: pass ${k} to the RateLimiter, not next to options.limiter`);
    }
  }
  if (options.defaultLimits !== undefined) {
    const checked = validateKeyLimits(options.defaultLimits);
    if (checked.problem) throw new TypeError(`rateLimit: defaultLimits.${checked.problem.field}: ${checked.problem.message}`);
  }
  const budgetMode = options.budgetMode ?? 'strict';
  if (!BUDGET_MODES.includes(budgetMode)) throw new TypeError(`rateLimit: budgetMode must be one of ${BUDGET_MODES.join(', ')}`);
  const defaultOutputTokens = options.defaultOutputTokens ?? 1024;
  if (!(Number.isInteger(defaultOutputTokens) && defaultOutputTokens >= 0))
    throw new TypeError('rateLimit: defaultOutputTokens must be a non-negative integer');
  for (const k of ['limitsFor', 'keyFor', 'estimateInputTokens'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'function') throw new TypeError(`rateLimit: ${k} must be a function`);
  }
  return {
    limiter: options.limiter ?? new RateLimiter(options),
    defaultLimits: { budgetMode, ...options.defaultLimits },
    limitsFor: options.limitsFor,
    keyFor: options.keyFor,
    defaultOutputTokens,
    estimateInputTokens: options.estimateInputTokens ?? estimateInputTokens,
    cacheTokensCountAsInput: options.cacheTokensCountAsInput ?? true,
    logger: options.logger ?? silentLogger,
  };
}
