import { PassThrough } from 'node:stream';
import { Router } from '@koa/router';
import { ADMIN_ROUTER_OPTIONS, formatSseComment, formatSseEvent } from '@switchyard/core';
import type { ProviderHealth, ProviderReport } from './provider-health.js';
import type { BreakerSnapshot } from './target-policies.js';

/** Options of {@link providersAdminRouter}. */
export interface ProvidersAdminRouterOptions {
  /** The health tracker. Required. */
  health: ProviderHealth;
  /**
   * Breaker states of a provider's targets, shown in stats: `failover(...).breakerStates`, or
   * (with shared breaker state) each target's `routingState`, so stats show what routing uses.
   * Defaults to none.
   */
  breakerStates?: (provider: string) => BreakerSnapshot[] | Promise<BreakerSnapshot[]>;
  /** Router prefix. Defaults to "" (mount it where you want). */
  prefix?: string;
  /** Keep-alive comment interval on the SSE stream. Defaults to 15000. */
  keepAliveMs?: number;
}

/**
 * Admin routes for providers: `GET /providers`, `GET /providers/:name/health` (the seed's
 * shape), `GET /providers/:name/stats`, and `GET /providers/events` (server-sent events of
 * status changes). Mount it behind your own admin auth.
 *
 * @example
 * app.use(providersAdminRouter({ health, breakerStates: fo.breakerStates }).routes());
 */
export function providersAdminRouter(options: ProvidersAdminRouterOptions): Router {
  if (!options?.health) throw new TypeError('providersAdminRouter: `health` is required');
  const { health } = options;
  const router = new Router({ ...ADMIN_ROUTER_OPTIONS, ...(options.prefix ? { prefix: options.prefix } : {}) });
  router.get('/providers', (ctx) => {
    ctx.body = { providers: health.list() };
  });
  router.get('/providers/events', (ctx) => {
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    ctx.body = stream;
    stream.write(formatSseEvent({ event: 'snapshot', data: JSON.stringify({ providers: health.list().map((p) => ({ provider: p.name, status: p.status })) }) }));
    const off = health.onChange((change) => {
      stream.write(formatSseEvent({ event: 'provider_status_change', data: JSON.stringify({ type: 'provider_status_change', ...change }) }));
    });
    const keepAlive = setInterval(() => stream.write(formatSseComment('keep-alive')), options.keepAliveMs ?? 15_000);
    keepAlive.unref();
    const close = () => {
      off();
      clearInterval(keepAlive);
      stream.end();
    };
    ctx.req.once('close', close);
    ctx.res.once('close', close);
  });
  router.get('/providers/:name/health', (ctx) => {
    const h = health.health(ctx.params.name!);
    if (!h) return notFound(ctx, ctx.params.name!);
    ctx.body = h;
  });
  router.get('/providers/:name/stats', async (ctx) => {
    const report = health.report(ctx.params.name!);
    if (!report) return notFound(ctx, ctx.params.name!);
    if (!options.breakerStates) {
      ctx.body = { ...report, breakers: [] };
      return;
    }
    const breakers = (await options.breakerStates(ctx.params.name!)).filter((b) => b.provider === ctx.params.name);
    ctx.body = { ...withCircuits(report, breakers), breakers };
  });
  return router;
}

/** The report's circuit fields as the given breaker states (what routing honours) say. */
function withCircuits(report: ProviderReport, breakers: readonly BreakerSnapshot[]): ProviderReport {
  const byModel = new Map(breakers.map((b) => [b.model, b.state]));
  const models = report.models.map((m) => ({ ...m, circuit: byModel.get(m.name) ?? m.circuit }));
  for (const [name, circuit] of byModel) {
    if (circuit !== 'closed' && !models.some((m) => m.name === name)) models.push({ name, status: 'healthy', circuit, requests: 0, error_rate: 0 });
  }
  for (const m of models) if (m.circuit === 'open') m.status = 'down';
  const circuits = models.map((m) => m.circuit);
  const circuit = circuits.includes('open') ? 'open' : circuits.includes('half_open') ? 'half_open' : 'closed';
  return { ...report, circuit, models: models.sort((a, b) => a.name.localeCompare(b.name)) };
}

function notFound(ctx: { status: number; body: unknown }, name: string): void {
  ctx.status = 404;
  ctx.body = { error: { message: `Unknown provider "${name}"`, type: 'not_found_error', code: 'provider_not_found' } };
}
