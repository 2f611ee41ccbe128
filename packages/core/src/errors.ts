import { familyOf, type ClientFormat, type FailureKind } from './types.js';
import { clip } from './client-text.js';

const BRAND = Symbol.for('switchyard.GatewayError');

/** OpenAI error `type` for each HTTP status we produce. */
const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  499: 'client_closed_request',
  500: 'server_error',
  502: 'upstream_error',
  503: 'service_unavailable',
  504: 'timeout_error',
};

/**
 * Anthropic error `type` for each HTTP status. Only types in the official SDK's `ErrorObject`
 * union are used: Anthropic's docs also name `request_too_large` for 413, but the SDK types do
 * not, so a typed client switching on `error.type` would not expect it.
 * @see https://docs.anthropic.com/en/api/errors
 */
const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Options of {@link GatewayError}. */
export interface GatewayErrorOptions {
  /** HTTP status. Defaults to 500. */
  status?: number;
  /** Machine-readable code (`invalid_json`, `model_not_found`, …). Defaults to undefined. */
  code?: string;
  /** The request field at fault (`messages[0].content`). Defaults to undefined. */
  param?: string;
  /** Extra response headers (`Retry-After`). Defaults to none. */
  headers?: Record<string, string>;
  /** Whether another attempt could succeed. Defaults to false. */
  retryable?: boolean;
  /** Upstream failure classification, for errors that came from a provider. Defaults to undefined. */
  failureKind?: FailureKind;
  /** Whether the message may be shown to the client. Defaults to true below 500, false from 500. */
  expose?: boolean;
  /** Extra fields merged into the rendered error object (attempt summaries). Defaults to none. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The one error type of Switchyard. Fields follow http-errors (`status`, `expose`, `headers`)
 * so Koa's default `onerror` answers correctly even without Switchyard's error handling.
 *
 * @example
 * throw new GatewayError('Unknown model "gpt-9"', { status: 404, code: 'model_not_found', param: 'model' });
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly statusCode: number;
  readonly code?: string;
  readonly param?: string;
  readonly headers: Record<string, string>;
  readonly retryable: boolean;
  readonly failureKind?: FailureKind;
  readonly expose: boolean;
  readonly details?: Record<string, unknown>;
  readonly [BRAND] = true;

  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.status = options.status ?? 500;
    this.statusCode = this.status;
    this.code = options.code;
    this.param = options.param;
    this.headers = options.headers ?? {};
    this.retryable = options.retryable ?? false;
    this.failureKind = options.failureKind;
    this.expose = options.expose ?? this.status < 500;
    this.details = options.details;
  }

  /** `type` field of the OpenAI error body. */
  get openaiType(): string {
    return OPENAI_TYPES[this.status] ?? (this.status >= 500 ? 'server_error' : 'invalid_request_error');
  }

  /** `type` field of the Anthropic error body. */
  get anthropicType(): string {
    return ANTHROPIC_TYPES[this.status] ?? (this.status >= 500 ? 'api_error' : 'invalid_request_error');
  }

  /** True for any GatewayError, even one from another installed copy of this package. */
  static isInstance(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Type guard for {@link GatewayError}. @example if (isGatewayError(err)) ctx.status = err.status */
export const isGatewayError = GatewayError.isInstance;

/**
 * Wrap anything thrown into a GatewayError. An http-errors style error keeps its 4xx/5xx
 * status (`status` or `statusCode`) and, when it says `expose: true` below 500, its message;
 * anything else becomes an opaque 500 whose message is never shown.
 * @example toGatewayError(new Error('db password wrong')).message // 'Internal gateway error'
 */
export function toGatewayError(err: unknown): GatewayError {
  if (isGatewayError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const claimed = typeof e.status === 'number' ? e.status : e.statusCode;
  // Only an error status is taken over: a 2xx/3xx or a non-integer would make node throw
  // (or answer success) while writing the error response.
  const status = Number.isInteger(claimed) && (claimed as number) >= 400 && (claimed as number) <= 599 ? (claimed as number) : 500;
  const expose = e.expose === true && status < 500;
  const message = expose && err instanceof Error ? err.message : 'Internal gateway error';
  return new GatewayError(message, { status, cause: err, expose });
}

/** Longest error message a client gets back (messages may quote what the client sent). */
const MAX_MESSAGE = 2048;

function publicMessage(err: GatewayError): string {
  return err.expose ? clip(err.message, MAX_MESSAGE) : 'Internal gateway error';
}

/**
 * The OpenAI error body.
 * @see https://platform.openai.com/docs/guides/error-codes
 * @example renderOpenAIError(err) // { error: { message, type, code, param } }
 */
export function renderOpenAIError(err: GatewayError): { error: Record<string, unknown> } {
  // Details first: they add fields, they never replace the message (which may be hidden) or type.
  return {
    error: {
      ...err.details,
      message: publicMessage(err),
      type: err.openaiType,
      param: err.param ?? null,
      code: err.code ?? null,
    },
  };
}

/**
 * The Anthropic error body. `request_id` is part of the official body (the SDK's
 * `ErrorResponse` requires it, string or null).
 * @see https://docs.anthropic.com/en/api/errors
 * @example renderAnthropicError(err, 'req_1') // { type: 'error', error: { type, message }, request_id: 'req_1' }
 */
export function renderAnthropicError(
  err: GatewayError,
  requestId: string | null = null,
): { type: 'error'; error: Record<string, unknown>; request_id: string | null } {
  return {
    type: 'error',
    error: { ...err.details, type: err.anthropicType, message: publicMessage(err) },
    request_id: requestId,
  };
}

/**
 * Render an error body in the client's format.
 * @example renderError(err, exchange.format, exchange.id)
 */
export function renderError(err: GatewayError, format: ClientFormat, requestId: string | null = null): object {
  return familyOf(format) === 'anthropic' ? renderAnthropicError(err, requestId) : renderOpenAIError(err);
}
