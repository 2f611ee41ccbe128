export { type Strategy, type StrategyName, STRATEGY_SPELLINGS, weightedOrder } from './strategy.js';
export { type PriorityContext, priorityStrategy } from './priority.js';
export { type WeightedContext, weightedStrategy } from './weighted.js';
export { type RoundRobinContext, roundRobinStrategy } from './round-robin.js';
export { type CostContext, costStrategy } from './cost.js';
export { type LatencyContext, latencyStrategy } from './latency.js';
export { type LeastBusyContext, leastBusyStrategy } from './least-busy.js';
export type { Condition, ConditionOperator, RoutingRule, RuleDecision, RuleFacts } from './rules.js';
export { type LatencyMetric, parseLatencyWindow, RoutingStats, type RoutingStatsOptions } from './stats.js';
export { ROUTING_HEADERS, type RoutingDirectives } from './routing-headers.js';
export { type RoutingSettings, validateRoutingSettings } from './routing-settings.js';
export { STRATEGY_HEADER, strategySelector, type StrategySelectorOptions } from './strategy-selector.js';
export {
  percentile,
  routingProviders,
  routingRules,
  routingStatsOptionsFromConfig,
  type StrategySelectorConfig,
  strategySelectorConfigSchema,
  strategySelectorOptionsFromConfig,
  strategyName,
} from './config.js';
