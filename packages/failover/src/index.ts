export { failover, type FailoverMiddleware } from './failover.js';
export type { ContinuationOptions, FailoverBreakerOptions, FailoverOptions, FailoverTimeouts, TargetTimeouts } from './options.js';
export {
  checkFailoverConfig,
  checkProviderTimeouts,
  type FailoverConfig,
  type FailoverConfigContext,
  failoverConfigSchema,
  failoverHedgeOption,
  failoverTimeoutOptions,
  type FallbackConfig,
  fallbackConfigSchema,
  type TimeoutsConfig,
  timeoutsFromConfig,
} from './config.js';
export { type FailoverConfigOptions, failoverOptionsFromConfig, type HealthCheckConfig, healthCheckOptionsFromConfig } from './config-options.js';
export type { HedgeOptions } from './hedge.js';
export { DEFAULT_KIND_POLICY, fallbackBlockConditions, type KindPolicyTable, type KindRule } from './kind-policy.js';
export type { BreakerSnapshot, SkipReason } from './target-policies.js';
export { type ActiveCheck, type HealthStatus, ProviderHealth, type ProviderHealthOptions, type ProviderReport } from './provider-health.js';
export { modelsEndpointCheck, type ModelsEndpointCheckOptions } from './health-probe.js';
export {
  type FigureCounts,
  memoryFiguresStore,
  ProviderFigures,
  type ProviderFiguresOptions,
  type ProviderFiguresStore,
  type ProviderWindowFigures,
} from './provider-figures.js';
export { redisFiguresStore } from './redis-figures-store.js';
export {
  providerHealthView,
  type ProviderHealthView,
  providerPerformanceView,
  type ProviderPerformanceView,
  type ProviderStatusOptions,
  type StatusMessage,
} from './provider-status.js';
export { providerStatusRoutes } from './provider-status-routes.js';
export type { NamedTarget, NamedTargets } from './named-targets.js';
