/**
 * The contract between the limiter and where its counters live (memory or Redis). A store is
 * stateless about configuration: every call carries the windows and limits, so one store
 * serves key budgets (one-hour token window) and provider limits (one-minute windows) alike.
 * @module
 */

import type { BudgetMode } from '@switchyard/core';

/**
 * A rolling window cut into equal buckets. Consumption in bucket `b` counts while the current
 * bucket is at most `b + windowMs / bucketMs`, so it is counted for at least `windowMs` and at
 * most `windowMs + bucketMs` after it happened (never forgotten early).
 */
export interface WindowSpec {
  windowMs: number;
  bucketMs: number;
}

/** The limits one decision checks; an absent field is not enforced. */
export interface CounterLimits {
  totalTokens?: number;
  inputTokens?: number;
  outputTokens?: number;
  requests?: number;
  concurrent?: number;
}

/** Which limit refused a request. */
export type LimitName = 'totalTokens' | 'inputTokens' | 'outputTokens' | 'requests' | 'concurrent';

/** Consumption currently inside the windows (before the request being decided). */
export interface UsageSnapshot {
  inputTokens: number;
  outputTokens: number;
  requests: number;
  concurrent: number;
}

/** One decision: check every enabled limit and, when all pass, reserve atomically. */
export interface ReserveInput {
  /** Counter namespace: `k:<key id>`, `p:<provider>`, … */
  key: string;
  /** Reservation id (the concurrency lease is held under it until settled). */
  id: string;
  now: number;
  tokenWindow: WindowSpec;
  requestWindow: WindowSpec;
  limits: CounterLimits;
  inputTokens: number;
  outputTokens: number;
  /** How long a concurrency lease lives if it is never settled (a crashed process). */
  leaseMs: number;
  /**
   * Requests this reservation counts against the request limit: more than one for a block of
   * requests (see {@link AllowanceLimitStore}), whose `inputTokens` and `outputTokens` are the
   * block's totals. A concurrency limit still counts it once. Defaults to 1.
   */
  requests?: number;
  /**
   * `reserve`: check, then write only when allowed; `peek`: check only; `force`: write the
   * tokens and request whatever the limits say (recording after the fact, no lease).
   */
  mode?: 'reserve' | 'peek' | 'force';
  /**
   * How the token limits admit the request: `strict` checks and reserves the whole ask; `capped`
   * first shrinks `outputTokens` to what the total and output limits leave after the input (down
   * to 0); `soft` admits while each token limit is not yet reached and reserves no tokens.
   * Request and concurrency limits are the same in every mode. Defaults to `strict`.
   */
  budget?: BudgetMode;
}

/** The result of {@link LimitStore.reserve}. */
export interface Decision {
  allowed: boolean;
  /** The first limit, in `LimitName` order, that refused. */
  rejectedBy?: LimitName;
  /**
   * Milliseconds until enough budget frees up for every refused limit; `Infinity` when the
   * request alone is larger than a limit (it can never pass). 0 when allowed.
   */
  retryAfterMs: number;
  used: UsageSnapshot;
  /** Tokens the decision wrote, when the budget mode changed the ask (`capped`, `soft`). */
  reserved?: { inputTokens: number; outputTokens: number };
  /** Set by {@link FallbackLimitStore} when the local fallback made this decision. */
  fallback?: boolean;
}

/** Replace a reservation with what was really consumed. */
export interface SettleInput {
  key: string;
  id: string;
  now: number;
  /** When the reservation was made (its tokens sit in that bucket). */
  reservedAt: number;
  tokenWindow: WindowSpec;
  reserved: { inputTokens: number; outputTokens: number };
  actual: { inputTokens: number; outputTokens: number };
  /** Route the settlement to the fallback store that made the reservation. */
  fallback?: boolean;
  /**
   * The request was never sent (refused before it left, e.g. it could not be built): take its
   * request back out of this request window, from the bucket it was counted in at `reservedAt`.
   * Defaults to none (the request stays counted).
   */
  refundRequestIn?: WindowSpec;
  /** How many requests `refundRequestIn` takes back (the unused part of a block). Defaults to 1. */
  refundRequests?: number;
}

/** Extend a concurrency lease that is still held (a request still running). */
export interface RenewInput {
  key: string;
  /** The reservation id the lease is held under. */
  id: string;
  now: number;
  /** The lease now ends at `now + leaseMs`. */
  leaseMs: number;
  /** Route the renewal to the fallback store that made the reservation. */
  fallback?: boolean;
}

/**
 * Where counters live. Implementations must make `reserve` atomic per key: two concurrent
 * calls never both pass a limit only one of them fits under.
 */
export interface LimitStore {
  reserve(input: ReserveInput): Promise<Decision>;
  settle(input: SettleInput): Promise<void>;
  /** Extend a lease that has not expired or been settled yet; a lease already gone stays gone. */
  renew(input: RenewInput): Promise<void>;
  usage(key: string, now: number, tokenWindow: WindowSpec, requestWindow: WindowSpec): Promise<UsageSnapshot>;
}

/** The order limits are checked and reported in. */
export const LIMIT_ORDER: readonly LimitName[] = ['totalTokens', 'inputTokens', 'outputTokens', 'requests', 'concurrent'];

/** What one decision checks against the token limits, and what it writes when it passes. */
export interface TokenAsk {
  total: number;
  input: number;
  output: number;
  write: { inputTokens: number; outputTokens: number };
}

/**
 * The token ask of a reservation under its budget mode, given the tokens already used. The
 * memory store calls it; the Redis script does the same in Lua.
 */
export function tokenAsk(input: ReserveInput, used: UsageSnapshot): TokenAsk {
  const { limits } = input;
  let out = input.outputTokens;
  if (input.budget === 'soft') {
    // Admitted while each limit is not reached yet: used + 1 <= limit; nothing is held ahead.
    return { total: 1, input: 1, output: 1, write: { inputTokens: 0, outputTokens: 0 } };
  }
  if (input.budget === 'capped') {
    if (limits.totalTokens !== undefined) out = Math.min(out, Math.max(0, limits.totalTokens - used.inputTokens - used.outputTokens - input.inputTokens));
    if (limits.outputTokens !== undefined) out = Math.min(out, Math.max(0, limits.outputTokens - used.outputTokens));
  }
  return { total: input.inputTokens + out, input: input.inputTokens, output: out, write: { inputTokens: input.inputTokens, outputTokens: out } };
}

/** Throw a TypeError unless the window is a whole number of positive buckets. */
export function assertWindow(name: string, w: WindowSpec): void {
  if (!(Number.isInteger(w.bucketMs) && w.bucketMs > 0 && Number.isInteger(w.windowMs) && w.windowMs % w.bucketMs === 0 && w.windowMs > 0)) {
    throw new TypeError(`${name}: windowMs must be a positive multiple of bucketMs`);
  }
}
