/**
 * Azure OpenAI: the OpenAI wire format at a per-deployment URL with an `api-version` query
 * parameter and an `api-key` header. Bodies and answers pass through like `openai`.
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
 * @module
 */
import { eventJson, type ClientFormat } from '@switchyard/core';
import type { ProviderAdapter, ProviderCall, ProviderConfig } from '../adapter.js';
import { callKey, jsonCallHeaders } from './call-headers.js';
import { createHttpAdapter, type StreamProtocol, type UpstreamRequest } from './http-adapter.js';
import { inspectOpenAIJson, stringOption, trimSlash, validateUrl, withModel } from './openai.js';
import { openAIStreamProtocol } from './openai-stream.js';

/** The GA data-plane version used when config names none. */
export const AZURE_API_VERSION = '2024-10-21';

const PATHS: Partial<Record<ClientFormat, string>> = { 'openai.chat': 'chat/completions', 'openai.embeddings': 'embeddings' };

function deploymentMap(config: ProviderConfig): Record<string, string> {
  const raw = config.deployments;
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`provider ${config.name}: deployments must be an object of model: deployment`);
  for (const [model, deployment] of Object.entries(raw)) {
    if (typeof deployment !== 'string' || !/^[A-Za-z0-9._-]+$/.test(deployment)) throw new TypeError(`provider ${config.name}: deployments.${model} must be a deployment name (letters, digits, . _ -)`);
  }
  return raw as Record<string, string>;
}

/**
 * Azure's first stream chunk only announces prompt filtering: `{"choices":[],"created":0,"id":"",
 * "model":"","object":"","prompt_filter_results":[…]}`. It is not a `chat.completion.chunk`
 * (OpenAI's schema requires the object type, id and model), so it is dropped; the filter
 * results inside choices (`content_filter_results`) and `content_filter` finish reasons pass.
 * @example isPromptFilterAnnouncement({ choices: [], object: '', prompt_filter_results: [] }) // true
 */
export function isPromptFilterAnnouncement(chunk: unknown): boolean {
  if (!chunk || typeof chunk !== 'object') return false;
  const c = chunk as Record<string, unknown>;
  return c.prompt_filter_results !== undefined && c.object !== 'chat.completion.chunk' && Array.isArray(c.choices) && c.choices.length === 0 && !c.usage;
}

function azureStreamProtocol(): StreamProtocol {
  const inner = openAIStreamProtocol();
  return { ...inner, event: (ev) => (isPromptFilterAnnouncement(eventJson(ev)) ? undefined : inner.event(ev)) };
}

/**
 * The `azure` adapter. Config: `base_url` (required: `https://RESOURCE.openai.azure.com`; a
 * trailing `/openai` is accepted), `deployments` (`{ model: deployment }`; a model without an
 * entry is used as the deployment name), `api_version` (defaults to 2024-10-21), `api_key` →
 * `api-key` header, `headers`.
 * @example createAzureAdapter({ name: 'azure-eu', type: 'azure', base_url: 'https://my-res.openai.azure.com', api_key: process.env.AZURE_OPENAI_API_KEY, deployments: { 'gpt-4o': 'gpt4o-prod' } })
 */
export function createAzureAdapter(config: ProviderConfig): ProviderAdapter {
  const raw = stringOption(config, 'base_url');
  if (!raw) throw new TypeError(`provider ${config.name}: type azure requires base_url (https://RESOURCE.openai.azure.com)`);
  const base = trimSlash(raw).replace(/\/openai$/, '');
  validateUrl(config.name, base);
  const deployments = deploymentMap(config);
  const version = encodeURIComponent(stringOption(config, 'api_version') ?? AZURE_API_VERSION);
  const extra = config.headers ?? {};

  function build(call: ProviderCall): UpstreamRequest {
    const headers = jsonCallHeaders(call, { 'api-key': callKey(config, call) }, extra);
    const deployment = encodeURIComponent(deployments[call.model] ?? call.model);
    // The deployment decides the model; `model` in the body is ignored by Azure and kept so the body stays a pass-through.
    return { url: `${base}/openai/deployments/${deployment}/${PATHS[call.format]}?api-version=${version}`, headers, body: withModel(call.body, call.model) };
  }

  return createHttpAdapter({
    type: 'azure',
    config,
    family: 'openai',
    formats: ['openai.chat', 'openai.embeddings'],
    streamFormats: ['openai.chat'],
    build,
    inspectJson: inspectOpenAIJson,
    streamProtocol: azureStreamProtocol,
  });
}
