import { linkAbort, type AbortWatch, type LinkedAbort } from '@switchyard/core';
/**
 * Pieces both transports share: timeout resolution, header flattening and the mapping of
 * low-level error codes onto {@link TransportError}.
 * @module
 */
import { DEFAULT_TIMEOUTS, TransportError, type TransportPhase, type TransportTimeouts } from '../transport.js';

/** Options both built-in transports accept. */
export interface TransportOptions {
  /** Default timeouts of every call (a request's own `timeouts` override them). Defaults to {@link DEFAULT_TIMEOUTS}. */
  timeouts?: Partial<TransportTimeouts>;
  /** Most sockets kept per upstream origin. Defaults to 128. */
  connections?: number;
  /** How long an idle keep-alive socket stays open, in ms. Defaults to 30_000. */
  keepAliveTimeout?: number;
}

export interface ResolvedTransportOptions {
  timeouts: TransportTimeouts;
  connections: number;
  keepAliveTimeout: number;
}

export function resolveTransportOptions(options: TransportOptions = {}): ResolvedTransportOptions {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(options.timeouts) };
  for (const [key, value] of Object.entries(timeouts)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new TypeError(`transport timeouts.${key} must be a number >= 0 (got ${String(value)})`);
  }
  const connections = options.connections ?? 128;
  if (!Number.isInteger(connections) || connections < 1) throw new TypeError(`transport connections must be a positive integer (got ${String(connections)})`);
  const keepAliveTimeout = options.keepAliveTimeout ?? 30_000;
  if (!Number.isFinite(keepAliveTimeout) || keepAliveTimeout <= 0)
    throw new TypeError(`transport keepAliveTimeout must be > 0 (got ${String(keepAliveTimeout)})`);
  return { timeouts, connections, keepAliveTimeout };
}

/** Merge a request's timeouts over the transport defaults without allocating when there are none. */
export function mergeTimeouts(base: TransportTimeouts, override: Partial<TransportTimeouts> | undefined): TransportTimeouts {
  if (override === undefined) return base;
  return {
    connectMs: override.connectMs ?? base.connectMs,
    firstByteMs: override.firstByteMs ?? base.firstByteMs,
    idleMs: override.idleMs ?? base.idleMs,
    totalMs: override.totalMs ?? base.totalMs,
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!value) return out;
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Flatten Node/undici header objects (arrays joined) into lower-cased single strings. */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined) continue;
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const noDispose = (): void => {};

/** What tells a total timeout from the caller's abort. */
export interface CallSignals {
  caller?: AbortWatch;
  /** The total timeout's link: `timedOut` once it fired. */
  total?: { readonly timedOut: boolean };
}

/**
 * The combined abort of a call: the caller's plus the total timeout (when enabled). `signal` is
 * the caller's own when there is no total timeout, else a `linkAbort` link: a lightweight watch,
 * which undici takes as a request's `signal` and whose `.signal` is a standard AbortSignal for
 * clients that need one. `dispose()` must run when the call is over (body finished or failed):
 * it clears the timer and the listener on the caller's abort.
 */
export function callSignal<Caller extends AbortWatch>(
  caller: Caller | undefined,
  totalMs: number,
): { signal: Caller | LinkedAbort | undefined; total: CallSignals['total']; dispose(): void } {
  if (totalMs <= 0) return { signal: caller, total: undefined, dispose: noDispose };
  const link = linkAbort([caller], totalMs, () => new Error('upstream call exceeded its total timeout'));
  return {
    signal: link,
    total: link,
    dispose: link.dispose,
  };
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while writing',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  UND_ERR_SOCKET: 'socket closed unexpectedly',
};

/**
 * Map any error of a call onto a TransportError. The caller's abort wins over everything
 * (the client left), then our own total timeout, then the error's own code.
 */
export function toTransportError(error: unknown, phase: 'request' | 'body', signals: CallSignals, timeoutPhase?: TransportPhase): TransportError {
  if (error instanceof TransportError) return error;
  if (signals.caller?.aborted) return new TransportError('request aborted by the caller', 'aborted', phase, { cause: error });
  if (signals.total?.timedOut) return new TransportError('upstream call exceeded its total timeout', 'timeout', 'total', { cause: error });
  if (timeoutPhase) return new TransportError(`upstream ${timeoutPhase.replace('_', ' ')} timeout`, 'timeout', timeoutPhase, { cause: error });
  const code = errorCode(error);
  const detail = NETWORK_MESSAGES[code] ?? (code || (error instanceof Error ? error.message : 'network error'));
  return new TransportError(`upstream network error: ${detail}${code && NETWORK_MESSAGES[code] ? ` (${code})` : ''}`, 'network', phase, { cause: error });
}

export function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_GOT_REQUEST_ERROR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}
