import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { errorResponse, formatForPath, GatewayError, renderOpenAIError, silentLogger, toGatewayError, type Logger } from '@switchyard/core';
import { loadConfig, validateConfig } from './config/load.js';
import type { GatewayConfig } from './config/schema.js';
import { isValidatedConfig } from './config/validated.js';
import { koaMetrics } from '@switchyard/usage-accounting/koa';
import { koaConsole } from '@switchyard/console/koa';
import { mcpKoa } from '@switchyard/mcp/koa';
import { koaRoutes } from '@switchyard/core/koa';
import { experimentAdminRoutes } from '@switchyard/experiments';
import compose from 'koa-compose';
import { adminGuard, adminRoutes, bearerToken } from './admin.js';
import { drainable } from './draining.js';
import { gatewayMcp } from './mcp.js';
import type { StatusWebSocket } from '@switchyard/failover/ws';
import { startOtlpTracing } from './otlp-tracing.js';
import { createSwitchyard, type Switchyard, type SwitchyardOptions } from './switchyard.js';
import type { KoaApp } from './framework-types.js';

/** Options of {@link createGateway}. */
export interface GatewayOptions extends Omit<SwitchyardOptions, 'config'> {
  /**
   * What `loadConfig` / `validateConfig` returned (branded, taken as it is), a raw object in the
   * config file's shape (validated here), or undefined to load `SWITCHYARD_CONFIG` / the embedded
   * default. Defaults to undefined.
   */
  config?: GatewayConfig | Record<string, unknown>;
  /** A YAML or JSON config file. Defaults to undefined. */
  configFile?: string;
  /** This process's id among the CLI's cluster workers: answers carry it in `x-switchyard-worker`. Defaults to undefined (no header). */
  worker?: number;
}

/** A standalone gateway: a Koa app plus its lifecycle. */
export interface Gateway {
  readonly app: KoaApp;
  readonly config: GatewayConfig;
  readonly switchyard: Switchyard;
  /** Config warnings (unset variables, unknown keys). */
  readonly warnings: readonly string[];
  /** Start listening. Defaults to the configured host and port. */
  listen(options?: { host?: string; port?: number }): Promise<Server>;
  /**
   * Graceful shutdown: stop accepting connections; a request still arriving on an open
   * keep-alive connection gets 503 + `Connection: close` in the client's format; idle
   * connections are closed; in-flight requests and streams finish up to the configured deadline
   * (`server.shutdown_timeout`), then the rest are cut and upstream pools closed.
   */
  close(): Promise<void>;
}

/** Where the standalone gateway keeps keys, routing and request logs unless `storage.sqlite_path` says otherwise. */
export const STANDALONE_SQLITE_PATH = '.switchyard/switchyard.db';

/**
 * Create the standalone gateway: the client API, health endpoints, the admin API at /admin
 * (behind `admin.token`) and Prometheus metrics.
 *
 * @example
 * const gateway = await createGateway({ configFile: 'switchyard.yaml' });
 * await gateway.listen({ port: 8787 });
 */
