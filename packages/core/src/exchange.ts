import { linkAbort, type AbortWatch } from './abort.js';
import type { SseEvent } from './sse.js';
import { timeOrderedId } from './time-ordered-id.js';
import type { Attempt, ClientFormat, Cost, Plan, Principal, Target, Usage } from './types.js';

/** Lower-cased request headers, as plain data. */
export type HeaderMap = Readonly<Record<string, string | undefined>>;

/** A response body that is one JSON document. */
export interface JsonResponse {
  kind: 'json';
  status: number;
  headers: Record<string, string>;
  /** Serialised JSON, written as is. */
  body: string;
}

/**
 * A server-sent-events response. `events` yields events already in the client's format;
 * a string item is written verbatim (pre-formatted frames, comments). Nothing is written until
 * the first item is ready: if the source throws before it, the client gets a JSON error with
 * the error's status; if it throws after, the writer ends the stream with an in-band error
 * event in the client's format. The source should stop when `exchange.signal` aborts.
 */
export interface StreamResponse {
  kind: 'stream';
  status: number;
  headers: Record<string, string>;
  events: AsyncIterable<SseEvent | string>;
}

/** What the execution phase produced; the framework adapter writes it. */
export type ExchangeResponse = JsonResponse | StreamResponse;

/** How an exchange ended. */
export interface Settlement {
  /** `completed`: the whole response was written; `aborted`: the client went away first; `failed`: an error response. */
  outcome: 'completed' | 'aborted' | 'failed';
  /** HTTP status sent (or about to be sent when the client left). */
  status: number;
  endedAt: number;
  /** The error that ended a failed exchange or an in-band stream error. */
  error?: unknown;
}

/** Reservation of budget held by rate-limit until settlement. */
export interface Reservation {
  /** Store-specific handle, opaque to other pieces. */
  readonly id: string;
  inputTokens: number;
  outputTokens: number;
  /** Set when `inputTokens` is the prompt's byte bound (above the token count), not a count. */
  inputIsBound?: true;
}

/** Everything needed to start an exchange. */
export interface ExchangeInit {
  format: ClientFormat;
  body: Record<string, unknown>;
  /**
   * The bytes `body` was parsed from, exactly as the client sent them. Upstream calls forward
   * them instead of serialising `body` again while no piece has replaced it. Defaults to none.
   */
  bodyBytes?: Uint8Array;
  headers: HeaderMap;
  /** Request id; defaults to a new UUID (a client's `x-request-id` becomes `clientRequestId`). */
  id?: string;
  /** Request path as the client sent it (for logs and rules). */
  path?: string;
  /** Clock; defaults to Date.now. */
  now?: () => number;
}

/** A parsed request body and the exact bytes it was parsed from. */
export interface BodySource {
  readonly body: Record<string, unknown>;
  readonly bytes: Uint8Array;
}

/**
 * The client's body bytes while `holder.body` is still the object parsed from them (an
 * exchange, or a provider call built from one); undefined once something assigned another body
 * (`bodyBytes` also splices the bytes of a body changed in a few top-level members).
 * @example const bytes = unchangedBodyBytes(call) ?? JSON.stringify(call.body);
 */
export function unchangedBodyBytes(holder: { body: object; bodySource?: BodySource }): Uint8Array | undefined {
  return holder.bodySource !== undefined && holder.body === holder.bodySource.body ? holder.bodySource.bytes : undefined;
}

type SettleListener = (exchange: Exchange, settlement: Settlement) => void | Promise<void>;

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The client's own `x-request-id`, when it is safe to echo into headers and logs (1-128 of
 * `A-Z a-z 0-9 . _ : -`), else undefined. It is kept beside the request's id, never as it: a
 * client could otherwise reuse another request's id (and shadow its log entry).
 * @example clientRequestIdFrom({ 'x-request-id': 'abc-1' }) // 'abc-1'
 */
export function clientRequestIdFrom(headers: HeaderMap): string | undefined {
  const clientId = headers['x-request-id'];
  return clientId && SAFE_REQUEST_ID.test(clientId) ? clientId : undefined;
}

/**
 * One AI request on its way through Switchyard (ARCHITECTURE.md §2). Created by the first Switchyard
 * middleware that sees the request, found again by every later one, and settled exactly once
 * when the response has really finished or the client went away.
 *
 * @example
 * exchange.onSettled((ex, s) => log.info({ id: ex.id, outcome: s.outcome, usage: ex.usage }));
 */
