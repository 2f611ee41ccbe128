import type { Middleware } from 'koa';
import type { ExchangeOptions } from '@switchyard/core';
import { toKoa } from '@switchyard/core/koa';
import { providerLimits as providerLimitsCore, type ProviderLimitsOptions } from './provider-limits.js';
import { rateLimit as rateLimitCore, type RateLimitOptions } from './rate-limit.js';

/**
 * Koa middleware for per-key budgets. Mount after auth-key and before model mapping.
 * @example app.use(rateLimit({ defaultLimits: { requestsPerMinute: 60 } }));
 */
export function rateLimit(options: RateLimitOptions = {}, exchange: ExchangeOptions = {}): Middleware {
  return toKoa(rateLimitCore(options), exchange);
}

/**
 * Koa middleware dropping targets at their provider/model limit. Mount after planning.
 * @example app.use(providerLimits({ limiter }));
 */
export function providerLimits(options: ProviderLimitsOptions, exchange: ExchangeOptions = {}): Middleware {
  return toKoa(providerLimitsCore(options), exchange);
}
