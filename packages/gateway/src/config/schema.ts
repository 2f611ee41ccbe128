import convict from 'convict';
import { authKeyConfigSchema, type AuthKeyConfig } from '@switchyard/auth-key';
import { rateLimitConfigSchema, type RateLimitConfig } from '@switchyard/rate-limit';
import {
  checkProviderTimeouts,
  failoverConfigSchema,
  fallbackConfigSchema,
  type FailoverConfig,
  type FallbackConfig,
  type HealthCheckConfig,
  type TimeoutsConfig,
} from '@switchyard/failover';
import { validateProviderList, type ProviderEntryConfig, type TransportTimeouts } from '@switchyard/providers';
import { modelMappingConfigSchema, type CostConfig, type ModelMappingConfig } from '@switchyard/model-mapping';
import { strategySelectorConfigSchema, type StrategySelectorConfig } from '@switchyard/strategy-selector';
import { usageAccountingConfigSchema, type UsageAccountingConfig } from '@switchyard/usage-accounting';
import { parseDuration, registerConfigFormats } from '@switchyard/core';
import { mcpConfigSchema, type McpConfig } from '@switchyard/mcp/config';
import { experimentsConfigSchema, type ExperimentsConfig } from '@switchyard/experiments';

/**
 * One entry of `ai_gateway.providers`: the providers package's own settings (adapter-specific
 * extras pass through) plus those other pieces read.
 */
export interface ProviderEntry extends ProviderEntryConfig {
  /** This provider's own limits (rate-limit's `providerLimitsFromConfig`). */
  rate_limit?: { requests_per_minute?: number; tokens_per_minute?: number; concurrent_requests?: number };
  /**
   * This provider's deadlines over the global ones, read by failover. (The adapters' own
   * `timeouts` are in ms with camelCase names, none of which a config block sets.)
   */
  timeouts?: TimeoutsConfig & Partial<TransportTimeouts>;
  /** Active checks of this provider (failover's `healthCheckOptionsFromConfig`). */
  health_check?: HealthCheckConfig;
  /** Prices of every model of this provider over the price table (model-mapping). */
  cost?: CostConfig;
  [extra: string]: unknown;
}

/** The `ai_gateway:` section: providers plus each piece's own keys. */
export interface AiGatewayConfig extends ModelMappingConfig {
  enabled: boolean;
  providers: ProviderEntry[];
  routing: StrategySelectorConfig & { failover: FailoverConfig; fallback: FallbackConfig };
  rate_limits: RateLimitConfig;
}

/** The validated configuration the gateway runs on (durations in ms). */
export interface GatewayConfig {
  server: {
    host: string;
    port: number;
    body_limit: number;
    body_timeout: number;
    max_json_depth: number;
    max_connections: number;
    shutdown_timeout: number;
    request_timeout: number;
    upstream_connections: number;
    workers: number | 'auto';
  };
  logging: { level: 'debug' | 'info' | 'warn' | 'error' | 'silent' };
  admin: { token: string };
  storage: { sqlite_path: string; redis_url: string; postgres_url: string };
  auth: AuthKeyConfig & { cache_ttl: number };
  usage: UsageAccountingConfig & { retention: number; flush_interval: number };
  metrics: { enabled: boolean; path: string; token: string };
  tracing: { enabled: boolean; capture_content: boolean; otlp_endpoint: string; otlp_headers: string; service_name: string };
  console: { enabled: boolean; path: string; session_ttl: number };
  mcp: McpConfig;
  experiments: ExperimentsConfig;
  ai_gateway: AiGatewayConfig;
}

