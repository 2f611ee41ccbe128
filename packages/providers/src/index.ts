export { type HttpTransport, TransportError, type TransportPhase, type TransportRequest, type TransportResponse, type TransportTimeouts } from './transport.js';
export type {
  Classification,
  FailureInfo,
  InvokeContext,
  JsonResult,
  ProviderAdapter,
  ProviderCall,
  ProviderConfig,
  ProviderResult,
  StreamResult,
} from './adapter.js';
export { isProviderError, notSentError, ProviderError } from './provider-error.js';
export { classifyFailure, type ClassifyOptions, type DetailedClassification, parseRetryAfter, type UpstreamErrorDetail } from './classify.js';
export { type AdapterFactory, adapterTypes, createAdapter, registerAdapterType } from './registry.js';
export { providerSettingNames } from './settings.js';
export { adaptersFromConfig, PROVIDER_NAME, type ProviderEntryConfig, providersConfigSchema, validateProviderList } from './config.js';
export { prefillStyle, type PrefillStyle } from './prefill.js';
export { createUndiciTransport, type UndiciTransportOptions } from './transport/undici.js';
export type { TransportOptions } from './transport/common.js';
export { createHttpAdapter, type HttpAdapterSpec, type StreamProtocol, type UpstreamRequest } from './adapters/http-adapter.js';
export { createOpenAIAdapter, createOpenAICompatibleAdapter, OPENAI_BASE_URL } from './adapters/openai.js';
export { createAnthropicAdapter, ANTHROPIC_BASE_URL, ANTHROPIC_VERSION } from './adapters/anthropic.js';
export { createSimulatedAdapter, type SimulatedConfig, type SimulatedOutage } from './adapters/simulated.js';
export { createAzureAdapter, AZURE_API_VERSION } from './adapters/azure.js';
export { createGeminiAdapter, GEMINI_BASE_URL, type GoogleFlavour } from './adapters/gemini.js';
export { SAFETY_HEADER } from './adapters/gemini-request.js';
export { createVertexAdapter } from './adapters/vertex.js';
export {
  createServiceAccountTokenSource,
  readServiceAccountFile,
  type AccessTokenSource,
  type ServiceAccountCredentials,
  type ServiceAccountTokenOptions,
} from './adapters/google-auth.js';
export { createMistralAdapter, MISTRAL_BASE_URL, mistralToolCallId } from './adapters/mistral.js';
export { createCohereAdapter, COHERE_BASE_URL } from './adapters/cohere.js';
export { createPresetAdapter, OPENAI_COMPATIBLE_PRESETS, type OpenAICompatiblePreset } from './adapters/presets.js';
export {
  anthropicErrorToOpenAI,
  anthropicMessageToOpenAI,
  anthropicRequestToOpenAI,
  type AnthropicStopReason,
  type AnthropicToOpenAIOptions,
  AnthropicToOpenAIStream,
  type AnthropicToOpenAIStreamOptions,
  anthropicUsageToOpenAI,
  APPROXIMATED_FIELDS_HEADER,
  DROPPED_FIELDS_HEADER,
  ESTIMATED_HEADER,
  openAICompletionToAnthropic,
  openAIErrorToAnthropic,
  type OpenAIFinishReason,
  openAIRequestToAnthropic,
  type OpenAIToAnthropicOptions,
  OpenAIToAnthropicStream,
  type OpenAIToAnthropicStreamOptions,
  openAIUsageToAnthropic,
  toAnthropicStopReason,
  toOpenAIFinishReason,
  type TranslationOptions,
  translationOptionsFromConfig,
  UntranslatableFieldError,
  withTranslation,
} from './translate/index.js';
