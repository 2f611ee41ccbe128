/**
 * The HTTP transport every adapter calls upstreams through. Injected, so tests and users can
 * swap it; undici is the default, got the alternative.
 * @module
 */
import type { AbortWatch } from '@switchyard/core';

/** Timeouts of one upstream call, in ms. 0 disables one. */
export interface TransportTimeouts {
  /** TCP/TLS connect. */
  connectMs: number;
  /** From request sent to response headers (time to first byte). */
  firstByteMs: number;
  /** Longest silence between two body chunks (a stalled stream). */
  idleMs: number;
  /** Whole call, headers and body. */
  totalMs: number;
}

/** Defaults: connect 10 s, first byte 60 s, idle 60 s, total 10 min. */
export const DEFAULT_TIMEOUTS: TransportTimeouts = { connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 600_000 };

export interface TransportRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborts the call at once (the client went away). */
  signal?: AbortSignal;
  /**
   * The same abort as `signal`, as a lightweight watch (core's `linkAbort`). The built-in undici
   * transport follows it instead of `signal`, which the caller may then make a getter that builds
   * the AbortSignal only when read: a call whose transport never reads `signal` costs none. A
   * transport that wraps another passes the request on as is, or copies `signal` and `abort` by
   * name (the built-in adapters' `signal` is a prototype getter, which an object spread skips).
   */
  abort?: AbortWatch;
  timeouts?: Partial<TransportTimeouts>;
}

export interface TransportResponse {
  status: number;
  /** Lower-cased response headers. */
  headers: Record<string, string>;
  /** The body as it arrives. Iterating enforces the idle timeout; breaking out aborts the call. */
  body: AsyncIterable<Uint8Array>;
  /** Read the whole body as text. */
  text(): Promise<string>;
  /** Abort the call and release the connection. Idempotent. */
  abort(): void;
}

/**
 * A transport sends one request and returns once response headers arrived.
 * Failures are {@link TransportError}s.
 */
export interface HttpTransport {
  readonly name: string;
  request(request: TransportRequest): Promise<TransportResponse>;
  /** Close pooled connections. */
  close(): Promise<void>;
}

/** Which phase of a call a transport failure happened in. */
export type TransportPhase = 'connect' | 'first_byte' | 'idle' | 'total' | 'request' | 'body';

/** A transport-level failure: no HTTP status to classify. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network' | 'aborted',
    readonly phase: TransportPhase,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}
