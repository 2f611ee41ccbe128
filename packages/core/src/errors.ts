import { familyOf, type ClientFormat, type FailureKind } from './types.js';

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
 * Anthropic error `type` for each HTTP status.
 * @see https://docs.anthropic.com/en/api/errors
 */
const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
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

/** Wrap anything thrown into a GatewayError; unknown errors become an opaque 500. */
export function toGatewayError(err: unknown): GatewayError {
  if (isGatewayError(err)) return err;
  const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 500;
  const expose = (err as { expose?: boolean })?.expose === true && status < 500;
  const message = expose && err instanceof Error ? err.message : 'Internal gateway error';
  return new GatewayError(message, { status, cause: err, expose });
}

function publicMessage(err: GatewayError): string {
  return err.expose ? err.message : 'Internal gateway error';
}

/**
 * The OpenAI error body.
 * @see https://platform.openai.com/docs/guides/error-codes
 * @example renderOpenAIError(err) // { error: { message, type, code, param } }
 */
export function renderOpenAIError(err: GatewayError): { error: Record<string, unknown> } {
  return {
    error: {
      message: publicMessage(err),
      type: err.openaiType,
      param: err.param ?? null,
      code: err.code ?? null,
      ...err.details,
    },
  };
}

/**
 * The Anthropic error body.
 * @see https://docs.anthropic.com/en/api/errors
 * @example renderAnthropicError(err) // { type: 'error', error: { type, message } }
 */
export function renderAnthropicError(err: GatewayError): { type: 'error'; error: Record<string, unknown> } {
  return { type: 'error', error: { type: err.anthropicType, message: publicMessage(err), ...err.details } };
}

/** Render an error body in the client's format. */
export function renderError(err: GatewayError, format: ClientFormat): object {
  return familyOf(format) === 'anthropic' ? renderAnthropicError(err) : renderOpenAIError(err);
}
