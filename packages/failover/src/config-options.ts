/**
 * The `routing.failover:` and `routing.fallback:` blocks, and the providers' `health_check:`
 * blocks, as {@link failover} and {@link ProviderHealth} options.
 * @module
 */
import { parseDuration } from '@switchyard/core';
import type { HttpTransport, ProviderAdapter } from '@switchyard/providers';
import { failoverHedgeOption, failoverTimeoutOptions, type FailoverConfig, type FailoverConfigContext, type FallbackConfig } from './config.js';
import { fallbackBlockConditions } from './kind-policy.js';
import type { FailoverOptions } from './options.js';
import type { ProviderHealthOptions } from './provider-health.js';

/** What {@link failoverOptionsFromConfig} returns: every {@link failover} option the config decides. */
export type FailoverConfigOptions = Pick<
  FailoverOptions,
  | 'enabled'
  | 'maxRetries'
  | 'maxAttempts'
  | 'retryCodes'
  | 'breaker'
  | 'storeRefreshMs'
  | 'conditions'
  | 'timeouts'
  | 'targetTimeouts'
  | 'continuation'
  | 'hedge'
>;

const ms = (value: string | number | null | undefined, path: string) => (value === null || value === undefined ? undefined : parseDuration(value, { path }));

/**
 * Turn the `routing.failover:` block (and the optional `routing.fallback:` block) into
 * {@link failover} options; add the adapters, transport, events and stores your app has.
 * Without `max_attempts`, a request may walk the whole chain with every target's retries.
 * @example failover({ adapters, transport, ...failoverOptionsFromConfig({ failover: config.get('failover') }, { providers }) })
 */
export function failoverOptionsFromConfig(
  config: { failover: FailoverConfig; fallback?: FallbackConfig },
  context: FailoverConfigContext,
): FailoverConfigOptions {
  const f = config.failover;
  const cb = f.circuit_breaker ?? {};
  const path = 'ai_gateway.routing.failover';
  const options: FailoverConfigOptions = {
    enabled: f.enabled,
    breaker: {
      ...(cb.failure_threshold != null ? { consecutiveFailures: cb.failure_threshold } : {}),
      ...(cb.success_threshold != null ? { successThreshold: cb.success_threshold } : {}),
      ...(cb.timeout != null ? { coolDownMs: ms(cb.timeout, `${path}.circuit_breaker.timeout`)! } : {}),
    },
    continuation: { enabled: f.stream_continuation, regenerate: f.regenerate_and_match },
    ...failoverTimeoutOptions(f, context),
  };
  if (cb.shared_refresh != null) options.storeRefreshMs = ms(cb.shared_refresh, `${path}.circuit_breaker.shared_refresh`)!;
  if (f.max_retries !== null) options.maxRetries = f.max_retries;
  // The config's max_retries is per target: enough attempts to walk the chain with them.
  if (f.max_attempts !== null) options.maxAttempts = f.max_attempts;
  else if (f.max_retries !== null) options.maxAttempts = Math.max(6, (f.max_retries + 1) * context.providers.length);
  if (f.retry_codes !== null) options.retryCodes = f.retry_codes;
  const hedge = failoverHedgeOption(f);
  if (hedge) options.hedge = hedge;
  const fb = config.fallback;
  if (fb?.provider) options.conditions = { [fb.provider]: fallbackBlockConditions(fb) };
  return options;
}

/** A provider's `health_check:` block as written in the config. */
export interface HealthCheckConfig {
  enabled?: boolean;
  /** Between checks: a duration or ms. */
  interval?: string | number;
  /** Of one check: a duration or ms. */
  timeout?: string | number;
  /** URL or path of the models listing to call. */
  endpoint?: string;
}

/**
 * The providers' `health_check:` blocks as {@link ProviderHealth}'s `modelsCheck`: a cheap models
 * listing, never a paid completion, only for providers that enable it (the first such block's
 * interval and timeout apply to all). Undefined when none does.
 * @example new ProviderHealth({ events, modelsCheck: healthCheckOptionsFromConfig(config.providers, { adapters, transport }) })
 */
export function healthCheckOptionsFromConfig(
  providers: ReadonlyArray<{ name: string; health_check?: HealthCheckConfig }>,
  io: { adapters: ReadonlyMap<string, ProviderAdapter>; transport: HttpTransport },
): ProviderHealthOptions['modelsCheck'] {
  const enabled = providers.filter((p) => p.health_check?.enabled === true);
  const first = enabled[0]?.health_check;
  if (!first) return undefined;
  const endpoints: Record<string, string> = {};
  for (const p of enabled) if (p.health_check?.endpoint) endpoints[p.name] = p.health_check.endpoint;
  const path = `ai_gateway.providers[${providers.indexOf(enabled[0]!)}].health_check`;
  return {
    ...io,
    providers: enabled.map((p) => p.name),
    intervalMs: ms(first.interval, `${path}.interval`),
    timeoutMs: ms(first.timeout, `${path}.timeout`),
    endpoints,
  };
}
