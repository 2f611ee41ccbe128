import { principalAllows, type EventBus, type Principal, type RouteRequest } from '@switchyard/core';
import type { FigureCounts, ProviderFigures } from './provider-figures.js';
import type { HealthStatus, ProviderHealth } from './provider-health.js';
import { StatusBoard, worstStatus } from './status-board.js';

/** Options of the client-facing provider status (routes, SSE and WebSocket streams). */
export interface ProviderStatusOptions {
  /** The health tracker (statuses, active checks, breakers). Required. */
  health: ProviderHealth;
  /** Outcome counts and load, shared across instances when its store is. Required. */
  figures: ProviderFigures;
  /**
   * Who is calling: resolve the principal from the request (a Switchyard key, or your app's own
   * auth through `request.context`), or throw the 401. Undefined means "sees every provider".
   * Required.
   */
  access: (request: RouteRequest) => Promise<Principal | undefined> | Principal | undefined;
  /** Bus carrying `key.revoked`: a revoked key's open streams are closed. Defaults to none. */
  events?: EventBus;
  /** Models each provider serves, listed even before traffic. Defaults to models seen in traffic. */
  models?: (provider: string) => readonly string[];
  /** A provider's configured limits, for `rate_limit_usage` and `load_percentage`. Defaults to none. */
  limits?: (provider: string) => { requestsPerMinute?: number; concurrentRequests?: number } | undefined;
  /** Window of `GET /v1/providers/health`, ms. Defaults to 300000 (5 min). */
  windowMs?: number;
  /** Keep-alive interval of the streams (SSE comment, WebSocket ping), ms. Defaults to 15000. */
  keepAliveMs?: number;
  /** A stream client with more than this many bytes unsent is dropped. Defaults to 1048576 (1 MiB). */
  maxBufferedBytes?: number;
  /** How often the streams re-read the shared figures for changes seen by other instances, ms. Defaults to 5000. */
  refreshMs?: number;
}

/** {@link ProviderStatusOptions} with defaults applied. */
export type ResolvedStatusOptions = Required<Omit<ProviderStatusOptions, 'events' | 'models' | 'limits'>> &
  Pick<ProviderStatusOptions, 'events' | 'models' | 'limits'>;

/** @internal */
export function resolveStatusOptions(options: ProviderStatusOptions): ResolvedStatusOptions {
  if (!options?.health) throw new TypeError('provider status: `health` is required');
  if (!options.figures) throw new TypeError('provider status: `figures` is required');
  if (typeof options.access !== 'function') throw new TypeError('provider status: `access` must be a function');
  return { windowMs: 300_000, keepAliveMs: 15_000, maxBufferedBytes: 1 << 20, refreshMs: 5000, ...options };
}

/** One provider in `GET /v1/providers/health` (ParrotRouter's field names; rates in percent). */
export interface ProviderHealthView {
  name: string;
  status: HealthStatus;
  uptime_percentage: number;
  avg_response_time_ms: number | null;
  error_rate: number;
  rate_limit_usage: number | null;
  circuit: 'closed' | 'open' | 'half_open';
  requests: number;
  models: Array<{ name: string; status: HealthStatus }>;
}

/** One provider in `GET /v1/providers/performance`. */
export interface ProviderPerformanceView {
  name: string;
  avg_latency_ms: number | null;
  success_rate: number | null;
  load_percentage: number;
  requests: number;
  in_flight: number;
}

const pct = (x: number) => Math.round(x * 10_000) / 100;
const total = (c: FigureCounts) => c.ok + c.fail;

/** The providers a principal may see, with the models it may see on each. */
function visible(o: ResolvedStatusOptions, principal: Principal | undefined, names: Iterable<string>, modelsOf: (p: string) => Iterable<string>) {
  const out: Array<{ provider: string; models: string[] }> = [];
  for (const provider of [...new Set(names)].sort()) {
    if (!principalAllows(principal, { provider })) continue;
    const models = [...new Set(modelsOf(provider))].filter((model) => principalAllows(principal, { model })).sort();
    if (principal?.allowedModels && models.length === 0) continue;
    out.push({ provider, models });
  }
  return out;
}

function providerNames(o: ResolvedStatusOptions, extra: Iterable<string> = []): Set<string> {
  return new Set([...o.health.list().map((p) => p.name), ...extra]);
}

/**
 * Whether a principal may see a provider's status at all (provider allow-list; with a model
 * allow-list, at least one of its models).
 * @example if (mayWatch(options, principal, 'openai')) send(change)
 */
export function mayWatch(o: ResolvedStatusOptions, principal: Principal | undefined, provider: string): boolean {
  return visible(o, principal, [provider], (p) => modelsKnown(o, p)).length === 1;
}

function modelsKnown(o: ResolvedStatusOptions, provider: string, figures?: Map<string, FigureCounts>): string[] {
  return [...(o.models?.(provider) ?? []), ...(o.health.report(provider)?.models.map((m) => m.name) ?? []), ...(figures?.keys() ?? [])];
}

/**
 * `GET /v1/providers/health`: per provider status, uptime, latency, error rate and rate-limit
 * usage over the window (figures from every instance when the store is shared), and each model's status.
 * @example await providerHealthView(o, principal)
 */
