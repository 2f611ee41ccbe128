export { experiments, EXPERIMENT_HEADER, type Experiments } from './experiments.js';
export type { ExperimentsOptions } from './options.js';
export { AbTest, checkDefinition, type ArmDefinition, type ArmOutcome, type ArmReport, type Comparison, type ExperimentDefinition, type ExperimentMatch, type ExperimentReport, type PrimaryMetric } from './ab-test.js';
export { MemoryFeedbackStore, parseFeedback, qualityGroups, rateRequest, type Feedback, type FeedbackInput, type FeedbackStore, type QualityGroup, type RatedRequest } from './feedback.js';
export { postgresFeedbackStore, sqliteFeedbackStore, type PgPoolLike } from './sql-feedback-store.js';
export { experimentAdminRoutes, feedbackRoutes, type FeedbackRouteOptions } from './routes.js';
export { experimentsConfigSchema, experimentsOptionsFromConfig, type ExperimentsConfig } from './config.js';
export { meanInterval, normalCdf, proportionInterval, quantile, RunningMean, studentTwoSidedP, twoProportionTest, welchTest, type Interval, type TestResult } from './stats.js';
