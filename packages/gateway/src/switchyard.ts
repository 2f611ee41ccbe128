import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import type { NextFunction, Request, Response } from 'express';
import type { Registry } from 'prom-client';
import {
  clip,
  EventBus,
  headerMap,
  MAX_MODEL_NAME_LENGTH,
  renderError,
  silentLogger,
  toGatewayError,
  type ClientFormat,
  type Exchange,
  type ExchangeMiddleware,
  type Logger,
} from '@switchyard/core';
import { koaRoutes, toKoa } from '@switchyard/core/koa';
import { expressRoutes, toExpress } from '@switchyard/core/express';
import { adaptersFromConfig, createUndiciTransport, type HttpTransport, type ProviderAdapter } from '@switchyard/providers';
import { validateConfig } from './config/load.js';
import type { ExpressMiddleware, KoaMiddleware } from './framework-types.js';
import { isValidatedConfig } from './config/validated.js';
import type { GatewayConfig } from './config/schema.js';
import { renderModelList, servedModels, type ServedModel } from './models.js';
import { providerField } from './provider-field.js';
import { admissionOrder, buildStack, type Stack } from './stack.js';
import { clientRoutes, keyAccess, statusOptions, type Access } from './status-routes.js';
import { attachStatusWebSocket, type StatusWebSocket } from '@switchyard/failover/ws';
import { traceExchanges } from '@switchyard/usage-accounting';
import { openStorage, type Storage } from './storage.js';
import type { SharedState } from './shared-state.js';
import { validateRequest } from './validate-request.js';

/** Options of {@link createSwitchyard}. */
export interface SwitchyardOptions {
  /**
   * The configuration: what `loadConfig` / `validateConfig` returned (branded, taken as it is),
   * or a raw object in the config file's shape (validated here, `${ENV}` interpolated), however
   * complete it looks. Defaults to `{}` (no providers).
   */
  config?: GatewayConfig | Record<string, unknown>;
  /** Upstream HTTP transport: `undici`, `got`, or your own. Defaults to `undici`. */
  transport?: 'undici' | 'got' | HttpTransport;
  /** Structured logger (pino-compatible). Defaults to silent. */
  logger?: Logger;
  /** Event bus the pieces emit on. Defaults to a new one. */
  events?: EventBus;
  /** Prometheus registry for the metrics. Defaults to a new one. */
  registry?: Registry;
  /** Databases and Redis, when you opened them yourself. Defaults to what `storage:` in the config asks for. */
  storage?: Storage;
  /**
   * State shared with the other processes of a cluster (the CLI's `start --workers`): limits,
   * breakers, cursors and key notices live there unless Redis is configured. Defaults to none.
   */
  shared?: SharedState;
  /**
   * Your own neutral middlewares, run after request validation and before Switchyard's
   * admission (e.g. an app-auth resolver). Defaults to none.
   */
  before?: ExchangeMiddleware[];
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
  /**
   * Who may call the provider status and cost routes (`/v1/providers/…`, `/v1/costs/analyze`):
   * return the principal (your app's own auth, via `request.context`) or throw the 401.
   * Defaults to the Switchyard key when `auth.required`, else everyone.
   */
  access?: Access;
}

/** Mount options of {@link Switchyard.koa} and {@link Switchyard.express}. */
export interface MountOptions {
  /** Path prefix the routes live under when the framework does not strip it (Koa without koa-mount). Defaults to ''. */
  prefix?: string;
}

/** The AI routes, ready to mount in an existing app, and the pieces behind them. */
export interface Switchyard {
  readonly config: GatewayConfig;
  readonly events: EventBus;
  readonly adapters: ReadonlyMap<string, ProviderAdapter>;
  readonly transport: HttpTransport;
  readonly stack: Stack;
  /** Who may call the provider status and cost routes (the `access` option or the key). */
  readonly access: Access;
  /**
   * The composed neutral pipeline: request validation → the `before` middlewares → the stack's
   * admission (accounting → auth → budgets → mapping → strategy → request-body strategy → experiments →
   * the provider field → consensus → provider limits) → the executor (failover). Without consensus the
   * provider field sits after provider limits.
   */
  readonly pipeline: ExchangeMiddleware;
  /** Number of exchanges not yet settled. */
  readonly inFlight: number;
  /** Every model name a client can request. */
  models(): ServedModel[];
  /**
   * Serve the provider status WebSocket (`/v1/providers/health/stream`, under `prefix`) on an
   * HTTP server: the one your app listens with. Closed with {@link Switchyard.close}.
   */
  websocket(server: Server, options?: MountOptions): StatusWebSocket;
  /** Koa middleware serving the client API; other paths fall through to `next`. */
  koa(options?: MountOptions): KoaMiddleware;
  /** Express middleware serving the client API; other paths fall through to `next`. */
  express(options?: MountOptions): ExpressMiddleware;
  /** Resolves when every in-flight exchange has settled (true), or after `timeoutMs` (false). */
  drain(timeoutMs: number): Promise<boolean>;
  /** Flush logs, stop health checks, close upstream pools and the stores this instance opened. */
  close(): Promise<void>;
}

