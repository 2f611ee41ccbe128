import type { RequestHandler } from 'express';
import { expressRoutes } from '@switchyard/core/express';
import type { Experiments } from './experiments.js';
import { experimentAdminRoutes, feedbackRoutes, type FeedbackRouteOptions } from './routes.js';

/**
 * Express: `POST /v1/feedback` for clients.
 * @example app.use(expressFeedback(exp, { identify }));
 */
export function expressFeedback(experiments: Experiments, options: FeedbackRouteOptions): RequestHandler {
  return expressRoutes(feedbackRoutes(experiments, options));
}

/**
 * Express: the experiments and quality admin routes (mount under your admin path and auth).
 * @example app.use('/admin', adminAuth, expressExperimentsAdmin(exp));
 */
export function expressExperimentsAdmin(experiments: Experiments, options: { now?: () => number } = {}): RequestHandler {
  return expressRoutes(experimentAdminRoutes(experiments, options));
}
