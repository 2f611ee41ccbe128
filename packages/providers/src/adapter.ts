import type { AbortWatch, BodySource, ClientFormat, FailureKind, HeaderMap, SseEvent, Usage } from '@switchyard/core';
import type { HttpTransport, TransportTimeouts } from './transport.js';

/**
 * One configured provider, as the gateway config (`ai_gateway.providers[]`) and the
 * middleware options describe it. Adapter-specific extras (Azure `deployments`, Vertex
 * `project_id`, simulated latency) ride along as extra fields.
 */
export interface ProviderConfig {
  /** Unique provider name used in routing (`openai`, `azure-eu`, `local`). */
  name: string;
  /** Adapter type: `openai`, `openai-compatible`, `anthropic`, `simulated`, … */
  type: string;
  /** Upstream base URL. Defaults to the provider's public API. */
  base_url?: string;
  /** Provider credential. Never logged, never echoed. */
  api_key?: string;
  /** Extra headers added to (or overriding) every upstream request. */
  headers?: Record<string, string>;
  /** Models this provider serves (upstream names). */
  models?: string[];
  region?: string;
  timeouts?: Partial<TransportTimeouts>;
  [extra: string]: unknown;
}

/** What an adapter needs to make one upstream call. */
export interface ProviderCall {
  /** The client's format: the body below is in it, and the result must be too. */
  format: ClientFormat;
  /** Request body in the client's format. Adapters must not mutate it. */
  body: Record<string, unknown>;
  /**
   * The client's body as parsed and the bytes it came from. An adapter whose upstream takes the
   * client's format sends core's `bodyBytes(body, bodySource)`: the client's bytes, with the few
   * top-level members pieces changed (mapped model, `stream_options`) spliced in, instead of
   * serialising `body` again; a rebuilt body (a translation) is serialised. Defaults to none.
   */
  bodySource?: BodySource;
  /** Upstream model name to put in the request. */
  model: string;
  stream: boolean;
  /** Client request headers (lower-cased), for pass-through of e.g. `anthropic-beta`. */
  headers: HeaderMap;
  requestId: string;
  /** Credential override for this call (BYOK). */
  apiKey?: string;
  /**
   * The last message is the assistant's partial answer, to be continued (a prefill): the
   * adapter asks its upstream the way it takes one (see `prefillStyle`). Defaults to false.
   */
  continuation?: boolean;
}

/** Per-call execution context. */
export interface InvokeContext {
  transport: HttpTransport;
  /** Aborts the upstream call at once. */
  signal: AbortSignal;
  /**
   * The same abort as `signal`, as a lightweight watch (core's `linkAbort`). The built-in
   * adapters hand it on to the transport, so the failover executor passes `signal` as a getter
   * (on the context's prototype) that builds the AbortSignal only when read: a custom adapter
   * that reads it gets one. An adapter that wraps another passes the context on as is, or copies
   * `signal` and `abort` by name: an object spread does not copy a prototype getter.
   */
  abort?: AbortWatch;
  timeouts?: Partial<TransportTimeouts>;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** A successful upstream answer, already in the client's format. */
export type ProviderResult = JsonResult | StreamResult;

export interface JsonResult {
  kind: 'json';
  status: number;
  /** Upstream headers worth forwarding (rate-limit info), lower-cased. Never auth headers. */
  headers: Record<string, string>;
  /** Serialised body in the client's format. */
  body: string;
  usage?: Usage;
  /** Model the upstream says served (may differ from the requested alias). */
  model?: string;
  firstByteAt: number;
}

export interface StreamResult {
  kind: 'stream';
  status: number;
  headers: Record<string, string>;
  /**
   * Events in the client's format, as they arrive. The first event has already been read
   * (so failures before it surface as a rejected invoke). Throws a {@link ProviderError} if
   * the upstream breaks, stalls or ends without completing. Breaking out of the loop aborts
   * the upstream.
   */
  events: AsyncIterable<SseEvent>;
  /** Usage seen so far in the stream (final once `events` is done). */
  usage(): Usage | undefined;
  /** When the first event arrived. */
  firstByteAt: number;
}

/** What an adapter knows about a failed call. */
export interface FailureInfo {
  status?: number;
  headers?: Record<string, string>;
  /** Upstream error body text (may be JSON). */
  body?: string;
  /** A transport-level error (no status). */
  error?: unknown;
}

/** A classified failure. */
export interface Classification {
  kind: FailureKind;
  retryAfterMs?: number;
  /** The provider's reason, safe to show (no credential). */
  message: string;
}

/**
 * One provider's wire protocol (ARCHITECTURE.md §3). Knows nothing about Koa or Express.
 *
 * @example
 * const result = await adapter.invoke(call, { transport, signal: exchange.signal });
 */
export interface ProviderAdapter {
  readonly name: string;
  readonly type: string;
  readonly config: Readonly<ProviderConfig>;
  /** Upstream models this provider serves (from config). */
  readonly models: readonly string[];
  /** Whether this adapter can serve a client of this format. */
  supports(format: ClientFormat): boolean;
  /** Make the call. Rejects with a {@link ProviderError} (classified) on any failure. */
  invoke(call: ProviderCall, context: InvokeContext): Promise<ProviderResult>;
  /** Map an upstream failure to a {@link FailureKind}. */
  classify(info: FailureInfo): Classification;
}
