import { headerMap, type EventBus, type Principal, type Route, type RouteRequest } from '@switchyard/core';
import { principalOf } from '@switchyard/auth-key';
import { providerLimitsFromConfig } from '@switchyard/rate-limit';
import { providerStatusRoutes, type ProviderStatusOptions } from '@switchyard/failover';
import { costRoutes } from '@switchyard/model-mapping';
import { feedbackRoutes } from '@switchyard/experiments';
import type { GatewayConfig } from './config/schema.js';
import type { Stack } from './stack.js';

/** Who is calling a client route: the principal, or a thrown 401/403. */
export type Access = (request: RouteRequest) => Promise<Principal | undefined> | Principal | undefined;

/**
 * The gateway's default {@link Access}: the Switchyard key in `Authorization` / `x-api-key`
 * when keys are required, else everyone sees everything.
 */
export function keyAccess(config: GatewayConfig, stack: Stack): Access {
  return async (request) => {
    if (!config.auth.required) return undefined;
    const { record } = await stack.keys.authenticate(headerMap(request.headers));
    return principalOf(record);
  };
}

/** The status options the gateway's pieces provide (shared by the routes and the WebSocket). */
export function statusOptions(config: GatewayConfig, stack: Stack, access: Access, events: EventBus): ProviderStatusOptions {
  const limits = providerLimitsFromConfig(config.ai_gateway.providers);
  return {
    health: stack.health,
    figures: stack.figures,
    access,
    events,
    models: (provider) => stack.catalog.list({ provider }).map((m) => m.model),
    limits: (provider) => limits[provider],
  };
}

/**
 * The client-facing routes beyond the AI calls: provider health, performance and status
 * stream (SSE), and cost analysis, each showing only what the caller's key may use.
 */
export function clientRoutes(config: GatewayConfig, stack: Stack, access: Access, events: EventBus): Route[] {
  return [
    ...providerStatusRoutes(statusOptions(config, stack, access, events)),
    ...costRoutes({
      catalog: stack.catalog,
      mapper: stack.mapper,
      access,
      // What routing honours: this instance's breakers and openings other instances shared.
      isAvailable: async (provider, model) =>
        stack.health.report(provider)?.status !== 'down' && (await stack.executor.routingState({ provider, model })).state !== 'open',
    }),
    // Clients rate their own requests: the caller is named as the request log names it.
    ...(stack.experiments && config.experiments.feedback.enabled
      ? feedbackRoutes(stack.experiments, { identify: async (request) => (await access(request))?.id ?? null })
      : []),
  ];
}