function fail(path: string, message: string): never {
  throw new Error(`${path}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkNumber(path: string, value: unknown, min = 0): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) fail(path, `must be a number >= ${min}`);
}

/**
 * Validate the provider list; every message starts with the path of the bad field. The entry's
 * own settings are the providers package's checks; the rest are read by other pieces.
 */
function validateProviders(list: unknown): void {
  const base = 'ai_gateway.providers';
  validateProviderList(list, base);
  list.forEach((entry, i) => {
    const p = `${base}[${i}]`;
    if (entry.rate_limit !== undefined) {
      if (!isObject(entry.rate_limit)) fail(`${p}.rate_limit`, 'must be an object');
      for (const k of ['requests_per_minute', 'tokens_per_minute', 'concurrent_requests']) checkNumber(`${p}.rate_limit.${k}`, entry.rate_limit[k], 1);
    }
    if (entry.cost !== undefined) {
      if (!isObject(entry.cost)) fail(`${p}.cost`, 'must be an object');
      for (const [k, v] of Object.entries(entry.cost)) checkNumber(`${p}.cost.${k}`, v);
    }
    checkProviderTimeouts(`${p}.timeouts`, entry.timeouts);
    if (isObject(entry.health_check) && entry.health_check.interval !== undefined) {
      try {
        parseDuration(entry.health_check.interval);
      } catch (err) {
        fail(`${p}.health_check.interval`, (err as Error).message);
      }
    }
  });
}

convict.addFormat({ name: 'provider-list', validate: validateProviders });
convict.addFormat({
  name: 'sy-workers',
  validate(value: unknown) {
    if (value !== 'auto' && !(Number.isInteger(value) && (value as number) >= 1)) fail('server.workers', 'must be a whole number >= 1 or "auto"');
  },
  coerce: (value: unknown) => (value === 'auto' || typeof value !== 'string' || !/^\d+$/.test(value) ? value : Number(value)),
});

/**
 * The convict schema of the gateway. Every scalar has an environment variable; the
 * `SWITCHYARD__PATH__TO__FIELD` form (see interpolate.ts) reaches the rest, array items included.
 */
export function gatewaySchema(env: NodeJS.ProcessEnv = process.env) {
  registerConfigFormats(convict);
  // Our env, not necessarily process.env; never read process.argv (the CLI parses its own flags).
  return convict<GatewayConfig>(gatewayConfigSchema() as convict.Schema<GatewayConfig>, { env, args: [] });
}

/**
 * The gateway's whole schema as a convict fragment (composed from the pieces' fragments), for
 * apps that nest it in their own convict schema, and for `switchyard config schema`.
 * @example convict({ switchyard: gatewayConfigSchema() })
 */
export function gatewayConfigSchema() {
  // prettier-ignore
  return (
    {
      server: {
        host: { doc: 'Interface to listen on.', format: String, default: '127.0.0.1', env: 'SWITCHYARD_HOST' },
        port: { doc: 'Port to listen on.', format: 'port', default: 8787, env: 'SWITCHYARD_PORT' },
        body_limit: { doc: 'Largest accepted request body (larger: 413 in the client\'s format).', format: 'sy-bytes', default: 10 * 1024 * 1024, env: 'SWITCHYARD_BODY_LIMIT' },
        body_timeout: {
          doc: 'How long a request body may take to arrive; a slower one is answered 408 and its connection closed (0: no limit).',
          format: 'sy-duration',
          default: 30_000,
          env: 'SWITCHYARD_BODY_TIMEOUT',
        },
        max_json_depth: {
          doc: 'Deepest nesting of objects and arrays accepted in a JSON request body (deeper: 400).',
          format: 'nat',
          default: 64,
          env: 'SWITCHYARD_MAX_JSON_DEPTH',
        },
        max_connections: {
          doc: 'Most client connections the standalone server holds open at once; more are refused (0: no cap).',
          format: 'nat',
          default: 10_000,
          env: 'SWITCHYARD_MAX_CONNECTIONS',
        },
        shutdown_timeout: {
          doc: 'How long a graceful shutdown lets in-flight requests and streams finish; meanwhile a request on an open keep-alive connection gets 503 shutting_down + Connection: close (client format) and idle connections are closed.',
          format: 'sy-duration',
          default: 10_000,
          env: 'SWITCHYARD_SHUTDOWN_TIMEOUT',
        },
        upstream_connections: {
          doc: 'Keep-alive connections per upstream origin: the most concurrent upstream requests (streams) to one provider.',
          format: 'nat',
          default: 1024,
          env: 'SWITCHYARD_UPSTREAM_CONNECTIONS',
        },
        workers: {
          doc: 'Processes serving requests (the CLI\'s `start --workers`), or "auto" for one per core. Several share the port (node:cluster) and keep one set of limits, breakers, cursors and revocations: in Redis when storage.redis_url is set, else in the primary process.',
          format: 'sy-workers',
          default: 1,
          env: 'SWITCHYARD_WORKERS',
        },
        request_timeout: {
          doc: 'Total deadline of one upstream call (connect to last byte).',
          format: 'sy-duration',
          default: 600_000,
          env: 'SWITCHYARD_REQUEST_TIMEOUT',
        },
      },
      logging: {
        level: { doc: 'Log level.', format: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info', env: 'SWITCHYARD_LOG_LEVEL' },
      },
      admin: {
        token: { doc: 'Bearer token of the admin API and the console sign-in; empty disables /admin and /console.', format: String, default: '', env: 'SWITCHYARD_ADMIN_TOKEN', sensitive: true },
      },
      storage: {
        sqlite_path: {
          doc: 'SQLite file for keys, routing and request logs (`:memory:` allowed). Unset: the standalone gateway uses .switchyard/switchyard.db; a gateway mounted with createSwitchyard keeps them in memory and writes no file.',
          format: String,
          default: '',
          env: 'SWITCHYARD_SQLITE_PATH',
        },
        redis_url: { doc: 'Redis for what many instances share: budgets, rates, leases, breakers, cursors, revocations (empty: in memory). Commands are never queued while it is unreachable: an outage answers at once through rate_limits.on_store_error.', format: String, default: '', env: 'SWITCHYARD_REDIS_URL', sensitive: true },
        postgres_url: { doc: 'PostgreSQL for keys and logs shared by many instances (empty: SQLite).', format: String, default: '', env: 'SWITCHYARD_POSTGRES_URL', sensitive: true },
      },
      auth: authKeyConfigSchema('SWITCHYARD_AUTH'),
      usage: usageAccountingConfigSchema('SWITCHYARD_USAGE'),
      tracing: {
        enabled: {
          doc: 'OpenTelemetry spans per request and per upstream attempt (GenAI conventions), through the globally registered tracer provider; a no-op without one.',
          format: 'switch',
          default: true,
          env: 'SWITCHYARD_TRACING_ENABLED',
        },
        capture_content: { doc: 'Record request and response bodies (prompts, completions) as span events.', format: 'switch', default: false, env: 'SWITCHYARD_TRACING_CAPTURE_CONTENT' },
        otlp_endpoint: {
          doc: 'Standalone gateway: export spans to this OTLP/HTTP traces URL (e.g. http://127.0.0.1:4318/v1/traces). Needs the OpenTelemetry SDK packages installed. Empty: no exporter of ours.',
          format: String,
          default: '',
          env: 'SWITCHYARD_OTLP_ENDPOINT',
        },
        otlp_headers: { doc: 'Headers for the OTLP exporter, `key=value,key2=value2`.', format: String, default: '', env: 'SWITCHYARD_OTLP_HEADERS', sensitive: true },
        service_name: { doc: 'service.name of the exported spans.', format: String, default: 'switchyard', env: 'SWITCHYARD_SERVICE_NAME' },
      },
      metrics: {
        enabled: { doc: 'Serve Prometheus metrics.', format: 'switch', default: true, env: 'SWITCHYARD_METRICS_ENABLED' },
        path: { doc: 'Path of the Prometheus endpoint.', format: String, default: '/metrics', env: 'SWITCHYARD_METRICS_PATH' },
        token: {
          doc: 'Bearer token a scrape must present (Authorization: Bearer …); empty: no token (keep the port private then).',
          format: String,
          default: '',
          env: 'SWITCHYARD_METRICS_TOKEN',
          sensitive: true,
        },
      },
      console: {
        enabled: {
          doc: 'Serve the web console (sign-in with admin.token). Needs admin.token: without it there is no console.',
          format: 'switch',
          default: true,
          env: 'SWITCHYARD_CONSOLE_ENABLED',
        },
        path: { doc: 'Path the console is served under.', format: String, default: '/console', env: 'SWITCHYARD_CONSOLE_PATH' },
        session_ttl: { doc: 'How long a console sign-in lasts.', format: 'sy-duration', default: 8 * 3_600_000, env: 'SWITCHYARD_CONSOLE_SESSION_TTL' },
      },
      mcp: mcpConfigSchema('SWITCHYARD_MCP'),
      experiments: experimentsConfigSchema('SWITCHYARD_EXPERIMENTS'),
      ai_gateway: {
        enabled: { doc: 'Serve the AI routes.', format: 'switch', default: true, env: 'SWITCHYARD_ENABLED' },
        providers: { doc: 'Upstream providers.', format: 'provider-list', default: [] },
        routing: {
          ...strategySelectorConfigSchema('SWITCHYARD_ROUTING'),
          failover: failoverConfigSchema('SWITCHYARD_FAILOVER'),
          fallback: fallbackConfigSchema('SWITCHYARD_FALLBACK'),
        },
        ...modelMappingConfigSchema(),
        rate_limits: rateLimitConfigSchema('SWITCHYARD_RATE_LIMIT'),
      },
    }
  );
}