export async function providerHealthView(o: ResolvedStatusOptions, principal: Principal | undefined): Promise<{ providers: ProviderHealthView[] }> {
  const figures = await o.figures.window(o.windowMs);
  const minutes = Math.floor(o.windowMs / 60_000) + 1;
  const list = visible(o, principal, providerNames(o, figures.keys()), (p) => modelsKnown(o, p, figures.get(p)?.models));
  return {
    providers: list.map(({ provider, models }) => {
      const report = o.health.report(provider);
      const f = figures.get(provider);
      const c = f?.counts ?? { ok: 0, fail: 0, latencySum: 0, latencyCount: 0 };
      const n = total(c);
      const status = worstStatus(report?.status ?? 'healthy', o.health.judge(n, n ? c.fail / n : 0));
      const limits = o.limits?.(provider);
      const usage = [
        limits?.requestsPerMinute ? n / minutes / limits.requestsPerMinute : undefined,
        limits?.concurrentRequests ? (f?.inFlight ?? 0) / limits.concurrentRequests : undefined,
      ].filter((u): u is number => u !== undefined);
      return {
        name: provider,
        status,
        uptime_percentage: n ? pct(c.ok / n) : status === 'down' ? 0 : 100,
        avg_response_time_ms: c.latencyCount ? Math.round(c.latencySum / c.latencyCount) : (report?.latency_ms ?? null),
        error_rate: n ? pct(c.fail / n) : 0,
        rate_limit_usage: usage.length ? pct(Math.max(...usage)) : null,
        circuit: report?.circuit ?? 'closed',
        requests: n,
        models: models.map((name) => {
          const local = report?.models.find((m) => m.name === name)?.status ?? 'healthy';
          const m = f?.models.get(name);
          const mn = m ? total(m) : 0;
          return { name, status: status === 'down' ? 'down' : worstStatus(local, o.health.judge(mn, mn ? m!.fail / mn : 0)) };
        }),
      };
    }),
  };
}

/**
 * `GET /v1/providers/performance`: per provider average latency (time to first byte), success
 * rate and current load over a window.
 * @example await providerPerformanceView(o, principal, 5 * 60_000)
 */
export async function providerPerformanceView(
  o: ResolvedStatusOptions,
  principal: Principal | undefined,
  windowMs: number,
): Promise<{ window_ms: number; providers: ProviderPerformanceView[] }> {
  const figures = await o.figures.window(windowMs);
  const list = visible(o, principal, providerNames(o, figures.keys()), (p) => modelsKnown(o, p, figures.get(p)?.models));
  const allInFlight = [...figures.values()].reduce((sum, f) => sum + f.inFlight, 0);
  return {
    window_ms: windowMs,
    providers: list.map(({ provider }) => {
      const f = figures.get(provider);
      const c = f?.counts ?? { ok: 0, fail: 0, latencySum: 0, latencyCount: 0 };
      const n = total(c);
      const inFlight = f?.inFlight ?? 0;
      const limit = o.limits?.(provider)?.concurrentRequests;
      return {
        name: provider,
        avg_latency_ms: c.latencyCount ? Math.round(c.latencySum / c.latencyCount) : null,
        success_rate: n ? pct(c.ok / n) : null,
        // Against the configured concurrency limit, else this provider's share of all in-flight attempts.
        load_percentage: limit ? pct(inFlight / limit) : allInFlight ? pct(inFlight / allInFlight) : 0,
        requests: n,
        in_flight: inFlight,
      };
    }),
  };
}

/** A message of the status stream (WebSocket frame or SSE `data:`). */
export type StatusMessage =
  | { type: 'snapshot'; providers: Array<{ provider: string; status: HealthStatus }> }
  | { type: 'provider_status_change'; provider: string; status: HealthStatus; previous?: HealthStatus; at: string };

/**
 * Follow the status stream for one principal: `send` gets the snapshot at once, then every
 * change of a provider it may see; `close` is called when its key is revoked. Returns the
 * unsubscribe function.
 * @example const off = watchStatus(o, principal, (m) => ws.send(JSON.stringify(m)), () => ws.close(4001));
 */
export function watchStatus(
  o: ResolvedStatusOptions,
  principal: Principal | undefined,
  send: (message: StatusMessage) => void,
  close: (reason: 'revoked') => void,
): () => void {
  const board = boardOf(o);
  send({ type: 'snapshot', providers: board.current().filter((p) => mayWatch(o, principal, p.provider)) });
  const offs = [
    board.watch(({ provider, status, previous }) => {
      if (mayWatch(o, principal, provider))
        send({ type: 'provider_status_change', provider, status, ...(previous ? { previous } : {}), at: new Date().toISOString() });
    }),
  ];
  if (principal?.kind === 'key' && o.events) offs.push(o.events.on('key.revoked', ({ keyId }) => keyId === principal.id && close('revoked')));
  return () => offs.forEach((off) => off());
}

/** One board per resolved options: every stream of a route table or socket shares it. */
const boards = new WeakMap<ResolvedStatusOptions, StatusBoard>();
function boardOf(o: ResolvedStatusOptions): StatusBoard {
  let board = boards.get(o);
  if (!board) boards.set(o, (board = new StatusBoard(o.health, o.figures, { windowMs: o.windowMs, refreshMs: o.refreshMs })));
  return board;
}