const ROUTES: Record<string, ClientFormat> = {
  '/v1/chat/completions': 'openai.chat',
  '/v1/messages': 'anthropic.messages',
  '/v1/messages/count_tokens': 'anthropic.count_tokens',
  '/v1/embeddings': 'openai.embeddings',
};

async function resolveTransport(choice: SwitchyardOptions['transport'], connections: number): Promise<HttpTransport> {
  // Each concurrent upstream request (a stream can last minutes) holds one connection.
  const options = { connections: Math.max(1, connections) };
  if (choice === undefined || choice === 'undici') return createUndiciTransport(options);
  if (choice === 'got') {
    const { createGotTransport } = await import('@switchyard/providers/got');
    return createGotTransport(options);
  }
  if (typeof choice.request !== 'function') throw new TypeError('transport must be "undici", "got" or an HttpTransport');
  return choice;
}

/**
 * Build the AI routes from a configuration, to mount in an existing Koa or Express app.
 *
 * @example
 * const switchyard = await createSwitchyard({ config: { ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'] }] } } });
 * app.use(switchyard.koa());            // Koa
 * app.use('/ai', switchyard.express()); // Express
 */
export async function createSwitchyard(options: SwitchyardOptions = {}): Promise<Switchyard> {
  const config = isValidatedConfig(options.config) ? options.config : validateConfig(options.config ?? {}, process.env).config;
  const logger = options.logger ?? silentLogger;
  const appEvents =
    options.events ??
    new EventBus({ onListenerError: (err, event) => logger.error({ event, err: String((err as Error)?.message ?? err) }, 'event listener failed') });
  // Everything this instance subscribes goes through a scope that close() disposes, so an
  // app's long-lived bus keeps no listener of a closed gateway.
  const events = appEvents.scope();
  const adapters = adaptersFromConfig(config.ai_gateway.providers, 'ai_gateway.providers');
  const transport = await resolveTransport(options.transport, config.server.upstream_connections);
  const ownStorage = !options.storage;
  const storage = options.storage ?? (await openStorage(config.storage, logger, options.shared));
  const stack = await buildStack({ config, storage, events, logger, adapters, transport, registry: options.registry, now: options.now });
  // The provider field goes on every answer an upstream gave: the executor's, or the one a
  // consensus vote chose (consensus answers without calling on), so it wraps whichever comes first.
  const admission = admissionOrder(stack.admission);
  const { consensus } = stack.admission;
  admission.splice(consensus ? admission.indexOf(consensus) : admission.length, 0, providerField());
  const pipeline = compose<Exchange>([validateRequest(), ...(options.before ?? []), ...admission, stack.executor]) as ExchangeMiddleware;
  Object.defineProperty(pipeline, 'name', { value: 'switchyard' });
  stack.health.start();

  let inFlight = 0;
  const drained = new Set<() => void>();
  const onExchange = (exchange: Exchange) => {
    inFlight++;
    events.emit('exchange.start', { exchange });
    exchange.onSettled((ex, settlement) => {
      inFlight--;
      events.emit('exchange.settled', { exchange: ex, settlement });
      const served = ex.attempts.findLast((a) => a.outcome === 'success') ?? ex.attempts.at(-1);
      logger.info(
        {
          id: ex.id,
          format: ex.format,
          key: ex.principal?.id,
          model: clip(ex.requestedModel, MAX_MODEL_NAME_LENGTH),
          provider: served?.target.provider,
          resolved_model: served?.target.model,
          status: settlement.status,
          outcome: settlement.outcome,
          attempts: ex.attempts.length,
          latency_ms: settlement.endedAt - ex.startedAt,
        },
        'request',
      );
      if (inFlight === 0) for (const resolve of drained) resolve();
    });
  };
  const reading = { bodyLimit: config.server.body_limit, bodyTimeoutMs: config.server.body_timeout, maxJsonDepth: config.server.max_json_depth };
  const access = options.access ?? keyAccess(config, stack);
  const routes = clientRoutes(config, stack, access, events);
  const sockets = new Set<StatusWebSocket>();
  if (config.tracing.enabled) traceExchanges({ events, captureContent: config.tracing.capture_content });
  const modelList = servedModels(config.ai_gateway);
  const startedAt = new Date(options.now?.() ?? Date.now());
  const anthropicClient = (headers: IncomingMessage['headers']) => headers['anthropic-version'] !== undefined;
  /**
   * `GET /v1/models`: with keys required, the caller must present one (401 in its format), and
   * a key limited to some models sees only those.
   */
  const listModels = async (headers: IncomingMessage['headers']): Promise<{ status: number; body: string }> => {
    const anthropic = anthropicClient(headers);
    let visible = modelList;
    if (config.auth.required) {
      try {
        const { record } = await stack.keys.authenticate(headerMap(headers));
        const allowed = record.policy.allowedModels;
        if (allowed) visible = modelList.filter((m) => allowed.includes(m.id));
      } catch (err) {
        const error = toGatewayError(err);
        return { status: error.status, body: JSON.stringify(renderError(error, anthropic ? 'anthropic.messages' : 'openai.chat')) };
      }
    }
    return { status: 200, body: renderModelList(visible, anthropic, startedAt) };
  };
  const sendJson = (res: ServerResponse, { status, body }: { status: number; body: string }) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
  };

  return {
    config,
    events,
    adapters,
    transport,
    stack,
    access,
    pipeline,
    get inFlight() {
      return inFlight;
    },
    models: () => modelList,
    websocket(server, mount = {}) {
      const socket = attachStatusWebSocket(server, {
        ...statusOptions(config, stack, access, events),
        path: `${mount.prefix ?? ''}/v1/providers/health/stream`,
      });
      sockets.add(socket);
      return socket;
    },
    koa(mount = {}) {
      const prefix = mount.prefix ?? '';
      const handlers = new Map(
        Object.entries(ROUTES).map(([path, format]) => [prefix + path, toKoa(pipeline, { format, ...reading, onExchange, now: options.now })]),
      );
      const statusRoutes = koaRoutes(routes, { prefix });
      const handler: Middleware = async function switchyard(ctx: Context, next: Next) {
        if (ctx.method === 'POST') {
          const handler = handlers.get(ctx.path);
          if (handler) return handler(ctx, next);
        } else if ((ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.path === `${prefix}/v1/models`) {
          const { status, body } = await listModels(ctx.headers);
          ctx.status = status;
          ctx.type = 'application/json';
          ctx.body = body;
          return;
        }
        return statusRoutes(ctx, next);
      };
      // Koa calls it with its own context.
      return handler as KoaMiddleware;
    },
    express(mount = {}) {
      const prefix = mount.prefix ?? '';
      const handlers = new Map(
        Object.entries(ROUTES).map(([path, format]) => [prefix + path, toExpress(pipeline, { format, ...reading, onExchange, now: options.now })]),
      );
      const statusRoutes = expressRoutes(routes);
      const handler = function switchyard(req: Request, res: Response, next: NextFunction) {
        if (req.method === 'POST') {
          const handler = handlers.get(req.path);
          if (handler) return void handler(req, res, next);
        } else if ((req.method === 'GET' || req.method === 'HEAD') && req.path === `${prefix}/v1/models`) {
          return void listModels(req.headers).then((answer) => sendJson(res, answer), next);
        }
        statusRoutes(req, res, next);
      };
      // Express calls it with its own request and response (node's, extended).
      return handler as (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
    },
    drain(timeoutMs) {
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          drained.delete(done);
          resolve(true);
        };
        const timer = setTimeout(() => {
          drained.delete(done);
          resolve(false);
        }, timeoutMs);
        timer.unref();
        drained.add(done);
      });
    },
    async close() {
      await Promise.all([...sockets].map((s) => s.close()));
      await stack.close();
      events.dispose();
      await transport.close();
      if (ownStorage) await storage.close();
    },
  };
}
