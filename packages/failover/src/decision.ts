import type { FailureKind } from '@switchyard/core';
import { effectiveStatus, NEVER_RETRY, type KindRule } from './kind-policy.js';

/** What to do after one failed attempt. */
export type Decision = { action: 'retry'; delayMs: number } | { action: 'failover' } | { action: 'stop'; reason: 'kind' | 'budget' | 'deadline' | 'aborted' };

/** Everything {@link decide} looks at: plain data, so the table is testable on its own. */
export interface DecisionInput {
  kind: FailureKind;
  status?: number;
  retryAfterMs?: number;
  rule: KindRule;
  /** Retries of this target already made in this request. */
  retriesOnTarget: number;
  /** Attempts the request may still make (total budget minus attempts made). */
  attemptsLeft: number;
  /** Ms until the request's deadline. */
  deadlineLeftMs: number;
  /** When set (config `retry_codes`), the same target is retried only for these statuses. */
  retryCodes?: ReadonlySet<number>;
  /** Longest `Retry-After` honoured by waiting; longer ones fail over. */
  maxRetryAfterMs: number;
  backoff: { baseMs: number; maxMs: number };
  /** Uniform [0, 1) for jitter. */
  random: () => number;
  /** Whether the client or the gateway aborted the request. */
  aborted: boolean;
}

/**
 * Decide retry / fail over / stop for one failure (ARCHITECTURE.md §3). Pure.
 *
 * @example
 * decide({ kind: 'server_error', rule: { retries: 1, failover: true }, retriesOnTarget: 0, … })
 * // { action: 'retry', delayMs: 183 }
 */
export function decide(input: DecisionInput): Decision {
  if (input.aborted) return { action: 'stop', reason: 'aborted' };
  const canFailOver = input.rule.failover !== false;
  if (input.attemptsLeft <= 0) return { action: 'stop', reason: 'budget' };
  if (input.deadlineLeftMs <= 0) return { action: 'stop', reason: 'deadline' };
  const delayMs = retryDelay(input);
  if (delayMs !== undefined && delayMs < input.deadlineLeftMs) return { action: 'retry', delayMs };
  return canFailOver ? { action: 'failover' } : { action: 'stop', reason: 'kind' };
}

/** The wait before retrying the same target, or undefined when it must not be retried. */
function retryDelay(input: DecisionInput): number | undefined {
  const { kind, rule } = input;
  if (NEVER_RETRY.has(kind) || input.retriesOnTarget >= rule.retries) return undefined;
  if (input.retryCodes) {
    const status = effectiveStatus(kind, input.status);
    if (status === undefined || !input.retryCodes.has(status)) return undefined;
  }
  if (kind === 'rate_limited') {
    // Hammering a rate-limited provider only extends the limit: wait only when it said how
    // long, and only when that is short; otherwise another target is the better bet.
    if (input.retryAfterMs === undefined || input.retryAfterMs > input.maxRetryAfterMs) return undefined;
    return Math.max(0, input.retryAfterMs);
  }
  const exp = Math.min(input.backoff.maxMs, input.backoff.baseMs * 2 ** input.retriesOnTarget);
  // "Equal jitter": at least half the backoff, so retries from many requests spread out
  // without collapsing to zero.
  return Math.round(exp / 2 + (exp / 2) * input.random());
}