export class Exchange {
  /** The request's id, unique: generated here (the response's `x-request-id`, the log entry's id). */
  readonly id: string;
  /** The client's own `x-request-id`, if it sent a safe one (echoed as `x-client-request-id`). */
  readonly clientRequestId?: string;
  readonly format: ClientFormat;
  readonly startedAt: number;
  readonly path: string;
  /**
   * The request body, parsed. Pieces change it by assigning a new object (e.g. a copy with
   * `stream_options` added), never by editing it in place: upstream calls forward the client's
   * bytes, with the top-level members that differ from {@link bodySource} spliced in (`bodyBytes`).
   */
  body: Record<string, unknown>;
  /** The object first parsed into `body` and the bytes it came from, when the adapter read them. */
  readonly bodySource?: BodySource;
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly headers: HeaderMap;
  principal?: Principal;
  reservation?: Reservation;
  candidates?: Target[];
  plan?: Plan;
  readonly attempts: Attempt[] = [];
  response?: ExchangeResponse;
  usage?: Usage;
  cost?: Cost;
  settlement?: Settlement;
  /** The error that ended the exchange, including one reported in-band on a stream. */
  error?: unknown;
  /** Headers any piece wants on the client's response (rate-limit, cost, warnings). */
  readonly responseHeaders: Record<string, string> = {};
  /** Piece-private state, keyed by a symbol the piece owns. */
  readonly locals = new Map<symbol | string, unknown>();

  readonly #abort = linkAbort([]);
  readonly #listeners: SettleListener[] = [];
  readonly #now: () => number;

  constructor(init: ExchangeInit) {
    this.#now = init.now ?? Date.now;
    this.startedAt = this.#now();
    this.id = init.id ?? timeOrderedId();
    this.clientRequestId = clientRequestIdFrom(init.headers);
    this.format = init.format;
    this.path = init.path ?? '';
    this.body = init.body;
    if (init.bodyBytes) this.bodySource = { body: init.body, bytes: init.bodyBytes };
    this.headers = init.headers;
    this.requestedModel = typeof init.body.model === 'string' ? init.body.model : '';
    this.stream = init.body.stream === true;
  }

  /**
   * Aborts when the client goes away (or the exchange is cut off, e.g. on key revocation). A
   * standard AbortSignal, made on first read: the pipeline's own pieces follow
   * {@link abortWatch} instead, which costs none.
   */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** The same abort as {@link signal}, as a lightweight {@link AbortWatch} (a parent for `linkAbort`). */
  get abortWatch(): AbortWatch {
    return this.#abort;
  }

  /** Current time on the exchange's clock. */
  now(): number {
    return this.#now();
  }

  /** Whether settlement has happened. */
  get settled(): boolean {
    return this.settlement !== undefined;
  }

  /**
   * Register work to run once the exchange is over (usage, logs, budget reconciliation).
   * Listeners run in registration order; one that throws does not stop the others.
   * Registering after settlement runs the listener at once.
   */
  onSettled(listener: SettleListener): void {
    if (this.settlement) {
      void runListener(listener, this, this.settlement);
      return;
    }
    this.#listeners.push(listener);
  }

  /**
   * Abort upstream work for this exchange: the client left, or a piece cut it off
   * (revoked key). Idempotent.
   */
  abort(reason: unknown = new Error('Client closed the request')): void {
    this.#abort.abort(reason);
  }

  /**
   * Settle the exchange. Only the first call counts; framework adapters call this when the
   * response has finished or the connection closed.
   */
  settle(settlement: Omit<Settlement, 'endedAt'> & { endedAt?: number }): void {
    if (this.settlement) return;
    // Field by field, not a spread: one shape, and V8's generic clone path is costly per request.
    const done: Settlement = { outcome: settlement.outcome, status: settlement.status, endedAt: settlement.endedAt ?? this.#now() };
    if (settlement.error !== undefined) done.error = settlement.error;
    this.settlement = done;
    if (done.outcome === 'aborted') this.abort();
    const listeners = this.#listeners.splice(0);
    for (const listener of listeners) void runListener(listener, this, done);
  }
}

async function runListener(listener: SettleListener, exchange: Exchange, settlement: Settlement): Promise<void> {
  try {
    await listener(exchange, settlement);
  } catch {
    // A failing settlement listener must not take down the response or the other listeners;
    // pieces report their own failures through their logger.
  }
}
