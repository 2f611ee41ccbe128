/**
 * Neutral route tables: the client's `POST /v1/feedback` and the admin API of experiments and
 * quality. Mount them with core's `koaRoutes` / `expressRoutes` (or this package's koa/express doors).
 * @module
 */
import { GatewayError, type Route, type RouteRequest } from '@switchyard/core';
import type { ExperimentDefinition } from './ab-test.js';
import type { CanaryDefinition } from './canary.js';
import type { Experiments } from './experiments.js';

/** Options of {@link feedbackRoutes}. */
export interface FeedbackRouteOptions {
  /**
   * Who is calling: the key id (or the app's user id, from `request.context`) of the
   * credentials on the request, null for an anonymous caller; throw a 401 `GatewayError` for
   * bad credentials. It must name callers as the request log does (its `keyId`).
   */
  identify(request: RouteRequest): Promise<string | null> | string | null;
}

/**
 * `POST /v1/feedback`: `{ request_id, score | thumbs, label?, comment? }` → 201 with the stored rating.
 * Only the key (or app user) that made the request may rate it; anyone else gets 404.
 * @example app.use(koaRoutes(feedbackRoutes(exp, { identify: async (r) => (await keys.authenticate(r.headers)).record.id })));
 */
export function feedbackRoutes(experiments: Experiments, options: FeedbackRouteOptions): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/feedback',
      async handler(request) {
        const principalId = await options.identify(request);
        const header = request.headers['x-request-id'];
        const feedback = await experiments.rate(await request.json(), typeof header === 'string' ? header : undefined, principalId);
        return {
          status: 201,
          body: {
            object: 'feedback',
            request_id: feedback.requestId,
            score: feedback.score,
            label: feedback.label,
            provider: feedback.provider,
            model: feedback.model,
            created: feedback.time,
          },
        };
      },
    },
  ];
}

const DAY = 86_400_000;

function window(query: URLSearchParams, now: number): { from: number; to: number } {
  const time = (name: string, fallback: number) => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (!Number.isFinite(value)) throw new GatewayError(`${name}: an ISO time or epoch ms`, { status: 400, code: 'invalid_request', param: name });
    return value;
  };
  return { from: time('from', now - 30 * DAY), to: time('to', now + 1) };
}

/**
 * The admin routes (mount behind the admin token):
 * - `GET /quality?from&to`: mean rating per provider/model/category with 95% intervals;
 * - `GET|POST /experiments`: list, start (body: an experiment definition);
 * - `GET /experiments/:id`: the report (arms, comparisons, verdict);
 * - `POST /experiments/:id/stop`, `POST /experiments/:id/declare` (`{ "arm": "b" }`);
 * - `GET|POST /canaries`, `GET /canaries/:id`, `POST /canaries/:id/rollback` (`{ "reason": "…" }`),
 *   `POST /canaries/:id/promote` (`{ "full": true }` promotes at once; else the current step passes).
 */
export function experimentAdminRoutes(experiments: Experiments, options: { now?: () => number } = {}): Route[] {
  const now = options.now ?? Date.now;
  return [
    {
      method: 'GET',
      path: '/quality',
      async handler(request) {
        const { from, to } = window(request.query, now());
        return { status: 200, body: { object: 'list', from, to, data: await experiments.quality(from, to) } };
      },
    },
    { method: 'GET', path: '/experiments', handler: async () => ({ status: 200, body: { object: 'list', data: await experiments.list() } }) },
    {
      method: 'POST',
      path: '/experiments',
      async handler(request) {
        const { min_samples, ...rest } = await request.json(); // the config file's spelling is accepted too
        return {
          status: 201,
          body: await experiments.start({ ...rest, ...(min_samples !== undefined ? { minSamples: min_samples } : {}) } as unknown as ExperimentDefinition),
        };
      },
    },
    { method: 'GET', path: '/experiments/:id', handler: async (request) => ({ status: 200, body: await experiments.report(request.params.id!) }) },
    { method: 'POST', path: '/experiments/:id/stop', handler: async (request) => ({ status: 200, body: await experiments.stop(request.params.id!) }) },
    {
      method: 'POST',
      path: '/experiments/:id/declare',
      async handler(request) {
        const { arm } = await request.json();
        if (typeof arm !== 'string')
          throw new GatewayError('arm: the name of the winning arm is required', { status: 400, code: 'invalid_request', param: 'arm' });
        return { status: 200, body: await experiments.declare(request.params.id!, arm) };
      },
    },
    { method: 'GET', path: '/canaries', handler: () => ({ status: 200, body: { object: 'list', data: experiments.canaries.list() } }) },
    {
      method: 'POST',
      path: '/canaries',
      async handler(request) {
        return { status: 201, body: await experiments.canaries.create((await request.json()) as unknown as CanaryDefinition) };
      },
    },
    { method: 'GET', path: '/canaries/:id', handler: (request) => ({ status: 200, body: experiments.canaries.report(request.params.id!) }) },
    {
      method: 'POST',
      path: '/canaries/:id/rollback',
      async handler(request) {
        const { reason } = await request.json();
        const why = typeof reason === 'string' && reason !== '' ? reason.slice(0, 200) : 'rolled back by an operator';
        return { status: 200, body: await experiments.canaries.rollback(request.params.id!, why) };
      },
    },
    {
      method: 'POST',
      path: '/canaries/:id/promote',
      async handler(request) {
        const { reason, full } = await request.json();
        if (full !== undefined && typeof full !== 'boolean')
          throw new GatewayError('full: true (promote at once) or false (pass the current step)', { status: 400, code: 'invalid_request', param: 'full' });
        const why = typeof reason === 'string' && reason !== '' ? reason.slice(0, 200) : full ? 'promoted by an operator' : 'step passed by an operator';
        return { status: 200, body: await experiments.canaries.promote(request.params.id!, why, full === true) };
      },
    },
  ];
}
