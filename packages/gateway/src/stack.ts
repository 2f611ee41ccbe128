import { Counter, Registry } from 'prom-client';
import { OTHER_MODEL, type EventBus, type ExchangeMiddleware, type Logger, type ModelLabel } from '@switchyard/core';
import type { HttpTransport, ProviderAdapter } from '@switchyard/providers';
import {
  apiKeyAuth,
  authKeyOptionsFromConfig,
  byokCredential,
  createKeyManager,
  MemoryKeyStore,
  PostgresKeyStore,
  postgresKeyChannel,
  redisKeyChannel,
  SqliteKeyStore,
  type AuthKeyConfigOptions,
  type KeyManager,
  type KeyStore,
} from '@switchyard/auth-key';
import {
  AllowanceLimitStore,
  MemoryLimitStore,
  ProviderLimiter,
  RateLimiter,
  RedisLimitStore,
  providerLimits,
  providerLimitsFromConfig,
  rateLimit,
  rateLimitOptionsFromConfig,
  type LimitStore,
} from '@switchyard/rate-limit';
import {
  modelMapping,
  ModelMapper,
  modelMappingOptionsFromConfig,
  openCatalog,
  type MappingConfig,
  postgresCatalogStore,
  ratesFor,
  sqliteCatalogStore,
  totalInputTokens,
  type Catalog,
} from '@switchyard/model-mapping';
import { RoutingStats, routingStatsOptionsFromConfig, strategySelector, strategySelectorOptionsFromConfig } from '@switchyard/strategy-selector';
import { redisKeyValueStore } from '@switchyard/stores';
import {
  failover,
  failoverOptionsFromConfig,
  healthCheckOptionsFromConfig,
  ProviderFigures,
  ProviderHealth,
  redisFiguresStore,
  type FailoverMiddleware,
} from '@switchyard/failover';
import {
  createMetrics,
  postgresRequestLogStore,
  ProviderPerformance,
  sqliteRequestLogStore,
  usageAccounting,
  usageAccountingOptionsFromConfig,
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

/**
 * The pieces that admit a request before any upstream call, by name, each absent when the config
 * leaves it out. They run in {@link admissionOrder}.
 */
export interface Admission {
  /** Usage accounting: first, so a request refused by auth or a budget is logged too. */
  accounting?: UsageAccounting;
  /** API key auth (`auth.required`). */
  auth?: ExchangeMiddleware;
  /** Per-key budgets and rates. */
  rateLimit: ExchangeMiddleware;
  /** Requested model -> candidate targets. */
  modelMapping: ExchangeMiddleware;
  /** Candidates -> ordered plan. */
  strategy: ExchangeMiddleware;
  /** A client's request-body `strategy` (when its key may override routing) re-plans the request. */
  strategyOverride: ExchangeMiddleware;
  /** A/B tests and canaries rewrite the plan of enrolled requests (`experiments.enabled`). */
  experiments?: ExchangeMiddleware;
  /** Consensus requests fan out to several targets, each through provider limits and the executor (`experiments.consensus.enabled`). */
  consensus?: ExchangeMiddleware;
  /** Per-provider limits (providers with a `rate_limit:` block). */
  providerLimits?: ExchangeMiddleware;
}

/**
 * The admission pieces in the order they run: accounting → auth → budgets → mapping → strategy →
 * request-body strategy → experiments → consensus → provider limits.
 */
export function admissionOrder(admission: Admission): ExchangeMiddleware[] {
  const { accounting, auth, rateLimit, modelMapping, strategy, strategyOverride, experiments, consensus, providerLimits } = admission;
  return [accounting, auth, rateLimit, modelMapping, strategy, strategyOverride, experiments, consensus, providerLimits].filter(
    (m): m is ExchangeMiddleware => m !== undefined,
  );
}

/** Every piece of the composed gateway, built once from the config. */
export interface Stack {
  /** What runs before the executor, by name. */
  admission: Admission;
  /** Failover: calls the plan's targets; the last piece of every pipeline. */
  executor: FailoverMiddleware;
  keys: KeyManager;
  limiter: RateLimiter;
  catalog: Catalog;
  mapper: ModelMapper;
  stats: RoutingStats;
  health: ProviderHealth;
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

async function keyStore(auth: AuthKeyConfigOptions, storage: Storage): Promise<KeyStore> {
  const store: KeyStore = storage.postgres
    ? await PostgresKeyStore.open(storage.postgres)
    : storage.sqlite
      ? new SqliteKeyStore(storage.sqlite)
      : new MemoryKeyStore();
  // Keys declared in the config are inserted into the store once (by hash: idempotent).
  if (auth.keys.length > 0) {
    const declared = MemoryKeyStore.fromConfig(auth.keys, auth);
    for (const record of await declared.list()) {
      if (!(await store.findByHash(record.hash))) await store.insert(record);
    }
  }
  return store;
}

/** Counters live in Redis when configured (one limit across instances), else in the cluster's primary or in memory. */
function limitStore(storage: Storage, prefix: string): LimitStore {
  return storage.redis ? new RedisLimitStore({ client: storage.redis, prefix }) : (storage.shared?.limitStore(prefix) ?? new MemoryLimitStore());
}

/** The models the config's aliases and groups name, by provider (looked up per request with the target's own strings). */
function configuredTargets(config: MappingConfig): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (provider: string, model: string) => {
    let models = out.get(provider);
    if (!models) out.set(provider, (models = new Set()));
    models.add(model);
  };
  for (const targets of Object.values(config.model_mapping ?? {})) {
    for (const [provider, model] of Object.entries(targets ?? {})) add(provider, model);
  }
  for (const members of Object.values(config.groups ?? {})) {
    for (const m of members ?? []) if (typeof m === 'object' && m !== null) add(m.provider, m.model);
  }
  return out;
}

/**
 * Build the composed gateway: the admission pieces (see {@link admissionOrder}) and the
 * executor, each configured through its package's `…OptionsFromConfig` and wired to the stores
 * the config chose.
 */
export async function buildStack(deps: StackDeps): Promise<Stack> {
  const { config, storage, events, logger, adapters, transport, now } = deps;
  const ai = config.ai_gateway;
  const registry = deps.registry ?? new Registry();

  // Revocations reach every instance at once: through Redis pub/sub when configured, else
  // PostgreSQL LISTEN/NOTIFY when keys live there, else through the cluster's primary; one process needs none.
  const channel = storage.redis
    ? redisKeyChannel({ client: storage.redis, subscriber: storage.redisSubscriber })
    : storage.postgres
      ? postgresKeyChannel({ pool: storage.postgres, logger })
      : storage.shared?.keyChannel();
  const auth = authKeyOptionsFromConfig(config.auth);
  const keys = createKeyManager({
    store: await keyStore(auth, storage),
    pepper: auth.pepper,
    masterKey: auth.masterKey,
    cacheTtlMs: auth.cacheTtlMs,
    channel,
    events,
    logger,
    now,
  });
  await keys.ready();

  const rl = rateLimitOptionsFromConfig(ai.rate_limits);
  // Shared limits are taken in blocks, so a busy key's (or provider's) requests rarely wait for the shared store.
  const blocks: AllowanceLimitStore[] = [];
  const sharedLimits = (prefix: string): LimitStore => {
    const store = limitStore(storage, prefix);
    if (!(storage.redis || storage.shared) || rl.blockRequests < 2) return store;
    const onError = (err: unknown) => logger.warn({ err }, 'rate-limit: settling a block of requests failed');
    const inBlocks = new AllowanceLimitStore({ store, maxRequests: rl.blockRequests, now, onError });
    blocks.push(inBlocks);
    return inBlocks;
  };
  const limiter = new RateLimiter({ store: sharedLimits('switchyard:rl:'), onStoreError: rl.onStoreError, leaseMs: rl.leaseMs, now });
  const perProvider = providerLimitsFromConfig(ai.providers);
  const providerLimiter = new ProviderLimiter({
    providers: perProvider,
    store: sharedLimits('switchyard:pl:'),
    onStoreError: rl.onStoreError,
    leaseMs: rl.leaseMs,
    now,
  });

  // Admin changes to the catalog persist in the same database as keys and logs; every instance
  // re-reads them periodically, a cluster's workers as soon as one of them changes it.
  const catalogStore = storage.postgres ? await postgresCatalogStore(storage.postgres) : storage.sqlite ? sqliteCatalogStore(storage.sqlite) : undefined;
  const mapping = modelMappingOptionsFromConfig(ai);
  const catalogChanges = catalogStore && storage.shared?.topic('catalog');
  const catalog = await openCatalog({
    providers: mapping.config.providers,
    models: mapping.config.models,
    store: catalogChanges ? announcingCatalogStore(catalogStore, catalogChanges) : catalogStore,
    logger,
    now,
  });
  catalogChanges?.subscribe(() => catalog.refresh().catch(() => undefined));
  const mapper = new ModelMapper(mapping.config, catalog);
  // Metric labels, breakers, health and latency series per model only for models the catalog
  // or the config's aliases and groups name: a provider without a model list serves any name a
  // client sends, and those share one bucket.
  const configured = configuredTargets(mapping.config);
  const modelLabel: ModelLabel = (provider, model) => (configured.get(provider)?.has(model) || catalog.get(provider, model) ? model : OTHER_MODEL);
  const stats = new RoutingStats({ ...routingStatsOptionsFromConfig(ai.routing, 'ai_gateway.routing'), now, modelLabel });
  stats.attach(events);
  const performance = new ProviderPerformance({ now });
  performance.subscribe(events);
  const figures = new ProviderFigures({ store: storage.redis ? redisFiguresStore({ client: storage.redis, now }) : storage.shared?.figuresStore(), now });
  figures.subscribe(events);
  figures.start();
  const health = new ProviderHealth({
    events,
    providers: ai.providers.map((p) => p.name),
    now,
    modelLabel,
    modelsCheck: healthCheckOptionsFromConfig(ai.providers, { adapters, transport }),
  });

  const metrics = config.metrics.enabled ? createMetrics({ registry, events, modelLabel }) : undefined;
  let logStore: RequestLogStore | undefined;
  let logWorker: WorkerRequestLogSink | undefined;
  const { enabled: usageEnabled, ...usage } = usageAccountingOptionsFromConfig(config.usage);
  if (usageEnabled) {
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
  const accounting = usageEnabled
    ? usageAccounting({
        ...usage,
        prices: (provider, model, usage) => {
          const prices = catalog.describe(provider, model).prices;
          if (!prices) return undefined;
          // Long-context models: the rates of the tier this request's input falls in.
          const r = ratesFor(prices, totalInputTokens(usage));
          const known = (rate: number | null) => rate ?? undefined;
          return {
            inputPerMTok: r.input,
            outputPerMTok: r.output,
            cacheReadPerMTok: known(r.cacheRead),
            cacheWritePerMTok: known(r.cacheWrite),
            cacheWrite1hPerMTok: known(r.cacheWrite1h),
          };
        },
        store: logStore,
        metrics,
        now,
        logger,
      })
    : undefined;

  // Ratings live next to the request log; a rating is checked against the log's key id.
  // Canary states and A/B tests live in the same database, so every instance agrees on them; an
  // A/B test's figures are summed up from the request log there (they survive restarts).
  const canaryTransitions = config.metrics.enabled
    ? new Counter({
        name: 'switchyard_canary_transitions_total',
        help: 'Canary steps, promotions and rollbacks, by what decided them.',
        labelNames: ['canary', 'to', 'criterion'],
        registers: [registry],
      })
    : undefined;
  const experimentOptions = experimentsOptionsFromConfig(config.experiments);
  for (const [key, model] of [
    ['categories.classifier', experimentOptions.classifier],
    ['judge', experimentOptions.judge],
  ] as const) {
    if (model && !adapters.has(model.provider)) throw new Error(`experiments.${key}.provider: no configured provider "${model.provider}"`);
  }
  const experiments =
    config.experiments.enabled || (config.experiments.feedback.enabled && logStore)
      ? experimentsPiece({
          ...experimentOptions,
          // The classifier and the judge call their models past the pipeline (no breaker, no health); each call is its own usage row.
          ...(experimentOptions.classifier || experimentOptions.judge ? { call: modelCalls({ adapters, transport, catalog, accounting, logger, now }) } : {}),
          // One daily budget for the classifier and the judge across workers and instances.
          ...((storage.redis ?? storage.shared)
            ? {
                spendStore: storage.redis
                  ? redisKeyValueStore(storage.redis, { prefix: 'switchyard:spend:' })
                  : storage.shared!.keyValueStore('switchyard:spend:'),
              }
            : {}),
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
    ...failoverOptionsFromConfig(ai.routing, {
      providers: ai.providers,
      totalMs: config.server.request_timeout,
      reasoning: (target) => catalog.describe(target.provider, target.model).capabilities.reasoning,
    }),
    // Breaker openings keep their keys (`switchyard:failover:…`, failover's `storePrefix`).
    store: storage.redis ? redisKeyValueStore(storage.redis, { prefix: '' }) : storage.shared?.keyValueStore(''),
    credential: (exchange, target) => byokCredential(exchange, target),
    contextWindow: (target) => catalog.describe(target.provider, target.model).contextWindow,
    modelLabel,
  });

  const limits = Object.keys(perProvider).length > 0 ? providerLimits({ limiter: providerLimiter, logger }) : undefined;
  // Each target of a consensus request is one upstream call through provider limits and the executor.
  const done = async () => {};
  const consensusPiece = config.experiments.consensus.enabled
    ? consensus({
        ...consensusOptionsFromConfig(config.experiments.consensus),
        execute: (child) => (limits ? limits(child, () => executor(child, done)) : executor(child, done)),
        estimateCost: (target, tokens) => catalog.cost(target.provider, target.model, tokens) ?? undefined,
        logger,
      })
    : undefined;
  const admission: Admission = {
    ...(accounting ? { accounting } : {}),
    ...(auth.required ? { auth: apiKeyAuth({ keys }) } : {}),
    rateLimit: rateLimit({ limiter, defaultLimits: rl.defaultLimits, defaultOutputTokens: rl.defaultOutputTokens, budgetMode: rl.budgetMode, logger, now }),
    modelMapping: modelMapping({ ...mapping, catalog }),
    strategy: strategySelector({
      ...strategySelectorOptionsFromConfig(ai.routing, 'ai_gateway.routing'),
      catalog,
      stats,
      store: storage.redis ? redisKeyValueStore(storage.redis, { prefix: 'switchyard:routing:' }) : storage.shared?.keyValueStore('switchyard:routing:'),
      now,
    }),
    // Always mounted, so a request-body `strategy` never goes upstream.
    strategyOverride: strategyOverride({
      providers: ai.providers.map((p) => p.name),
      cost: (provider, model, tokens) => catalog.cost(provider, model, tokens),
      ...(experiments ? { categorise: (exchange) => experiments.categorise(exchange), quality: experiments.measuredQuality } : {}),
    }),
    ...(experiments && config.experiments.enabled ? { experiments: experiments.middleware } : {}),
    ...(consensusPiece ? { consensus: consensusPiece } : {}),
    ...(limits ? { providerLimits: limits } : {}),
  };

  return {
    admission,
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
      await Promise.all(blocks.map((b) => b.close())); // what the blocks did not hand out goes back to the shared limits
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
