import { FAILURE_KINDS, type FailureKind } from '@switchyard/core';

/** What the executor does after one failure kind. */
export interface KindRule {
  /** Extra tries of the same target after this kind (0: never retry the same target). */
  retries: number;
  /**
   * Whether to move on to the next target. `larger_context` moves on only to a target whose
   * context window is larger than the largest known one that refused the request, or unknown,
   * and never back to a target that refused it.
   */
  failover: boolean | 'larger_context';
}

/** One rule per failure kind (ARCHITECTURE.md §3). */
export type KindPolicyTable = Record<FailureKind, KindRule>;

/**
 * Defaults: transient faults retry once then fail over; a silent upstream (`timeout`) fails
 * over without being asked again; a rate-limited target is retried only when it said how long
 * to wait and that wait is short (see `maxRetryAfterMs`); client errors stop at once.
 */
export const DEFAULT_KIND_POLICY: Readonly<KindPolicyTable> = Object.freeze({
  rate_limited: { retries: 1, failover: true },
  overloaded: { retries: 1, failover: true },
  server_error: { retries: 1, failover: true },
  network: { retries: 1, failover: true },
  timeout: { retries: 0, failover: true },
  model_unavailable: { retries: 0, failover: true },
  context_length: { retries: 0, failover: 'larger_context' },
  content_policy: { retries: 0, failover: false },
  bad_request: { retries: 0, failover: false },
  auth: { retries: 0, failover: false },
});

/** Kinds that are the request's own fault: never retried, whatever a config says. */
export const NEVER_RETRY: ReadonlySet<FailureKind> = new Set(['context_length', 'content_policy', 'bad_request', 'auth']);

/**
 * Fallback conditions a config or `X-Failover-Config` names (`conditions`, `trigger`) and the kinds each covers.
 * A raw failure kind is accepted as its own condition.
 */
const CONDITIONS: Record<string, readonly FailureKind[]> = {
  rate_limit: ['rate_limited'],
  outage: ['overloaded', 'server_error', 'network', 'model_unavailable'],
  timeout: ['timeout'],
  model_unavailable: ['model_unavailable'],
  model_overloaded: ['overloaded'],
  server_error: ['server_error'],
  error: ['overloaded', 'server_error', 'network', 'timeout', 'model_unavailable'],
  all: ['rate_limited', 'overloaded', 'server_error', 'network', 'timeout', 'model_unavailable', 'context_length'],
};

/**
 * Turn fallback conditions (`rate_limit`, `outage`, `timeout`, `model_unavailable`, `all`,
 * or a failure kind) into the set of kinds that may fail over to a target. Unknown names throw.
 *
 * @example conditionKinds(['rate_limit', 'outage']).has('server_error') // true
 */
export function conditionKinds(conditions: readonly string[]): Set<FailureKind> {
  const kinds = new Set<FailureKind>();
  for (const raw of conditions) {
    const name = raw.trim().toLowerCase();
    const covered = CONDITIONS[name] ?? (isFailureKind(name) ? [name] : undefined);
    if (!covered) throw new TypeError(`Unknown fallback condition "${raw}"`);
    for (const kind of covered) kinds.add(kind);
  }
  return kinds;
}

/**
 * A config's `routing.fallback: { on_error, on_rate_limit }` block as conditions.
 *
 * @example fallbackBlockConditions({ on_rate_limit: false }) // ['error']
 */
export function fallbackBlockConditions(fallback: { on_error?: boolean; on_rate_limit?: boolean }): string[] {
  const out: string[] = [];
  if (fallback.on_error !== false) out.push('error');
  if (fallback.on_rate_limit !== false) out.push('rate_limit');
  return out;
}

const KINDS = new Set<string>(FAILURE_KINDS);

export function isFailureKind(value: string): value is FailureKind {
  return KINDS.has(value);
}

/** The status a statusless failure stands for when matching `retry_codes`. */
export function effectiveStatus(kind: FailureKind, status: number | undefined): number | undefined {
  if (status !== undefined) return status;
  if (kind === 'network') return 502;
  if (kind === 'timeout') return 504;
  return undefined;
}
