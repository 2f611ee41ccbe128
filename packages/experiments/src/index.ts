export { experiments, EXPERIMENT_HEADER, type Experiments } from './experiments.js';
export type { ExperimentsOptions } from './options.js';
export {
  AbTest,
  ArmFigures,
  type ArmDefinition,
  type ExperimentState,
  type ArmOutcome,
  type ArmReport,
  type Comparison,
  type ExperimentDefinition,
  type ExperimentMatch,
  type ExperimentReport,
  type PrimaryMetric,
} from './ab-test.js';
export {
  MemoryFeedbackStore,
  type Feedback,
  type FeedbackInput,
  type FeedbackStore,
  type QualityGroup,
  type RatedRequest,
  type RatingSource,
  type RatingSums,
} from './feedback.js';
export { postgresFeedbackStore, sqliteFeedbackStore } from './sql-feedback-store.js';
export { experimentAdminRoutes, feedbackRoutes, type FeedbackRouteOptions } from './routes.js';
export { experimentsConfigSchema, experimentsOptionsFromConfig, type CanaryConfig, type ExperimentsConfig } from './config.js';
export {
  Canary,
  HISTORY_LIMIT,
  type CanaryCriteria,
  type CanaryHistoryEntry,
  type CanaryDefinition,
  type CanaryState,
  type CanaryStatus,
  type CanaryStepFigures,
  type CanaryTarget,
  type CanaryTransition,
} from './canary.js';
export { MemoryCanaryStore, postgresCanaryStore, sqliteCanaryStore, type CanaryStore, type StoredCanary } from './canary-store.js';
export type { Canaries, CanaryReport } from './canaries.js';
export { abTests, type AbTests, type AbTestsOptions } from './ab-tests.js';
export {
  armStrategy,
  MemoryExperimentStore,
  postgresExperimentStore,
  sqliteExperimentStore,
  type ExperimentStore,
  type FiguresQuery,
  type SqlExperimentStoreOptions,
  type StoredExperiment,
} from './experiment-store.js';
export { CATEGORY_HEADER, DEFAULT_CATEGORY_RULES, type CategoryRoute, type CategoryRule, type CategoryTarget } from './categories.js';
export { consensus, CONSENSUS_REQUEST_HEADER } from './consensus/consensus.js';
export type { ConsensusEmbedding, ConsensusJudge, ConsensusOptions, ConsensusRoute, NoQuorum } from './consensus/options.js';
export { DEFAULT_CONSENSUS_RUBRIC, parseScores } from './consensus/judge-pick.js';
export { CONSENSUS_HEADER, consensusHeader, type ConsensusSummary } from './consensus/header.js';
export {
  answerKey,
  canonicalJson,
  chooseMethod,
  normaliseText,
  readAnswer,
  tally,
  type Answer,
  type ConsensusMethod,
  type Vote,
} from './consensus/agreement.js';
export { capTargets, type CappedTargets, type CostEstimator } from './consensus/cost-cap.js';
export { synthesiseStream } from './consensus/synthesise-stream.js';
export { consensusConfigSchema, consensusOptionsFromConfig, type ConsensusConfig } from './consensus/config.js';
export { parseStrategyOverride, MAX_OVERRIDE_PROVIDERS, type OverrideProvider, type OverrideType, type StrategyOverride } from './strategy-input.js';
export { planOverride, strategyOverride, STRATEGY_OVERRIDE, type StrategyOverrideOptions } from './strategy-override.js';
export { classifier, DEFAULT_CLASSIFIER_PROMPT, type Classifier, type ClassifierOptions, type CategorySource } from './classifier.js';
export { judge, DEFAULT_JUDGE_RUBRIC, type Judge, type JudgeOptions, type JudgedRequest } from './judge.js';
export { measuredQuality, type MeasuredQuality } from './measured-quality.js';
export { SpendCap, type SpendCapOptions } from './spend-cap.js';
export type { ModelCall, ModelCallRequest, ModelCallResult } from './model-call.js';
