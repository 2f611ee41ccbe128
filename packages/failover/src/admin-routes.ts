import { PassThrough } from 'node:stream';
import { formatSseComment, formatSseEvent, type Route, type RouteResult } from '@switchyard/core';
import type { ProviderHealth, ProviderReport } from './provider-health.js';
import type { BreakerSnapshot } from './target-policies.js';

/** Options of {@link providersAdminRoutes}. */
export interface ProvidersAdminRouterOptions {
  /** The health tracker. Required. */
  health: ProviderHealth;
  /**
   * Breaker states of a provider's targets, shown in stats: `failover(...).breakerStates`, or
   * (with shared breaker state) each target's `routingState`, so stats show what routing uses.
   * Defaults to none.
   */
  breakerStates?: (provider: string) => BreakerSnapshot[] | Promise<BreakerSnapshot[]>;
  /** Keep-alive comment interval on the SSE stream. Defaults to 15000. */
  keepAliveMs?: number;
}

/**
 * Admin routes for providers, as a framework-neutral route table (mount it with `koaRoutes` or
 * `expressRoutes`, behind your own admin auth): `GET /providers` and `GET /providers/:name/stats`
 * (both with the circuits routing honours, from `breakerStates`), `GET /providers/:name/health`,
 * and `GET /providers/events` (server-sent events of status changes).
 *
 * @example
 * app.use(koaRoutes(providersAdminRoutes({ health, breakerStates: fo.breakerStates }), { prefix: '/admin' }));
 */
export function providersAdminRoutes(options: ProvidersAdminRouterOptions): Route[] {
  if (!options?.health) throw new TypeError('providersAdminRoutes: `health` is required');
  const { health } = options;
  return [
    {
      method: 'GET',
      path: '/providers',
      handler: async () => ({ status: 200, body: { providers: await Promise.all(health.list().map((report) => routingView(report, options.breakerStates))) } }),
    },
    {
      method: 'GET',
      path: '/providers/events',
      handler() {
        const stream = new PassThrough();
        stream.write(
          formatSseEvent({ event: 'snapshot', data: JSON.stringify({ providers: health.list().map((p) => ({ provider: p.name, status: p.status })) }) }),
        );
        const off = health.onChange((change) => {
          stream.write(formatSseEvent({ event: 'provider_status_change', data: JSON.stringify({ type: 'provider_status_change', ...change }) }));
        });
        const keepAlive = setInterval(() => stream.write(formatSseComment('keep-alive')), options.keepAliveMs ?? 15_000);
        keepAlive.unref();
        // The mount destroys the stream when the client leaves.
        stream.once('close', () => {
          off();
          clearInterval(keepAlive);
        });
        return { status: 200, stream, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } };
      },
    },
    {
      method: 'GET',
      path: '/providers/:name/health',
      handler({ params }) {
        const h = health.health(params.name!);
        return h ? { status: 200, body: h } : notFound(params.name!);
      },
    },
    {
      method: 'GET',
      path: '/providers/:name/stats',
      async handler({ params }) {
        const name = params.name!;
        const report = health.report(name);
        if (!report) return notFound(name);
        return { status: 200, body: await routingView(report, options.breakerStates) };
      },
    },
  ];
}

/** A provider's report with its circuits as routing sees them, and those breakers. */
async function routingView(
  report: ProviderReport,
  breakerStates: ProvidersAdminRouterOptions['breakerStates'],
): Promise<ProviderReport & { breakers: BreakerSnapshot[] }> {
  if (!breakerStates) return { ...report, breakers: [] };
  const breakers = (await breakerStates(report.name)).filter((b) => b.provider === report.name);
  return { ...withCircuits(report, breakers), breakers };
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

function notFound(name: string): RouteResult {
  return { status: 404, body: { error: { message: `Unknown provider "${name}"`, type: 'not_found_error', code: 'provider_not_found' } } };
}
