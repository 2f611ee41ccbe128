/**
 * Adapter types by name: the built-ins plus any registered by the application.
 * @module
 */
import type { ProviderAdapter, ProviderConfig } from './adapter.js';
import { createAnthropicAdapter } from './adapters/anthropic.js';
import { createOpenAIAdapter, createOpenAICompatibleAdapter } from './adapters/openai.js';
import { createSimulatedAdapter } from './adapters/simulated.js';
import { withTranslation } from './translate/with-translation.js';
import { translationOptionsFromConfig } from './translate/config.js';
import { createAzureAdapter } from './adapters/azure.js';
import { createGeminiAdapter } from './adapters/gemini.js';
import { createVertexAdapter } from './adapters/vertex.js';
import { createMistralAdapter } from './adapters/mistral.js';
import { createCohereAdapter } from './adapters/cohere.js';
import { createPresetAdapter, OPENAI_COMPATIBLE_PRESETS } from './adapters/presets.js';

/** Builds an adapter from one provider's config; throws TypeError on a bad config. */
export type AdapterFactory = (config: ProviderConfig) => ProviderAdapter;

const factories = new Map<string, AdapterFactory>([
  ['openai', createOpenAIAdapter],
  ['openai-compatible', createOpenAICompatibleAdapter],
  ['anthropic', createAnthropicAdapter],
  ['simulated', createSimulatedAdapter],
  ['azure', createAzureAdapter],
  ['gemini', createGeminiAdapter],
  ['vertex', createVertexAdapter],
  ['mistral', createMistralAdapter],
  ['cohere', createCohereAdapter],
  ...Object.keys(OPENAI_COMPATIBLE_PRESETS).map((type): [string, AdapterFactory] => [type, createPresetAdapter(type)]),
]);

/**
 * Add (or replace) an adapter type.
 * @example registerAdapterType('my-llm', (config) => createMyAdapter(config));
 */
export function registerAdapterType(type: string, factory: AdapterFactory): void {
  if (typeof type !== 'string' || type === '') throw new TypeError('registerAdapterType: type must be a non-empty string');
  if (typeof factory !== 'function') throw new TypeError(`registerAdapterType(${type}): factory must be a function`);
  factories.set(type, factory);
}

/** The adapter types known now, sorted. */
export function adapterTypes(): string[] {
  return [...factories.keys()].sort();
}

/**
 * Build the adapter for one configured provider.
 * @throws {TypeError} for an unknown type (naming the known ones) or an invalid config.
 * @example
 * const openai = createAdapter({ name: 'openai', type: 'openai', api_key: process.env.OPENAI_API_KEY });
 * const result = await openai.invoke(call, { transport, signal: exchange.signal });
 */
export function createAdapter(config: ProviderConfig): ProviderAdapter {
  if (!config || typeof config !== 'object') throw new TypeError('createAdapter: config must be an object');
  if (typeof config.name !== 'string' || config.name === '') throw new TypeError('createAdapter: config.name must be a non-empty string');
  const factory = factories.get(config.type);
  if (!factory) throw new TypeError(`provider ${config.name}: unknown type ${JSON.stringify(config.type)} (known types: ${adapterTypes().join(', ')})`);
  // Every adapter also serves the other wire family by translation (same-format calls pass through).
  return withTranslation(factory(config), translationOptionsFromConfig(config));
}
