export {
  type Attempt,
  BUDGET_MODES,
  type BudgetMode,
  type ClientFormat,
  type Cost,
  emptyUsage,
  FAILURE_KINDS,
  type FailureKind,
  familyOf,
  type KeyLimits,
  type KeyUsageTotals,
  type Plan,
  type PlannedTarget,
  type Principal,
  type RoutingConfig,
  type Target,
  type Usage,
  type WireFamily,
} from './types.js';
export { Ring } from './ring.js';
export { SampleRing } from './sample-ring.js';
export { LiveList, type LiveEntry } from './live-list.js';
export { timeOrderedId } from './time-ordered-id.js';
export { GatewayError, type GatewayErrorOptions, isGatewayError, renderAnthropicError, renderError, renderOpenAIError, toGatewayError } from './errors.js';
export {
  type BodySource,
  clientRequestIdFrom,
  Exchange,
  type ExchangeInit,
  type ExchangeResponse,
  type HeaderMap,
  type JsonResponse,
  type Reservation,
  type Settlement,
  type StreamResponse,
  unchangedBodyBytes,
} from './exchange.js';
export { EventBus, type EventBusOptions, type GatewayEvents } from './events.js';
export { eventJson, formatSseComment, formatSseEvent, parseSseStream, type SseEvent, SseParser, SseTruncatedError } from './sse.js';
export { writeSseBody } from './sse-writer.js';
export { hasKeyValue, isJsonObjectText, stringValue, topLevelString, valueIndex } from './json-scan.js';
export { bodyBytes } from './body-patch.js';
export { type KeyValueStore, MemoryStore, type MemoryStoreOptions } from './store.js';
export { jsonLogger, type Logger, silentLogger } from './logger.js';
export { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_JSON_DEPTH, formatForPath, headerMap, readRawBody } from './body.js';
export { answerRoute, matchRoute, type Route, type RouteInput, type RouteRequest, type RouteResult } from './route-table.js';
export { listAllows, principalAllows } from './principal-access.js';
export { errorResponse, type ExchangeMiddleware, type ExchangeOptions, responseHeaders } from './respond.js';
export { linkAbort, type AbortWatch, type LinkedAbort } from './abort.js';
export { prependItem, type SyncPull, tryNext } from './prepend.js';
export { isUnderPath } from './admin-routing.js';
export { type DurationOptions, parseBytes, parseDuration } from './duration.js';
export { CONFIG_FORMATS, type ConfigFormat, registerConfigFormats } from './config-formats.js';
export {
  clientJson,
  clip,
  everyModel,
  headerValue,
  MAX_MODEL_NAME_LENGTH,
  type ModelLabel,
  modelNameProblem,
  OTHER_MODEL,
  safeHeaders,
} from './client-text.js';
export { requestedOutputTokens } from './output-tokens.js';
export {
  approximateTokens,
  countTexts,
  estimateInputTokens,
  inputTokenBound,
  loadedTokenCounter,
  loadTokenCounter,
  MESSAGE_TOKENS,
  promptParts,
  type PromptParts,
  type TokenCounter,
} from './token-estimate.js';
