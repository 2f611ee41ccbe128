export * from './failover.js';
export * from './options.js';
export * from './kind-policy.js';
export * from './decision.js';
export * from './final-error.js';
export * from './shared-state.js';
export type { BreakerSnapshot, BreakerSettings, SkipReason } from './target-policies.js';
export type { RunTarget, RequestPlan } from './request-plan.js';
export * from './provider-health.js';
