import { GatewayError, type Attempt, type EventBus, type Exchange, type ExchangeMiddleware, type SseEvent } from '@switchyard/core';
import { isProviderError, type HttpTransport, type ProviderAdapter, type StreamResult, type TransportTimeouts } from '@switchyard/providers';

/** What the single-attempt executor needs. */
export interface ExecuteOptions {
  adapters: ReadonlyMap<string, ProviderAdapter>;
  transport: HttpTransport;
  events: EventBus;
  timeouts?: Partial<TransportTimeouts>;
}

/**
 * Insert `"provider":"…"` at the front of a JSON object body without re-serialising it, so the
 * upstream's bytes (and unknown fields) survive. An upstream `provider` field, if any, wins.
 */
export function withProviderField(body: string, provider: string): string {
  let i = 0;
  while (i < body.length && body.charCodeAt(i) <= 32) i++;
  if (body[i] !== '{') return body;
  let j = i + 1;
  while (j < body.length && body.charCodeAt(j) <= 32) j++;
  const field = `"provider":${JSON.stringify(provider)}`;
  return body[j] === '}' ? `${body.slice(0, i + 1)}${field}${body.slice(i + 1)}` : `${body.slice(0, i + 1)}${field},${body.slice(i + 1)}`;
}

/**
 * The foundation executor: one attempt on the first planned target (DESIGN §2: "without
 * failover a single attempt is made"). The failover package replaces it with retries, breakers
 * and fallback chains.
 */
export function executeSingle(options: ExecuteOptions): ExchangeMiddleware {
  const { adapters, transport, events, timeouts } = options;
  return async function execute(exchange) {
    const target = exchange.plan?.targets[0] ?? exchange.candidates?.[0];
    if (!target) throw new GatewayError('No provider is configured to serve this request', { status: 503, code: 'no_provider' });
    const adapter = adapters.get(target.provider);
    if (!adapter) throw new GatewayError(`Provider "${target.provider}" is not configured`, { status: 503, code: 'no_provider' });
    if (!adapter.supports(exchange.format)) {
      throw new GatewayError(`Provider "${target.provider}" cannot serve ${exchange.format} requests`, { status: 400, code: 'unsupported_format' });
    }
    const attempt: Attempt = { target, startedAt: exchange.now(), outcome: 'pending' };
    exchange.attempts.push(attempt);
    events.emit('attempt.start', { exchange, attempt });
    Object.assign(exchange.responseHeaders, {
      'x-switchyard-provider': target.provider,
      'x-switchyard-model': target.model,
      'x-switchyard-attempts': String(exchange.attempts.length),
    });
    let result;
    try {
      result = await adapter.invoke(
        { format: exchange.format, body: exchange.body, model: target.model, stream: exchange.stream, headers: exchange.headers, requestId: exchange.id },
        { transport, signal: exchange.signal, timeouts, now: () => exchange.now() },
      );
    } catch (err) {
      finish(exchange, attempt, events, err);
      throw exchange.signal.aborted && exchange.signal.reason !== undefined ? exchange.signal.reason : err;
    }
    attempt.firstByteAt = result.firstByteAt;
    if (result.kind === 'json') {
      exchange.usage = result.usage;
      finish(exchange, attempt, events);
      const body = exchange.format === 'openai.chat' ? withProviderField(result.body, target.provider) : result.body;
      exchange.response = { kind: 'json', status: result.status, headers: { ...result.headers, 'content-type': 'application/json' }, body };
      return;
    }
    exchange.response = { kind: 'stream', status: result.status, headers: { ...result.headers }, events: track(exchange, attempt, events, result) };
  };
}

async function* track(exchange: Exchange, attempt: Attempt, events: EventBus, result: StreamResult): AsyncGenerator<SseEvent> {
  let error: unknown;
  try {
    yield* result.events;
  } catch (err) {
    error = err;
    // Cut off by a piece (revoked key) or the client: surface that reason, not the transport's.
    throw exchange.signal.aborted && exchange.signal.reason !== undefined ? exchange.signal.reason : err;
  } finally {
    exchange.usage = result.usage();
    finish(exchange, attempt, events, error ?? (exchange.signal.aborted ? exchange.signal.reason : undefined));
  }
}

function finish(exchange: Exchange, attempt: Attempt, events: EventBus, error?: unknown): void {
  attempt.endedAt = exchange.now();
  if (error === undefined) {
    attempt.outcome = 'success';
  } else if (exchange.signal.aborted) {
    attempt.outcome = 'aborted';
  } else {
    attempt.outcome = 'failure';
    if (isProviderError(error)) {
      attempt.failureKind = error.failureKind;
      attempt.status = error.upstreamStatus;
      attempt.message = error.message;
      attempt.retryAfterMs = error.retryAfterMs;
    }
  }
  events.emit('attempt.end', { exchange, attempt });
}
