import { Readable } from 'node:stream';
import { formatSseComment, formatSseEvent, GatewayError, parseDuration, type Route } from '@switchyard/core';
import { MAX_FIGURE_WINDOW_MS } from './provider-figures.js';
import {
  providerHealthView,
  providerPerformanceView,
  resolveStatusOptions,
  watchStatus,
  type ProviderStatusOptions,
  type ResolvedStatusOptions,
} from './provider-status.js';

/**
 * Parse `?window=` (`30s`, `5m`, `1h`; at most an hour).
 * @example parseStatusWindow('5m') // 300000
 */
export function parseStatusWindow(value: string | null, fallback: number): number {
  if (value === null || value === '') return fallback;
  let ms = NaN;
  try {
    ms = parseDuration(value);
  } catch {
    // answered below
  }
  if (!(ms > 0) || ms > MAX_FIGURE_WINDOW_MS) {
    throw new GatewayError('window must be a duration like 30s, 5m or 1h, at most 1h', { status: 400, code: 'invalid_request', param: 'window' });
  }
  return ms;
}

/**
 * The client-facing provider status as a framework-neutral route table, in ParrotRouter's shape,
 * for anyone holding a key (each caller sees only the providers and models its key may use):
 *
 * - `GET /v1/providers/health`: status, `uptime_percentage`, `avg_response_time_ms`,
 *   `error_rate` and `rate_limit_usage` (percent) per provider, and each model's status;
 * - `GET /v1/providers/performance?window=5m`: `avg_latency_ms`, `success_rate`,
 *   `load_percentage` per provider;
 * - `GET /v1/providers/health/stream`: server-sent events, a `snapshot` then
 *   `provider_status_change` messages (the WebSocket flavour is `attachStatusWebSocket`).
 *
 * Mount with `koaRoutes` / `expressRoutes` from `@switchyard/core/koa` / `/express`.
 *
 * @example
 * app.use(koaRoutes(providerStatusRoutes({ health, figures, access: (req) => principalFromKey(req.headers) })));
 */
export function providerStatusRoutes(options: ProviderStatusOptions): Route[] {
  const o = resolveStatusOptions(options);
  return [
    {
      method: 'GET',
      path: '/v1/providers/health',
      handler: async (req) => ({ status: 200, body: await providerHealthView(o, await o.access(req)) }),
    },
    {
      method: 'GET',
      path: '/v1/providers/performance',
      handler: async (req) => {
        const principal = await o.access(req);
        return { status: 200, body: await providerPerformanceView(o, principal, parseStatusWindow(req.query.get('window'), 5 * 60_000)) };
      },
    },
    {
      method: 'GET',
      path: '/v1/providers/health/stream',
      handler: async (req) => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
        stream: statusEventStream(o, await o.access(req)),
      }),
    },
  ];
}

/**
 * The status stream as server-sent events. A consumer that lets more than `maxBufferedBytes`
 * pile up is dropped (the stream ends) instead of buffering without bound.
 */
function statusEventStream(o: ResolvedStatusOptions, principal: Awaited<ReturnType<ResolvedStatusOptions['access']>>): Readable {
  let stop = () => {};
  const stream = new Readable({
    read() {},
    destroy(err, callback) {
      stop();
      callback(err);
    },
  });
  const write = (chunk: string) => {
    if (stream.destroyed) return;
    if (stream.readableLength > o.maxBufferedBytes) return void stream.destroy();
    stream.push(chunk);
  };
  const off = watchStatus(
    o,
    principal,
    (message) => write(formatSseEvent({ event: message.type, data: JSON.stringify(message) })),
    () => {
      write(formatSseEvent({ event: 'error', data: JSON.stringify({ type: 'error', error: { code: 'key_revoked', message: 'The API key was revoked' } }) }));
      stop();
      stream.push(null);
    },
  );
  const keepAlive = setInterval(() => write(formatSseComment('keep-alive')), o.keepAliveMs);
  keepAlive.unref();
  stop = () => {
    off();
    clearInterval(keepAlive);
  };
  return stream;
}