export async function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const { config, warnings } = options.configFile
    ? await loadConfig({ file: options.configFile })
    : options.config
      ? isValidatedConfig(options.config)
        ? { config: options.config, warnings: [] }
        : validateConfig(options.config, process.env)
      : await loadConfig();
  // The standalone server keeps keys and logs across restarts by default; a mounted
  // createSwitchyard writes no file unless told to.
  if (!config.storage.sqlite_path) config.storage.sqlite_path = STANDALONE_SQLITE_PATH;
  const logger: Logger = options.logger ?? silentLogger;
  for (const warning of warnings) logger.warn({ config: warning }, 'config warning');
  const otlp = await startOtlpTracing(config.tracing);
  const switchyard = await createSwitchyard({ ...options, config, logger });
  const mcp = config.mcp.enabled ? await gatewayMcp(switchyard, config, logger) : undefined;

  let accepting = true;
  const app = new Koa();
  app.silent = true;
  app.on('error', (err: unknown) => logger.error({ err: String((err as Error)?.message ?? err) }, 'unhandled error'));
  if (options.worker !== undefined) {
    const worker = String(options.worker);
    app.use(function workerHeader(ctx, next) {
      ctx.set('x-switchyard-worker', worker);
      return next();
    });
  }
  // Anything that escapes the routes (a bug, a throwing write) is still answered in the client's
  // format (Anthropic's on /v1/messages), never Koa's plain-text 500.
  app.use(async function clientFormatErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const error = toGatewayError(err);
      if (error.status >= 500) logger.error({ err: String((err as Error)?.message ?? err), path: ctx.path.slice(0, 200) }, 'unhandled error');
      if (ctx.headerSent) return void ctx.res.destroy();
      const response = errorResponse(formatForPath(ctx.path) ?? 'openai.chat', error);
      ctx.status = response.status;
      ctx.set(response.headers);
      ctx.body = response.body;
    }
  });
  app.use(async function health(ctx, next) {
    if (ctx.path === '/health/live') {
      ctx.body = { status: 'ok' };
      return;
    }
    if (ctx.path === '/health/ready') {
      ctx.status = accepting ? 200 : 503;
      ctx.body = { status: accepting ? 'ready' : 'shutting_down', providers: switchyard.adapters.size };
      return;
    }
    await next();
  });
  if (config.metrics.enabled) {
    const metrics = koaMetrics(switchyard.stack.registry);
    const scrape = config.metrics.token
      ? compose([bearerToken(config.metrics.token, { realm: 'switchyard-metrics', code: 'invalid_metrics_token' }), metrics])
      : metrics;
    app.use(async function metricsRoute(ctx, next) {
      if (ctx.method === 'GET' && ctx.path === config.metrics.path) return scrape(ctx, next);
      await next();
    });
  }
  if (config.admin.token) {
    // Routes of other packages, on both the token-guarded admin API and the console's.
    const experiments = switchyard.stack.experiments;
    const moreRoutes = [...(mcp ? mcp.adminRoutes : []), ...(experiments ? experimentAdminRoutes(experiments, { now: options.now }) : [])];
    // The routes check the token themselves; the guard also answers 401 (not 404) to every
    // other spelling of an /admin path, so the admin surface looks the same to every probe.
    app.use(adminGuard('/admin', config.admin.token));
    app.use(koaRoutes(adminRoutes(switchyard.stack, { token: config.admin.token, routes: moreRoutes }), { prefix: '/admin' }));
    if (config.console.enabled) {
      // The console is the guard of its own admin router (session cookie + CSRF), so this one has no token check.
      const consoleAdmin = koaRoutes(adminRoutes(switchyard.stack, { routes: moreRoutes }));
      app.use(
        koaConsole({
          adminToken: config.admin.token,
          admin: consoleAdmin,
          basePath: config.console.path,
          sessionTtlMs: config.console.session_ttl,
          now: options.now,
        }),
      );
    }
  } else {
    logger.info({}, 'admin API disabled: set SWITCHYARD_ADMIN_TOKEN to enable /admin');
  }
  if (mcp) app.use(mcpKoa(mcp.profiles, { prefix: config.mcp.path }));
  app.use(switchyard.koa());
  app.use(async function notFound(ctx) {
    const error = new GatewayError(`No route for ${ctx.method} ${ctx.path}`, { status: 404, code: 'unknown_route' });
    ctx.status = 404;
    ctx.body = renderOpenAIError(error);
  });

  let server: Server | undefined;
  let statusSocket: StatusWebSocket | undefined;
  const drainer = drainable(app.callback());
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    switchyard,
    warnings,
    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? config.server.host;
      const port = listenOptions.port ?? config.server.port;
      server = createServer(drainer.listener);
      // Longer than common load balancer idle timeouts, so the LB closes first.
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      if (config.server.max_connections > 0) server.maxConnections = config.server.max_connections;
      // The AI routes answer a stalled body themselves (408 in the client's format); node's own
      // limit is the backstop for every other route.
      if (config.server.body_timeout > 0) server.requestTimeout = config.server.body_timeout + 5000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => {
          server!.off('error', reject);
          resolve();
        });
      });
      statusSocket = switchyard.websocket(server);
      const address = server.address() as AddressInfo;
      logger.info({ host: address.address, port: address.port, providers: [...switchyard.adapters.keys()] }, 'listening');
      return server;
    },
    close() {
      closing ??= (async () => {
        accepting = false;
        await mcp?.profiles.close(); // MCP sessions are long-lived: end them (and their upstream sessions) first
        if (server) {
          const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
          await statusSocket?.close(); // status watchers hold no work: they go first
          drainer.drain(server);
          const drained = await switchyard.drain(config.server.shutdown_timeout);
          if (!drained) logger.warn({ in_flight: switchyard.inFlight }, 'shutdown deadline reached; closing remaining connections');
          server.closeAllConnections();
          await closed;
        }
        await switchyard.close();
        await otlp?.shutdown();
      })();
      return closing;
    },
  };
}
