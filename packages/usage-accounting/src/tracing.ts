import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { Attempt, ClientFormat, EventBus, Exchange, Settlement } from '@switchyard/core';
import { STREAM_OBSERVER, type StreamUsageObserver } from './usage-parse.js';

/** Options of {@link traceExchanges}. */
export interface TracingOptions {
  /** The bus the pipeline emits on (`exchange.start`, `attempt.start`, `attempt.end`, `exchange.settled`). Required. */
  events: EventBus;
  /** Tracer to record with. Defaults to `trace.getTracer('switchyard')` from the globally registered provider (your app's SDK). */
  tracer?: Tracer;
  /**
   * Record the request body and the JSON response body as span events
   * (`gen_ai.input.messages`, `gen_ai.output.messages`). They contain prompts and completions:
   * off unless you decide otherwise. Defaults to false.
   */
  captureContent?: boolean;
}

/** Per exchange: its span and the context attempts are children of. */
interface Traced {
  span: Span;
  ctx: ReturnType<typeof context.active>;
  operation: string;
  /** The attempt that served, ended at settlement once the response and usage are known. */
  served?: { span: Span; attempt: Attempt };
}

const OPERATIONS: Record<ClientFormat, string> = {
  'openai.chat': 'chat',
  'anthropic.messages': 'chat',
  'openai.embeddings': 'embeddings',
  'anthropic.count_tokens': 'count_tokens',
};

/** Header getter for W3C `traceparent` / `tracestate` (and any registered propagator) on plain headers. */
const headerGetter = {
  keys: (carrier: Record<string, string | undefined>) => Object.keys(carrier),
  get: (carrier: Record<string, string | undefined>, key: string) => carrier[key],
};

/**
 * OpenTelemetry traces of every exchange, following the GenAI semantic conventions: a `SERVER`
 * span per request (`chat gpt-4o`), continuing the client's W3C `traceparent`, and a `CLIENT`
 * child span per upstream attempt with `gen_ai.provider.name`, `gen_ai.request.model`,
 * `gen_ai.response.model`, `gen_ai.response.id`, `gen_ai.usage.*`, `gen_ai.response.finish_reasons`
 * (streams too, when usage accounting is mounted), `error.type`,
 * plus `switchyard.*` (key id, strategy, attempt number, failover kind and the reason for it).
 * Only `@opentelemetry/api` is used: spans go to whatever SDK and exporter the app registered;
 * with none registered the tracer is a no-op and nothing past one non-recording span check runs.
 * No prompt or completion is recorded unless `captureContent` is on.
 *
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 * @example
 * const stop = traceExchanges({ events }); // after registering your NodeSDK / TracerProvider
 */
export function traceExchanges(options: TracingOptions): () => void {
  if (!options?.events) throw new TypeError('traceExchanges: `events` is required');
  const tracer = options.tracer ?? trace.getTracer('switchyard');
  const capture = options.captureContent === true;
  const exchanges = new WeakMap<Exchange, Traced>();
  const attempts = new WeakMap<Attempt, Span>();
  const { events } = options;

  const offs = [
    events.on('exchange.start', ({ exchange }) => {
      const parent = propagation.extract(context.active(), exchange.headers, headerGetter);
      const operation = OPERATIONS[exchange.format] ?? exchange.format;
      const model = exchange.requestedModel;
      const span = tracer.startSpan(model ? `${operation} ${model}` : operation, { kind: SpanKind.SERVER }, parent);
      // No SDK registered (or not sampled): stop here, the rest costs nothing.
      if (!span.isRecording()) return;
      span.setAttributes({
        'gen_ai.operation.name': operation,
        ...(model ? { 'gen_ai.request.model': model } : {}),
        ...requestAttributes(exchange.body),
        'switchyard.request_id': exchange.id,
        'switchyard.stream': exchange.stream,
      });
      if (capture) span.addEvent('gen_ai.input.messages', { 'gen_ai.input.messages': JSON.stringify(exchange.body) });
      exchanges.set(exchange, { span, ctx: trace.setSpan(parent, span), operation });
    }),
    events.on('attempt.start', ({ exchange, attempt }) => {
      const traced = exchanges.get(exchange);
      if (!traced) return;
      const index = exchange.attempts.indexOf(attempt);
      const previous = index > 0 ? exchange.attempts[index - 1] : undefined;
      const attributes: Attributes = {
        'gen_ai.operation.name': traced.operation,
        'gen_ai.provider.name': attempt.target.provider,
        'gen_ai.request.model': attempt.target.model,
        'switchyard.attempt': (index < 0 ? exchange.attempts.length : index) + 1,
      };
      if (previous) {
        attributes['switchyard.failover.kind'] = failoverKind(previous, attempt);
        if (previous.failureKind) attributes['switchyard.failover.reason'] = previous.failureKind;
      }
      if (exchange.plan) attributes['switchyard.strategy'] = exchange.plan.strategy;
      attempts.set(
        attempt,
        tracer.startSpan(`${traced.operation} ${attempt.target.model}`, { kind: SpanKind.CLIENT, attributes, startTime: attempt.startedAt }, traced.ctx),
      );
    }),
    events.on('attempt.end', ({ exchange, attempt }) => {
      const span = attempts.get(attempt);
      if (!span) return;
      attempts.delete(attempt);
      if (attempt.status !== undefined) span.setAttribute('http.response.status_code', attempt.status);
      if (attempt.firstByteAt !== undefined) span.setAttribute('switchyard.time_to_first_byte_ms', attempt.firstByteAt - attempt.startedAt);
      if (attempt.outcome === 'success') {
        const traced = exchanges.get(exchange);
        if (traced) return void (traced.served = { span, attempt });
      } else if (attempt.hedgeLost) {
        // Cancelled because the hedge answered first: not an error of this provider.
        span.setAttribute('switchyard.hedge.lost', true);
      } else {
        const type = attempt.failureKind ?? attempt.outcome;
        span.setAttribute('error.type', type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.message ?? type });
      }
      span.end(attempt.endedAt);
    }),
    events.on('exchange.settled', ({ exchange, settlement }) => {
      const traced = exchanges.get(exchange);
      if (!traced) return;
      exchanges.delete(exchange);
      if (traced.served) {
        traced.served.span.setAttributes(responseAttributes(exchange, traced.served.attempt));
        traced.served.span.end(traced.served.attempt.endedAt);
      }
      settle(traced.span, exchange, settlement, capture);
    }),
  ];
  return () => offs.forEach((off) => off());
}

