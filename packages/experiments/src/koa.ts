import type { Middleware } from 'koa';
import { koaRoutes } from '@switchyard/core/koa';
import type { Experiments } from './experiments.js';
import { experimentAdminRoutes, feedbackRoutes, type FeedbackRouteOptions } from './routes.js';

/**
 * Koa: `POST /v1/feedback` for clients. Put it where your clients' routes are.
 * @example app.use(koaFeedback(exp, { identify }));
 */
export function koaFeedback(experiments: Experiments, options: FeedbackRouteOptions): Middleware {
  return koaRoutes(feedbackRoutes(experiments, options));
}

/**
 * Koa: the experiments and quality admin routes under `prefix` (behind your admin auth).
 * @example app.use(adminAuth).use(koaExperimentsAdmin(exp, { prefix: '/admin' }));
 */
export function koaExperimentsAdmin(experiments: Experiments, options: { prefix?: string; now?: () => number } = {}): Middleware {
  return koaRoutes(experimentAdminRoutes(experiments, options), { prefix: options.prefix ?? '' });
}
