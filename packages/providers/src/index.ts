export * from './transport.js';
export * from './adapter.js';
export * from './provider-error.js';
export * from './classify.js';
export * from './usage.js';
export * from './registry.js';
export * from './settings.js';
export * from './prefill.js';
export { createUndiciTransport, type UndiciTransportOptions } from './transport/undici.js';
export type { TransportOptions } from './transport/common.js';
export { createHttpAdapter, pickForwardHeaders, preReadFirst, StreamFailure, type HttpAdapterSpec, type StreamProtocol, type UpstreamRequest } from './adapters/http-adapter.js';
export { createOpenAIAdapter, createOpenAICompatibleAdapter, withModel, OPENAI_BASE_URL } from './adapters/openai.js';
export { openAIStreamProtocol } from './adapters/openai-stream.js';
export { createAnthropicAdapter, ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, DEFAULT_ANTHROPIC_BETAS } from './adapters/anthropic.js';
export { anthropicStreamProtocol } from './adapters/anthropic-stream.js';
export { createSimulatedAdapter, type SimulatedConfig, type SimulatedOutage } from './adapters/simulated.js';
export { createAzureAdapter, azureAcceptsStreamOptions, azureBody, AZURE_API_VERSION } from './adapters/azure.js';
export { createGeminiAdapter, googleAdapter, GEMINI_BASE_URL, type GoogleFlavour } from './adapters/gemini.js';
export { geminiRequest, parseSafetySettings, SAFETY_HEADER } from './adapters/gemini-request.js';
export { geminiFinishReason, geminiStreamProtocol, geminiToOpenAI, geminiUsage, GEMINI_FINISH_REASONS } from './adapters/gemini-response.js';
export { createVertexAdapter, vertexHost } from './adapters/vertex.js';
export {
  createServiceAccountTokenSource, readServiceAccountFile, signServiceAccountJwt, validateCredentials, CLOUD_PLATFORM_SCOPE, GOOGLE_TOKEN_URL,
  type AccessTokenSource, type ServiceAccountCredentials, type ServiceAccountTokenOptions,
} from './adapters/google-auth.js';
export { createMistralAdapter, mistralBody, mistralToolCallId, MISTRAL_BASE_URL } from './adapters/mistral.js';
export { MISTRAL_CHAT_FIELDS, MISTRAL_EMBEDDING_FIELDS, MISTRAL_MESSAGE_FIELDS } from './adapters/mistral-fields.js';
export { createCohereAdapter, COHERE_BASE_URL } from './adapters/cohere.js';
export { cohereRequest, cohereStreamProtocol, cohereToOpenAI, cohereUsage, COHERE_FINISH_REASONS } from './adapters/cohere-translate.js';
export { createPresetAdapter, OPENAI_COMPATIBLE_PRESETS, type OpenAICompatiblePreset } from './adapters/presets.js';
export { translatingAdapter, stableToolCallId, type JsonTranslator } from './adapters/openai-shapes.js';
export * from './translate/index.js';
