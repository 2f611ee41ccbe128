import { everyModel, isGatewayError, type EventBus, type GatewayEvents, type ModelLabel } from '@switchyard/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RequestLogRecord, UsageLog } from './record.js';
import { cellCounter, cellGauge, cellHistogram } from './series-cells.js';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** The prom-client registry to register on (the app's own, or a fresh one). Required. */
  registry: Registry;
  /** Switchyard's event bus, for attempts, failovers, breakers and provider health. Defaults to none. */
  events?: EventBus<GatewayEvents>;
  /** Buckets of the provider latency and time-to-first-token histograms, in seconds. Defaults to 5 ms … 120 s. */
  latencyBuckets?: number[];
  /** Buckets of the gateway overhead histogram, in seconds. Defaults to 0.1 ms … 100 ms. */
  overheadBuckets?: number[];
  /**
   * Count spend and tokens per API key id (`switchyard_key_*`; one series per key, never a
   * name or secret). Turn off when keys are too many to label. Defaults to true.
   */
  keyLabels?: boolean;
  /**
   * The `model` label of a (provider, model): pass one that maps models outside your catalog
   * to one bucket when a provider serves any name a client sends. Defaults to the model as is.
   */
  modelLabel?: ModelLabel;
}

/** Metrics fed by events and by the usage-accounting middleware (one observation per request). */
export interface UsageMetrics {
  readonly registry: Registry;
  /** Count a settled request: status, tokens by class, cost, overhead. */
  observeRequest(record: RequestLogRecord, overheadMs?: number): void;
  /**
   * Count one of the gateway's own model calls (the classifier's, the judge's; `record.strategy`
   * names the purpose): apart from client requests, so they never inflate request or key series.
   */
  observeInternalCall(record: RequestLogRecord): void;
  /** Stop listening to the event bus. */
  dispose(): void;
}

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const CIRCUIT = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * Prometheus metrics of the gateway, on an injected registry. Every label is bounded: provider
 * names come from configuration, models through `modelLabel`, statuses and reasons from fixed sets, key ids only on
 * the `switchyard_key_*` series; no key name or secret, no requested model name, nothing a client typed. Names are listed in the package README.
 *
 * @example
 * const registry = new Registry();
 * const metrics = createMetrics({ registry, events });
 * const accounting = usageAccounting({ metrics, prices });
 */
