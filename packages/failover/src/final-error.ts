import { GatewayError, type FailureKind, type Target } from '@switchyard/core';
import type { ProviderError } from '@switchyard/providers';

/** One target that did not serve: tried and failed, or skipped without a request. */
export type FailureRecord =
  | { target: Target; error: ProviderError; /** Stopped because the kind never fails over (the provider's reason is the answer). */ stopped: boolean }
  | { target: Target; skipped: 'circuit_open' | 'cooling_down' | 'unknown_provider' | 'unsupported_format'; untilMs?: number };

/** The client-safe summary of each target (provider, model, kind, status; never a secret). */
export function attemptSummaries(failures: readonly FailureRecord[]): Array<Record<string, unknown>> {
  return failures.map((f) =>
    'error' in f
      ? {
          provider: f.target.provider,
          model: f.target.model,
          kind: f.error.failureKind,
          ...(f.error.upstreamStatus !== undefined ? { status: f.error.upstreamStatus } : {}),
        }
      : { provider: f.target.provider, model: f.target.model, skipped: f.skipped },
  );
}

/**
 * The one error the client sees when no target served: the provider's own reason when the
 * request itself was at fault (400 context_length / content_policy / bad_request), 429 when
 * every target was rate limited, else 502 / 503 / 504 by the last failure, naming each attempt.
 */
export function finalError(failures: readonly FailureRecord[], now: number): GatewayError {
  const details = { attempts: attemptSummaries(failures) };
  const tried = failures.filter((f): f is Extract<FailureRecord, { error: ProviderError }> => 'error' in f);
  if (tried.length === 0) {
    const waits = failures
      .map((f) => ('untilMs' in f && f.untilMs !== undefined ? f.untilMs - now : undefined))
      .filter((w): w is number => w !== undefined && w > 0);
    const headers: Record<string, string> = waits.length ? { 'retry-after': String(Math.max(1, Math.ceil(Math.min(...waits) / 1000))) } : {};
    return new GatewayError('No provider target is available for this request right now', {
      status: 503,
      code: 'no_available_target',
      headers,
      details,
      expose: true,
      retryable: true,
    });
  }
  const last = tried[tried.length - 1]!;
  if (last.stopped || (last.error.status < 500 && last.error.status !== 429)) {
    return new GatewayError(last.error.message, {
      status: last.error.status,
      code: last.error.failureKind,
      failureKind: last.error.failureKind,
      details,
      expose: true,
      cause: last.error,
    });
  }
  const summary = tried
    .map((f) => `${f.target.provider}/${f.target.model}: ${f.error.failureKind}${f.error.upstreamStatus ? ` (${f.error.upstreamStatus})` : ''}`)
    .join('; ');
  const n = tried.length;
  // One summary per target (a target may have been tried more than once): count targets, not tries.
  const message = `${n === 1 ? 'The target' : `All ${n} targets`} failed: ${summary}`;
  if (tried.every((f) => f.error.failureKind === 'rate_limited')) {
    const waits = tried.map((f) => f.error.retryAfterMs).filter((w): w is number => w !== undefined);
    const retryAfter = Math.max(1, Math.ceil((waits.length ? Math.min(...waits) : 1000) / 1000));
    return new GatewayError(message, {
      status: 429,
      code: 'rate_limited',
      failureKind: 'rate_limited',
      headers: { 'retry-after': String(retryAfter) },
      details,
      expose: true,
      retryable: true,
      cause: last.error,
    });
  }
  const kind: FailureKind = last.error.failureKind;
  const status = kind === 'timeout' ? 504 : kind === 'overloaded' || kind === 'model_unavailable' ? 503 : 502;
  return new GatewayError(message, { status, code: 'all_attempts_failed', failureKind: kind, details, expose: true, retryable: true, cause: last.error });
}