/**
 * Why `attempt` follows `previous`: `consensus` (one of several targets asked at once), `continuation` (a stream cut after its first event, carried
 * on from what was already sent), `hedge` (raced against a slow first token), `retry` (same
 * target) or `failover` (another target).
 */
function failoverKind(previous: Attempt, attempt: Attempt): 'continuation' | 'hedge' | 'consensus' | 'retry' | 'failover' {
  if (attempt.role) return attempt.role;
  return previous.target.provider === attempt.target.provider && previous.target.model === attempt.target.model ? 'retry' : 'failover';
}

/** The request parameters the conventions name, when the body has them. */
function requestAttributes(body: Record<string, unknown> | undefined): Attributes {
  if (!body) return {};
  const out: Attributes = {};
  const num = (key: string, attr: string) => {
    if (typeof body[key] === 'number') out[attr] = body[key] as number;
  };
  num('max_tokens', 'gen_ai.request.max_tokens');
  num('max_completion_tokens', 'gen_ai.request.max_tokens');
  num('temperature', 'gen_ai.request.temperature');
  num('top_p', 'gen_ai.request.top_p');
  num('seed', 'gen_ai.request.seed');
  return out;
}

/** Response model, usage and finish reasons of the attempt that served. */
function responseAttributes(exchange: Exchange, attempt: Attempt): Attributes {
  const out: Attributes = { 'gen_ai.response.model': attempt.target.model };
  const parsed = jsonBody(exchange);
  if (parsed) {
    if (typeof parsed.model === 'string') out['gen_ai.response.model'] = parsed.model;
    if (typeof parsed.id === 'string') out['gen_ai.response.id'] = parsed.id;
    const reasons = finishReasons(parsed);
    if (reasons.length) out['gen_ai.response.finish_reasons'] = reasons;
  }
  // A stream: what usage accounting's observer saw pass (usage accounting mounted).
  const streamed = exchange.response?.kind === 'stream' ? (exchange.locals.get(STREAM_OBSERVER) as StreamUsageObserver | undefined) : undefined;
  if (streamed) {
    if (streamed.responseId !== undefined) out['gen_ai.response.id'] = streamed.responseId;
    if (streamed.finishReasons.length) out['gen_ai.response.finish_reasons'] = [...streamed.finishReasons];
  }
  const usage = exchange.usage;
  if (usage) {
    out['gen_ai.usage.input_tokens'] = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
    out['gen_ai.usage.output_tokens'] = usage.outputTokens;
  }
  return out;
}

function settle(span: Span, exchange: Exchange, settlement: Settlement, capture: boolean): void {
  const served = exchange.attempts.findLast((a) => a.outcome === 'success');
  const attributes: Attributes = {
    'switchyard.attempts': exchange.attempts.length,
    'http.response.status_code': settlement.status,
    'switchyard.outcome': settlement.outcome,
  };
  if (exchange.principal) attributes['switchyard.key.id'] = exchange.principal.id;
  if (exchange.plan) attributes['switchyard.strategy'] = exchange.plan.strategy;
  if (served) {
    attributes['gen_ai.provider.name'] = served.target.provider;
    Object.assign(attributes, responseAttributes(exchange, served));
    const kinds = exchange.attempts.slice(1).map((a, i) => failoverKind(exchange.attempts[i]!, a));
    // The most telling of the request's moves: a continuation, a hedge, a failover, a retry.
    const kind = (['continuation', 'hedge', 'failover', 'retry'] as const).find((k) => kinds.includes(k));
    if (kind) attributes['switchyard.failover.kind'] = kind;
  }
  span.setAttributes(attributes);
  if (capture && exchange.response?.kind === 'json') span.addEvent('gen_ai.output.messages', { 'gen_ai.output.messages': exchange.response.body });
  if (settlement.outcome === 'failed' || settlement.status >= 500) {
    const failed = exchange.attempts.at(-1)?.failureKind;
    span.setAttribute('error.type', failed ?? String(settlement.status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end(settlement.endedAt);
}

/** The JSON response body as an object (only read while a span records). */
function jsonBody(exchange: Exchange): Record<string, unknown> | undefined {
  if (exchange.response?.kind !== 'json' || exchange.response.status >= 400) return undefined;
  try {
    const v = JSON.parse(exchange.response.body) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `choices[].finish_reason` (OpenAI) or `stop_reason` (Anthropic). */
function finishReasons(body: Record<string, unknown>): string[] {
  if (typeof body.stop_reason === 'string') return [body.stop_reason];
  if (!Array.isArray(body.choices)) return [];
  return body.choices.map((c) => (c as { finish_reason?: unknown })?.finish_reason).filter((r): r is string => typeof r === 'string');
}
