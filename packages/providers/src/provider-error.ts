import { GatewayError, isGatewayError, type FailureKind } from '@switchyard/core';

/** The client-facing HTTP status for each failure kind when it is the final answer. */
const CLIENT_STATUS: Record<FailureKind, number> = {
  rate_limited: 429,
  overloaded: 503,
  server_error: 502,
  timeout: 504,
  network: 502,
  context_length: 400,
  content_policy: 400,
  // The gateway's own provider credential was refused: not the client's fault, so not a 401.
  auth: 502,
  model_unavailable: 503,
  bad_request: 400,
};

/** Failure kinds where another attempt (same or other target) can succeed. */
const RETRYABLE = new Set<FailureKind>(['rate_limited', 'overloaded', 'server_error', 'timeout', 'network', 'model_unavailable']);

/**
 * A classified upstream failure. A GatewayError, so when it is the final answer it renders in
 * the client's format with a status that fits the kind.
 *
 * @example
 * if (isProviderError(err) && err.failureKind === 'rate_limited') wait(err.retryAfterMs);
 */
export class ProviderError extends GatewayError {
  override readonly failureKind: FailureKind;
  readonly provider: string;
  /** Upstream HTTP status, when there was one. */
  readonly upstreamStatus?: number;
  readonly retryAfterMs?: number;
  /** True once bytes reached the client (a mid-stream failure cannot fail over invisibly). */
  readonly afterFirstByte: boolean;
  /** The upstream's `x-should-retry`, when it sent one. */
  readonly shouldRetry?: boolean;
  /** Provider error code or type (`insufficient_quota`, `overloaded_error`), for logs. */
  readonly upstreamCode?: string;
  /**
   * True when nothing was sent upstream: the request could not be built, translated or
   * serialised. Such a failure is the request's own: a 400, never retried, and never counted
   * against the provider (breakers, health, latency).
   */
  readonly notSent: boolean;

  constructor(
    message: string,
    init: {
      kind: FailureKind;
      provider: string;
      upstreamStatus?: number;
      retryAfterMs?: number;
      afterFirstByte?: boolean;
      cause?: unknown;
      shouldRetry?: boolean;
      upstreamCode?: string;
      notSent?: boolean;
    },
  ) {
    const headers: Record<string, string> = {};
    if (init.kind === 'rate_limited' && init.retryAfterMs !== undefined) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(init.retryAfterMs / 1000)));
    }
    super(message, {
      status: CLIENT_STATUS[init.kind],
      code: init.kind,
      failureKind: init.kind,
      retryable: RETRYABLE.has(init.kind),
      headers,
      expose: true,
      cause: init.cause,
    });
    this.name = 'ProviderError';
    this.failureKind = init.kind;
    this.provider = init.provider;
    this.upstreamStatus = init.upstreamStatus;
    this.retryAfterMs = init.retryAfterMs;
    this.afterFirstByte = init.afterFirstByte ?? false;
    this.notSent = init.notSent ?? false;
    if (init.shouldRetry !== undefined) this.shouldRetry = init.shouldRetry;
    if (init.upstreamCode !== undefined) this.upstreamCode = init.upstreamCode;
  }
}

/** Type guard for {@link ProviderError} (works across installed copies via the GatewayError brand). */
export function isProviderError(value: unknown): value is ProviderError {
  return GatewayError.isInstance(value) && (value as ProviderError).provider !== undefined && (value as ProviderError).failureKind !== undefined;
}

/**
 * The error for a request that failed before anything was sent upstream (building, translating
 * or serialising it threw, e.g. a body too deeply nested for JSON.stringify): a `bad_request`
 * marked {@link ProviderError.notSent}. A client-safe message of the cause is kept; anything
 * else (a stack overflow, a bug) gets a generic one. A ProviderError of another kind is the
 * gateway's own (`auth`: no key configured) and is returned as it is.
 * @example try { upstream = build(call); } catch (err) { throw notSentError(provider, err); }
 */
export function notSentError(provider: string, cause: unknown): ProviderError {
  if (isProviderError(cause) && (cause.notSent || cause.failureKind !== 'bad_request')) return cause;
  const message =
    isGatewayError(cause) && cause.expose && cause.status < 500
      ? cause.message
      : cause instanceof RangeError
        ? 'The request is nested too deeply to be sent upstream'
        : 'The request could not be prepared for the upstream provider';
  return new ProviderError(message, { kind: 'bad_request', provider, notSent: true, cause });
}
