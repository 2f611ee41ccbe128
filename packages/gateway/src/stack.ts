import { Counter, Registry } from 'prom-client';
import { OTHER_MODEL, type EventBus, type ExchangeMiddleware, type Logger, type ModelLabel } from '@switchyard/core';
import type { HttpTransport, ProviderAdapter } from '@switchyard/providers';
import {
  apiKeyAuth,
  byokCredential,
  createKeyManager,
  MemoryKeyStore,
  PostgresKeyStore,
  postgresKeyChannel,
  redisKeyChannel,
  SqliteKeyStore,
  type KeyManager,
  type KeyStore,
} from '@switchyard/auth-key';
import { MemoryLimitStore, ProviderLimiter, RateLimiter, RedisLimitStore, providerLimits, providerLimitsFromConfig, rateLimit, rateLimitOptionsFromConfig, type LimitStore } from '@switchyard/rate-limit';
import { modelMapping, ModelMapper, openCatalog, type MappingConfig, postgresCatalogStore, ratesFor, sqliteCatalogStore, totalInputTokens, type Catalog } from '@switchyard/model-mapping';
import { RoutingStats, parseLatencyWindow as parseWindow, strategySelector } from '@switchyard/strategy-selector';
import { redisKeyValueStore } from '@switchyard/stores';
import { failover, failoverHedgeOption, failoverTimeoutOptions, ProviderFigures, ProviderHealth, redisFiguresStore, fallbackBlockConditions, type FailoverMiddleware } from '@switchyard/failover';
import {
  createMetrics,
  postgresRequestLogStore,
  ProviderPerformance,
  sqliteRequestLogStore,
  usageAccounting,
  withRequestLogSink,
  workerRequestLogSink,
  type RequestLogStore,
  type WorkerRequestLogSink,
  type UsageAccounting,
} from '@switchyard/usage-accounting';
import {
  consensus,
  consensusOptionsFromConfig,
  experiments as experimentsPiece,
  experimentsOptionsFromConfig,
  postgresCanaryStore,
  postgresExperimentStore,
  postgresFeedbackStore,
  sqliteCanaryStore,
  sqliteExperimentStore,
  sqliteFeedbackStore,
  strategyOverride,
  type Experiments,
} from '@switchyard/experiments';
import { modelCalls } from './model-calls.js';
import type { GatewayConfig } from './config/schema.js';
import type { Storage } from './storage.js';
import { announcingCatalogStore } from './shared-state.js';
import { Worker } from 'node:worker_threads';

/** Every piece of the composed gateway, built once from the config. */
export interface Stack {
  /** Neutral middlewares in pipeline order (after request validation). */
  pipeline: ExchangeMiddleware[];
  keys: KeyManager;
  limiter: RateLimiter;
  catalog: Catalog;
  mapper: ModelMapper;
  stats: RoutingStats;
  health: ProviderHealth;
  executor: FailoverMiddleware;
  accounting?: UsageAccounting;
  logStore?: RequestLogStore;
  performance: ProviderPerformance;
  /** Outcome counts and load per provider for the client status routes (in Redis when configured). */
  figures: ProviderFigures;
  /** A/B tests and request ratings (`experiments:`), when enabled or when feedback has a request log to check against. */
  experiments?: Experiments;
  registry: Registry;
  close(): Promise<void>;
}

export interface StackDeps {
  config: GatewayConfig;
  storage: Storage;
  events: EventBus;
  logger: Logger;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  transport: HttpTransport;
  registry?: Registry;
  now?: () => number;
}

async function keyStore(config: GatewayConfig, storage: Storage): Promise<KeyStore> {
  const store: KeyStore = storage.postgres
    ? await PostgresKeyStore.open(storage.postgres)
    : storage.sqlite
      ? new SqliteKeyStore(storage.sqlite)
      : new MemoryKeyStore();
  // Keys declared in the config are inserted into the store once (by hash: idempotent).
  if (config.auth.keys.length > 0) {
    const declared = MemoryKeyStore.fromConfig(config.auth.keys as never, { pepper: config.auth.pepper || undefined });
    for (const record of await declared.list()) {
      if (!(await store.findByHash(record.hash))) await store.insert(record);
    }
  }
  return store;
}