export function createMetrics(options: MetricsOptions): UsageMetrics {
  const registry = options?.registry;
  if (!registry || typeof registry.registerMetric !== 'function') throw new TypeError('createMetrics: `registry` (a prom-client Registry) is required');
  const latencyBuckets = options.latencyBuckets ?? LATENCY;
  const overheadBuckets = options.overheadBuckets ?? OVERHEAD;
  const registers = [registry];
  const label = options.modelLabel ?? everyModel;

  const requests = cellCounter({
    name: 'switchyard_requests_total',
    help: 'AI requests by serving provider, model, HTTP status and outcome',
    labelNames: ['provider', 'model', 'status', 'outcome'],
    registers,
  });
  const tokens = cellCounter({
    name: 'switchyard_tokens_total',
    help: 'Tokens by serving provider, model and class (input excludes cached; cache_write_1h is part of cache_write, reasoning part of output)',
    labelNames: ['provider', 'model', 'class'],
    registers,
  });
  const cost = cellCounter({
    name: 'switchyard_cost_usd_total',
    help: 'Known cost in USD by serving provider and model',
    labelNames: ['provider', 'model'],
    registers,
  });
  const unpriced = cellCounter({
    name: 'switchyard_cost_unknown_total',
    help: 'Served requests whose cost is unknown (no price)',
    labelNames: ['provider', 'model'],
    registers,
  });
  const estimated = cellCounter({
    name: 'switchyard_usage_estimated_total',
    help: 'Requests whose usage was estimated by a tokenizer',
    labelNames: ['provider', 'model'],
    registers,
  });
  const overhead = cellHistogram({
    name: 'switchyard_gateway_overhead_seconds',
    help: 'Time added by the gateway: wait for the first byte minus time in upstream attempts',
    labelNames: [],
    buckets: overheadBuckets,
    registers,
  });
  const failovers = new Counter({
    name: 'switchyard_failovers_total',
    help: 'Failovers from one provider to another, by failure kind',
    labelNames: ['from', 'to', 'reason'],
    registers,
  });
  const retries = new Counter({
    name: 'switchyard_retries_total',
    help: 'Retries against the same target, by failure kind',
    labelNames: ['provider', 'reason'],
    registers,
  });
  const attempts = cellCounter({
    name: 'switchyard_attempts_total',
    help: 'Upstream attempts by provider, outcome (success, failure, aborted, hedge_lost), failure kind and role (plan, hedge, continuation)',
    labelNames: ['provider', 'outcome', 'kind', 'role'],
    registers,
  });
  const attemptLatency = cellHistogram({
    name: 'switchyard_provider_latency_seconds',
    help: 'Upstream attempt duration by provider, model and outcome',
    labelNames: ['provider', 'model', 'outcome'],
    buckets: latencyBuckets,
    registers,
  });
  const ttft = cellHistogram({
    name: 'switchyard_time_to_first_token_seconds',
    help: 'Upstream time to first stream event by provider and model',
    labelNames: ['provider', 'model'],
    buckets: latencyBuckets,
    registers,
  });
  const health = new Gauge({ name: 'switchyard_provider_up', help: 'Provider health: 1 healthy or degraded, 0 down', labelNames: ['provider'], registers });
  const circuit = new Gauge({
    name: 'switchyard_circuit_state',
    help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider', 'model'],
    registers,
  });
  const keyLabels = options.keyLabels !== false;
  const keyCost = cellCounter({
    name: 'switchyard_key_cost_usd_total',
    help: 'Known cost in USD by API key id',
    labelNames: ['key_id'],
    registers,
  });
  const keyTokens = cellCounter({
    name: 'switchyard_key_tokens_total',
    help: 'Tokens by API key id and direction (input includes cached tokens)',
    labelNames: ['key_id', 'direction'],
    registers,
  });
  const rejections = new Counter({
    name: 'switchyard_rate_limit_rejections_total',
    help: 'Requests refused by rate limiting before any upstream attempt (key limits and budgets, provider limits, limit store down), by error code',
    labelNames: ['code'],
    registers,
  });
  const inflight = cellGauge({
    name: 'switchyard_inflight_requests',
    help: 'Upstream attempts in flight by provider',
    labelNames: ['provider'],
    registers,
  });
  const internalCalls = new Counter({
    name: 'switchyard_internal_calls_total',
    help: "The gateway's own model calls (prompt classifier, quality judge) by purpose, provider, model and outcome",
    labelNames: ['purpose', 'provider', 'model', 'outcome'],
    registers,
  });
  const internalTokens = new Counter({
    name: 'switchyard_internal_tokens_total',
    help: "Tokens of the gateway's own model calls by purpose, provider, model and direction (input with cached tokens, output)",
    labelNames: ['purpose', 'provider', 'model', 'direction'],
    registers,
  });
  const internalCost = new Counter({
    name: 'switchyard_internal_cost_usd_total',
    help: "Known cost in USD of the gateway's own model calls by purpose, provider and model",
    labelNames: ['purpose', 'provider', 'model'],
    registers,
  });

  const offs: Array<() => void> = [];
  const events = options.events;
  if (events) {
    offs.push(
      events.on('attempt.start', ({ attempt }) => inflight.add(1, attempt.target.provider)),
      events.on('attempt.end', ({ exchange, attempt }) => {
        const { provider } = attempt.target;
        const model = label(provider, attempt.target.model);
        inflight.add(-1, provider);
        attempts.add(1, provider, attempt.hedgeLost ? 'hedge_lost' : attempt.outcome, attempt.failureKind ?? 'none', attempt.role ?? 'plan');
        if (attempt.endedAt !== undefined) attemptLatency.observe((attempt.endedAt - attempt.startedAt) / 1000, provider, model, attempt.outcome);
        if (exchange.stream && attempt.firstByteAt !== undefined) ttft.observe((attempt.firstByteAt - attempt.startedAt) / 1000, provider, model);
      }),
      events.on('failover', ({ from, to, kind }) => failovers.inc({ from: from.provider, to: to.provider, reason: kind })),
      events.on('retry', ({ target, kind }) => retries.inc({ provider: target.provider, reason: kind })),
      events.on('breaker.open', ({ target }) => circuit.set({ provider: target.provider, model: label(target.provider, target.model) }, CIRCUIT.open)),
      events.on('breaker.half_open', ({ target }) =>
        circuit.set({ provider: target.provider, model: label(target.provider, target.model) }, CIRCUIT.half_open),
      ),
      events.on('breaker.close', ({ target }) => circuit.set({ provider: target.provider, model: label(target.provider, target.model) }, CIRCUIT.closed)),
      events.on('provider.status', ({ provider, status }) => health.set({ provider }, status === 'down' ? 0 : 1)),
      events.on('exchange.settled', ({ exchange, settlement }) => {
        if (exchange.attempts.length > 0) return;
        const code = isGatewayError(exchange.error) ? exchange.error.code : undefined;
        // 429s before any attempt, and the 503 of a limit store that is down (fail-closed policy).
        if (settlement.status === 429 || code === 'rate_limit_unavailable') rejections.inc({ code: code ?? 'rate_limited' });
      }),
    );
  }

  return {
    registry,
    observeRequest(record, overheadMs) {
      const provider = record.provider ?? 'none';
      const model = record.provider && record.resolvedModel ? label(record.provider, record.resolvedModel) : 'none';
      requests.add(1, provider, model, String(record.status), record.outcome);
      if (overheadMs !== undefined) overhead.observe(overheadMs / 1000);
      const u = record.usage;
      if (!record.provider) return;
      if (u) {
        if (u.input) tokens.add(u.input, provider, model, 'input');
        if (u.cacheRead) tokens.add(u.cacheRead, provider, model, 'cache_read');
        if (u.cacheWrite) tokens.add(u.cacheWrite, provider, model, 'cache_write');
        if (u.cacheWrite1h) tokens.add(u.cacheWrite1h, provider, model, 'cache_write_1h');
        if (u.output) tokens.add(u.output, provider, model, 'output');
        if (u.reasoning) tokens.add(u.reasoning, provider, model, 'reasoning');
        if (u.source === 'estimated') estimated.add(1, provider, model);
      }
      if (record.costUsd === null) unpriced.add(1, provider, model);
      else if (record.costUsd > 0) cost.add(record.costUsd, provider, model);
      if (keyLabels && record.keyId) {
        const key_id = record.keyId;
        if (u) {
          const input = inputWithCache(u);
          if (input) keyTokens.add(input, key_id, 'input');
          if (u.output) keyTokens.add(u.output, key_id, 'output');
        }
        if (record.costUsd) keyCost.add(record.costUsd, key_id);
      }
    },
    observeInternalCall(record) {
      // The target asked for, also when the call failed (then the record names no provider).
      const asked = record.attempts[0];
      const provider = record.provider ?? asked?.provider ?? 'none';
      const model = asked ? label(provider, record.resolvedModel ?? asked.model) : 'none';
      const purpose = record.strategy ?? 'internal';
      internalCalls.inc({ purpose, provider, model, outcome: record.outcome });
      const u = record.usage;
      if (u) {
        const input = inputWithCache(u);
        if (input) internalTokens.inc({ purpose, provider, model, direction: 'input' }, input);
        if (u.output) internalTokens.inc({ purpose, provider, model, direction: 'output' }, u.output);
      }
      if (record.costUsd) internalCost.inc({ purpose, provider, model }, record.costUsd);
    },
    dispose() {
      for (const off of offs.splice(0)) off();
    },
  };
}

/** Input tokens as the per-direction series count them: cache reads and writes included. */
function inputWithCache(u: UsageLog): number {
  return u.input + u.cacheRead + u.cacheWrite;
}

/**
 * The body and content type of a Prometheus scrape.
 * @example const { contentType, body } = await renderMetrics(registry);
 */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
