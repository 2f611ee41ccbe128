/**
 * What `traceExchanges` costs per request when no OpenTelemetry SDK is registered (the API's
 * no-op tracer), and with an SDK recording every span, against no tracing subscriber at all:
 * the four events one request with one attempt emits, on a real EventBus, many times over.
 * Usage: node bench/dist/tracing-overhead.js [iterations]
 * @module
 */
import { EventBus, type Attempt, type Exchange } from '@switchyard/core';
import { traceExchanges } from '@switchyard/usage-accounting';

/** One request's events: start, one attempt, settlement. */
function emitRequest(events: EventBus, i: number): void {
  const exchange = {
    id: `req-${i}`,
    format: 'openai.chat',
    requestedModel: 'bench-model',
    stream: false,
    headers: { 'content-type': 'application/json' },
    body: { model: 'bench-model', max_tokens: 16, messages: [] },
    attempts: [] as Attempt[],
  } as unknown as Exchange;
  events.emit('exchange.start', { exchange });
  const attempt: Attempt = { target: { provider: 'upstream', model: 'bench-model' }, startedAt: 1, outcome: 'pending' };
  exchange.attempts.push(attempt);
  events.emit('attempt.start', { exchange, attempt });
  Object.assign(attempt, { outcome: 'success', firstByteAt: 2, endedAt: 3, status: 200 });
  events.emit('attempt.end', { exchange, attempt });
  events.emit('exchange.settled', { exchange, settlement: { outcome: 'completed', status: 200, endedAt: 4 } as never });
}

/** ns per request over `n` requests, best of 5 rounds. */
function measure(events: EventBus, n: number): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) emitRequest(events, i);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n);
  }
  return best;
}

/** The three variants' cost per request, ns. */
export async function tracingOverhead(n = 200_000): Promise<{ none: number; noSdk: number; sdk: number }> {
  const bare = new EventBus();
  // Something listens in every variant, as usage accounting does in the gateway.
  for (const name of ['exchange.start', 'attempt.start', 'attempt.end', 'exchange.settled'] as const) bare.on(name, () => undefined);
  const none = measure(bare, n);
  const traced = new EventBus();
  for (const name of ['exchange.start', 'attempt.start', 'attempt.end', 'exchange.settled'] as const) traced.on(name, () => undefined);
  const stop = traceExchanges({ events: traced });
  const noSdk = measure(traced, n);
  stop();
  // With a recording SDK whose processor drops spans: the cost of building them.
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} }] });
  const recorded = new EventBus();
  traceExchanges({ events: recorded, tracer: provider.getTracer('bench') });
  const sdk = measure(recorded, Math.floor(n / 10));
  return { none, noSdk, sdk };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const n = Number(process.argv[2] ?? 200_000);
  const r = await tracingOverhead(n);
  const f = (x: number) => `${x.toFixed(0)} ns`;
  console.log(`per request (4 events), best of 5 x ${n}:`);
  console.log(`  no tracing subscriber        ${f(r.none)}`);
  console.log(`  traceExchanges, no SDK       ${f(r.noSdk)}  (+${f(r.noSdk - r.none)})`);
  console.log(`  traceExchanges, SDK records  ${f(r.sdk)}  (+${f(r.sdk - r.none)})`);
}