/** Counters live in Redis when configured (one limit across instances), else in the cluster's primary or in memory. */
function limitStore(storage: Storage, prefix: string): LimitStore {
  return storage.redis ? new RedisLimitStore({ client: storage.redis as never, prefix }) : (storage.shared?.limitStore(prefix) ?? new MemoryLimitStore());
}

/** The failover options the config's `routing.failover` and `routing.fallback` blocks ask for. */
function failoverSettings(routing: GatewayConfig['ai_gateway']['routing'], providerCount: number) {
  const f = routing.failover;
  const fb = routing.fallback as { provider?: string; on_error?: boolean; on_rate_limit?: boolean };
  const cb = f.circuit_breaker ?? {};
  return {
    enabled: f.enabled,
    maxRetries: f.max_retries ?? undefined,
    // Enough attempts to walk the whole chain with every target's retries (the config's
    // max_retries is per target), unless the config caps it explicitly.
    ...(f.max_attempts !== null
      ? { maxAttempts: f.max_attempts }
      : f.max_retries !== null
        ? { maxAttempts: Math.max(6, (f.max_retries + 1) * providerCount) }
        : {}),
    retryCodes: f.retry_codes ?? undefined,
    breaker: {
      ...(cb.failure_threshold !== undefined ? { consecutiveFailures: cb.failure_threshold } : {}),
      ...(cb.success_threshold !== undefined ? { successThreshold: cb.success_threshold } : {}),
      ...(cb.timeout !== undefined ? { coolDownMs: parseWindow(String(cb.timeout)) } : {}),
    },
    conditions: fb.provider ? { [fb.provider]: fallbackBlockConditions(fb) } : undefined,
  };
}

/**
 * The config's per-provider `health_check:` blocks as active checks: a cheap models listing,
 * never a paid completion, only for providers that enable it.
 */
function activeChecks(providers: GatewayConfig['ai_gateway']['providers'], adapters: ReadonlyMap<string, ProviderAdapter>, transport: HttpTransport) {
  const enabled = providers.filter((p) => (p.health_check as { enabled?: boolean } | undefined)?.enabled === true);
  if (enabled.length === 0) return undefined;
  const first = enabled[0]!.health_check as { interval?: string | number; timeout?: string | number };
  const endpoints: Record<string, string> = {};
  for (const p of enabled) {
    const endpoint = (p.health_check as { endpoint?: string }).endpoint;
    if (endpoint) endpoints[p.name] = endpoint;
  }
  return {
    adapters,
    transport,
    providers: enabled.map((p) => p.name),
    intervalMs: first.interval !== undefined ? parseWindow(String(first.interval)) : undefined,
    timeoutMs: first.timeout !== undefined ? parseWindow(String(first.timeout)) : undefined,
    endpoints,
  };
}

/** `provider\nmodel` of every target the config's aliases (`model_mapping`) and groups name. */
function configuredTargets(config: MappingConfig): Set<string> {
  const out = new Set<string>();
  for (const targets of Object.values(config.model_mapping ?? {})) {
    for (const [provider, model] of Object.entries(targets ?? {})) out.add(`${provider}\n${model}`);
  }
  for (const members of Object.values(config.groups ?? {})) {
    for (const m of members ?? []) if (typeof m === 'object' && m !== null) out.add(`${m.provider}\n${m.model}`);
  }
  return out;
}

/**
 * Build the composed pipeline: auth → budgets → accounting → model mapping → strategy →
 * provider limits → failover. Pieces are wired to the stores the config chose.
 */
