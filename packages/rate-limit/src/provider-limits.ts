import { GatewayError, type Exchange, type ExchangeMiddleware, type Logger, type Target, silentLogger } from '@switchyard/core';
import { estimateInputTokens, estimateOutputTokens, loadTokenizer } from './estimate.js';
import { retryAfterSeconds } from './headers.js';
import type { ProviderLease, ProviderLimiter } from './provider-limiter.js';

/** Options of {@link providerLimits}. */
export interface ProviderLimitsOptions {
  /** The limiter holding provider and model limits (share it with the executor). Required. */
  limiter: ProviderLimiter;
  /**
   * Tokens a request is expected to use on a target. Defaults to the exchange's reservation
   * (input + output) when rate-limit ran, else the tokenizer estimate plus `max_tokens` or 1024.
   */
  estimateTokens?: (exchange: Exchange) => number;
  /** Logger for settlement failures. Defaults to silentLogger. */
  logger?: Logger;
}

const sameTarget = (a: Target, b: Target) => a.provider === b.provider && a.model === b.model;

/**
 * Drop the targets whose provider or model limit is full from `exchange.plan.targets` (or
 * `exchange.candidates` when there is no plan yet), so the request fails over to the next one;
 * answer 429 when none has room. Holds one lease on the first remaining target (the one the
 * executor tries first) and books usage on the target that really answered at settlement.
 * Mount after planning (strategy-selector), before the executor. When the executor calls
 * {@link ProviderLimiter.tryAcquire} per attempt itself, this middleware is not needed.
 *
 * @example
 * app.use(toKoa(providerLimits({ limiter: new ProviderLimiter({ providers: { openai: { requestsPerMinute: 500 } } }) })));
 */
export function providerLimits(options: ProviderLimitsOptions): ExchangeMiddleware {
  if (!options?.limiter || typeof options.limiter.tryAcquire !== 'function') throw new TypeError('providerLimits: options.limiter must be a ProviderLimiter');
  if (options.estimateTokens !== undefined && typeof options.estimateTokens !== 'function')
    throw new TypeError('providerLimits: estimateTokens must be a function');
  const { limiter } = options;
  const logger = options.logger ?? silentLogger;
  const estimate =
    options.estimateTokens ??
    ((ex: Exchange) =>
      ex.reservation
        ? (ex.reservation.inputIsBound ? estimateInputTokens(ex) : ex.reservation.inputTokens) + ex.reservation.outputTokens
        : estimateInputTokens(ex) + estimateOutputTokens(ex, 1024));

  const tokenizer = options.estimateTokens ? undefined : loadTokenizer();

  return async function providerLimits(exchange, next) {
    if (tokenizer) await tokenizer;
    const targets: Target[] | undefined = exchange.plan?.targets ?? exchange.candidates;
    if (!targets || targets.length === 0 || !targets.some((t) => limiter.governs(t))) return next();
    const tokens = estimate(exchange);
    const kept: Target[] = [];
    const refused: Array<{ target: Target; retryAfterMs: number; reason?: string }> = [];
    let lease: ProviderLease | undefined;
    let leased: Target | undefined;
    for (const target of targets) {
      if (!lease) {
        const l = await limiter.tryAcquire(target, tokens);
        if (l.ok) {
          lease = l;
          leased = target;
          kept.push(target);
        } else refused.push({ target, retryAfterMs: l.retryAfterMs, reason: l.reason });
        continue;
      }
      const room = await limiter.hasRoom(target, tokens);
      if (room.ok) kept.push(target);
      else refused.push({ target, retryAfterMs: room.retryAfterMs, reason: room.reason });
    }
    if (!lease) {
      const wait = Math.min(...refused.map((r) => r.retryAfterMs));
      throw new GatewayError(`Every provider for "${exchange.requestedModel}" is at its rate limit (${refused.map((r) => r.reason).join('; ')})`, {
        status: 429,
        code: 'provider_rate_limited',
        headers: { 'retry-after': String(Number.isFinite(wait) ? retryAfterSeconds(wait) : 60) },
        retryable: true,
      });
    }
    if (exchange.plan) {
      exchange.plan.targets = exchange.plan.targets.filter((t) => kept.some((k) => sameTarget(k, t)));
    } else {
      exchange.candidates = kept;
    }
    const held = lease;
    const first = leased!;
    exchange.onSettled(async (ex) => {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const served = ex.attempts.find((a) => a.outcome === 'success')?.target;
        const usage = ex.usage ?? undefined;
        // No attempt record (no executor): the first target is the one that was used. Attempts
        // that never left (`rejected`: the request could not be built) give the request back.
        const sent = ex.attempts.length === 0 || ex.attempts.some((a) => sameTarget(a.target, first) && a.outcome !== 'rejected');
        if (!served || sameTarget(served, first)) {
          await held.release(usage, { notSent: !sent });
        } else {
          await held.release(undefined, { notSent: !sent });
          await limiter.record(served, {
            inputTokens: (usage?.inputTokens ?? 0) + (usage?.cacheReadTokens ?? 0) + (usage?.cacheWriteTokens ?? 0),
            outputTokens: usage?.outputTokens ?? 0,
          });
        }
      } catch (err) {
        logger.error({ err, requestId: ex.id }, 'provider-limits: settling a lease failed');
      }
    });
    await next();
  };
}
