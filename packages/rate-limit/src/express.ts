import type { RequestHandler } from 'express';
import type { ExchangeOptions } from '@switchyard/core';
import { toExpress } from '@switchyard/core/express';
import { providerLimits as providerLimitsCore, type ProviderLimitsOptions } from './provider-limits.js';
import { rateLimit as rateLimitCore, type RateLimitOptions } from './rate-limit.js';

/**
 * Express middleware for per-key budgets. Mount after auth-key and before model mapping.
 * @example app.use('/v1', rateLimit({ defaultLimits: { requestsPerMinute: 60 } }));
 */
export function rateLimit(options: RateLimitOptions = {}, exchange: ExchangeOptions = {}): RequestHandler {
  return toExpress(rateLimitCore(options), exchange);
}

/**
 * Express middleware dropping targets at their provider/model limit. Mount after planning.
 * @example app.use('/v1', providerLimits({ limiter }));
 */
export function providerLimits(options: ProviderLimitsOptions, exchange: ExchangeOptions = {}): RequestHandler {
  return toExpress(providerLimitsCore(options), exchange);
}