export async function buildStack(deps: StackDeps): Promise<Stack> {
  const { config, storage, events, logger, adapters, transport, now } = deps;
  const ai = config.ai_gateway;
  const registry = deps.registry ?? new Registry();

  // Revocations reach every instance at once: through Redis pub/sub when configured, else
  // PostgreSQL LISTEN/NOTIFY when keys live there, else through the cluster's primary; one process needs none.
  const channel = storage.redis
    ? redisKeyChannel({ client: storage.redis as never, subscriber: storage.redisSubscriber as never })
    : storage.postgres
      ? postgresKeyChannel({ pool: storage.postgres as never, logger })
      : storage.shared?.keyChannel();
  const keys = createKeyManager({
    store: await keyStore(config, storage),
    pepper: config.auth.pepper || undefined,
    masterKey: config.auth.master_key || undefined,
    cacheTtlMs: config.auth.cache_ttl,
    channel,
    events,
    logger,
    now,
  });
  await keys.ready();

  const rl = rateLimitOptionsFromConfig(ai.rate_limits);
  const limiter = new RateLimiter({ store: limitStore(storage, 'switchyard:rl:'), onStoreError: rl.onStoreError, leaseMs: rl.leaseMs, now });
  const providerLimiter = new ProviderLimiter({ providers: providerLimitsFromConfig(ai.providers as never), store: limitStore(storage, 'switchyard:pl:'), onStoreError: rl.onStoreError, leaseMs: rl.leaseMs, now });

  // Admin changes to the catalog persist in the same database as keys and logs; every instance
  // re-reads them periodically, a cluster's workers as soon as one of them changes it.
  const catalogStore = storage.postgres ? await postgresCatalogStore(storage.postgres) : storage.sqlite ? sqliteCatalogStore(storage.sqlite) : undefined;
  const catalogChanges = catalogStore && storage.shared?.topic('catalog');
  const catalog = await openCatalog({
    providers: ai.providers as never,
    models: (ai.models as never) ?? undefined,
    store: catalogChanges ? announcingCatalogStore(catalogStore, catalogChanges) : catalogStore,
    logger,
    now,
  });
  catalogChanges?.subscribe(() => catalog.refresh().catch(() => undefined));
  const mapper = new ModelMapper(ai as never, catalog);
  // Metric labels, breakers, health and latency series per model only for models the catalog
  // or the config's aliases and groups name: a provider without a model list serves any name a
  // client sends, and those share one bucket.
  const configured = configuredTargets(ai as MappingConfig);
  const modelLabel: ModelLabel = (provider, model) => (configured.has(`${provider}\n${model}`) || catalog.get(provider, model) ? model : OTHER_MODEL);
  const latency = (ai.routing.latency ?? {}) as { window?: string };
  const stats = new RoutingStats({ windowMs: parseWindow(latency.window ?? '5m'), now, modelLabel });
  stats.attach(events);
  const performance = new ProviderPerformance({ now });
  performance.subscribe(events);
  const figures = new ProviderFigures({ store: storage.redis ? redisFiguresStore({ client: storage.redis as never, now }) : storage.shared?.figuresStore(), now });
  figures.subscribe(events);
  figures.start();
  const health = new ProviderHealth({ events, providers: ai.providers.map((p) => p.name), now, modelLabel, modelsCheck: activeChecks(ai.providers, adapters, transport) });

  const metrics = config.metrics.enabled ? createMetrics({ registry, events, modelLabel }) : undefined;
  let logStore: RequestLogStore | undefined;
  let logWorker: WorkerRequestLogSink | undefined;
  if (config.usage.enabled) {
    if (storage.postgres) logStore = await postgresRequestLogStore(storage.postgres);
    else if (storage.sqlite) {
      // Migrates the file first, so the worker's connection finds the tables.
      logStore = sqliteRequestLogStore(storage.sqlite);
      if (storage.sqlitePath) {
        // SQLite inserts are synchronous: a worker thread writes the batches off the event loop;
        // reads (admin API, key totals) stay on this connection. A crashed worker falls back to here.
        const worker = new Worker(new URL('./request-log-worker.js', import.meta.url), { workerData: { path: storage.sqlitePath } });
        logWorker = workerRequestLogSink(worker, { fallback: logStore });
        logStore = withRequestLogSink(logStore, logWorker);
      }
    }
  }
  const accounting = config.usage.enabled
    ? usageAccounting({
        prices: (provider, model, usage) => {
          const prices = catalog.describe(provider, model).prices;
          if (!prices) return undefined;
          // Long-context models: the rates of the tier this request's input falls in.
          const r = ratesFor(prices, totalInputTokens(usage));
          const known = (rate: number | null) => rate ?? undefined;
          return { inputPerMTok: r.input, outputPerMTok: r.output, cacheReadPerMTok: known(r.cacheRead), cacheWritePerMTok: known(r.cacheWrite), cacheWrite1hPerMTok: known(r.cacheWrite1h) };
        },
        store: logStore,
        batchSize: config.usage.batch_size,
        flushIntervalMs: config.usage.flush_interval,
        retentionMs: config.usage.retention,
        capture: { request: config.usage.capture_bodies, response: config.usage.capture_bodies },
        costHeader: config.usage.cost_header,
        metrics,
        now,
        logger,
      })
    : undefined;

  // Ratings live next to the request log; a rating is checked against the log's key id.
  // Canary states and A/B tests live in the same database, so every instance agrees on them; an
  // A/B test's figures are summed up from the request log there (they survive restarts).
  const canaryTransitions = config.metrics.enabled
    ? new Counter({ name: 'switchyard_canary_transitions_total', help: 'Canary steps, promotions and rollbacks, by what decided them.', labelNames: ['canary', 'to', 'criterion'], registers: [registry] })
    : undefined;
  const experimentOptions = experimentsOptionsFromConfig(config.experiments);
  for (const [key, model] of [['categories.classifier', experimentOptions.classifier], ['judge', experimentOptions.judge]] as const) {
    if (model && !adapters.has(model.provider)) throw new Error(`experiments.${key}.provider: no configured provider "${model.provider}"`);
  }
  const experiments =
    config.experiments.enabled || (config.experiments.feedback.enabled && logStore)
      ? experimentsPiece({
          ...experimentOptions,
          // The classifier and the judge call their models past the pipeline (no breaker, no health); each call is its own usage row.
          ...(experimentOptions.classifier || experimentOptions.judge ? { call: modelCalls({ adapters, transport, catalog, accounting, logger, now }) } : {}),
          ...(storage.postgres
            ? {
                feedbackStore: await postgresFeedbackStore(storage.postgres),
                canaryStore: await postgresCanaryStore(storage.postgres),
                experimentStore: await postgresExperimentStore(storage.postgres, { figuresFromRequestLog: logStore !== undefined }),
              }
            : {}),
          ...(storage.sqlite
            ? {
                feedbackStore: sqliteFeedbackStore(storage.sqlite),
                canaryStore: sqliteCanaryStore(storage.sqlite),
                experimentStore: sqliteExperimentStore(storage.sqlite, { figuresFromRequestLog: logStore !== undefined }),
              }
            : {}),
          ...(accounting ? { beforeFigures: () => accounting.flush() } : {}),
          ...(logStore ? { lookup: requestLookup(logStore, accounting) } : {}),
          onCanaryTransition: (t) => canaryTransitions?.inc({ canary: t.id, to: t.to, criterion: t.criterion }),
          // cost_quality_balance orders a category's targets by their output price.
          price: (provider, model) => catalog.describe(provider, model).prices?.output,
          logger,
          ...(now ? { now } : {}),
        })
      : undefined;
  if (config.experiments.enabled) await experiments?.ready();

  const executor = failover({
    adapters,
    transport,
    events,
    logger,
    now,
    ...failoverSettings(ai.routing, ai.providers.length),
    ...failoverTimeoutOptions(ai.routing.failover, {
      providers: ai.providers as never,
      totalMs: config.server.request_timeout,
      reasoning: (target) => catalog.describe(target.provider, target.model).capabilities.reasoning,
    }),
    // Breaker openings keep their keys (`switchyard:failover:…`, failover's `storePrefix`).
    store: storage.redis ? redisKeyValueStore(storage.redis, { prefix: '' }) : storage.shared?.keyValueStore(''),
    credential: (exchange, target) => byokCredential(exchange, target),
    contextWindow: (target) => catalog.describe(target.provider, target.model).contextWindow,
    modelLabel,
    continuation: { enabled: ai.routing.failover.stream_continuation, regenerate: ai.routing.failover.regenerate_and_match },
    hedge: failoverHedgeOption(ai.routing.failover),
  });

  const pipeline: ExchangeMiddleware[] = [];
  if (accounting) pipeline.push(accounting);
  if (config.auth.required) pipeline.push(apiKeyAuth({ keys }));
  pipeline.push(rateLimit({ limiter, defaultLimits: rl.defaultLimits, defaultOutputTokens: rl.defaultOutputTokens, budgetMode: rl.budgetMode, logger, now }));
  pipeline.push(modelMapping({ config: ai as never, catalog }));
  pipeline.push(
    strategySelector({
      routing: ai.routing as never,
      catalog,
      stats,
      store: storage.redis ? redisKeyValueStore(storage.redis as never, { prefix: 'switchyard:routing:' }) : storage.shared?.keyValueStore('switchyard:routing:'),
      now,
    }),
  );
  // A client's request-body `strategy` (when its key may override routing) re-plans the request; always mounted so the field never goes upstream.
  pipeline.push(
    strategyOverride({
      providers: ai.providers.map((p) => p.name),
      cost: (provider, model, tokens) => catalog.cost(provider, model, tokens),
      ...(experiments ? { categorise: (exchange) => experiments.categorise(exchange), quality: experiments.measuredQuality } : {}),
    }),
  );
  if (experiments && config.experiments.enabled) pipeline.push(experiments.middleware); // rewrites the plan of enrolled requests
  const limits = Object.keys(providerLimitsFromConfig(ai.providers as never)).length > 0 ? providerLimits({ limiter: providerLimiter, logger }) : undefined;
  if (config.experiments.consensus.enabled) {
    // Each target of a consensus request is one upstream call through provider limits and the executor.
    const done = async () => {};
    pipeline.push(
      consensus({
        ...consensusOptionsFromConfig(config.experiments.consensus),
        execute: (child) => (limits ? limits(child, () => executor(child, done)) : executor(child, done)),
        estimateCost: (target, tokens) => catalog.cost(target.provider, target.model, tokens) ?? undefined,
        logger,
      }),
    );
  }
  if (limits) pipeline.push(limits);
  pipeline.push(executor);

  return {
    pipeline,
    keys,
    limiter,
    catalog,
    mapper,
    stats,
    health,
    executor,
    accounting,
    logStore,
    performance,
    figures,
    ...(experiments ? { experiments } : {}),
    registry,
    async close() {
      health.stop();
      experiments?.close();
      await experiments?.judge?.idle(); // gradings under way write their usage rows before the log closes
      await figures.stop().catch(() => undefined);
      catalog.close();
      await accounting?.close();
      await logWorker?.close();
      await keys.close();
      await channel?.close();
    },
  };
}

/** Who made a logged request and what served it (pending log writes are flushed first). */
function requestLookup(store: RequestLogStore, accounting: UsageAccounting | undefined) {
  return async (requestId: string) => {
    await accounting?.flush();
    const record = await store.get(requestId);
    return record && { principalId: record.keyId, provider: record.provider, model: record.resolvedModel };
  };
}
