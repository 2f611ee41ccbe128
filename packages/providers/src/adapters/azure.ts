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
import { inspectOpenAIJson, stringOption, trimSlash, validateUrl } from './openai.js';
import { openAIStreamProtocol } from './openai-stream.js';

/** The GA data-plane version used when config names none. */
export const AZURE_API_VERSION = '2024-10-21';

const PATHS: Partial<Record<ClientFormat, string>> = { 'openai.chat': 'chat/completions', 'openai.embeddings': 'embeddings' };

/** The first data-plane version whose chat request defines `stream_options` (earlier ones answer 400 "Unrecognized request argument supplied"). */
const STREAM_OPTIONS_SINCE = '2024-09-01';

/**
 * Whether an api-version accepts `stream_options`: dated versions from 2024-09-01(-preview) on,
 * and the undated ones (`preview`, `latest`, `v1`), which track the current API.
 * @example azureAcceptsStreamOptions('2024-06-01') // false
 * @example azureAcceptsStreamOptions('2024-10-21') // true
 */
export function azureAcceptsStreamOptions(apiVersion: string): boolean {
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(apiVersion)?.[1];
  return date === undefined || date >= STREAM_OPTIONS_SINCE;
}

/**
 * The body Azure gets: the client's, without `model` (the deployment in the URL decides the
 * model; Azure's schema has no `model`) and without `stream_options` for api-versions that
 * predate it. Every other field passes through unchanged, in place.
 * @example azureBody({ model: 'gpt-4o', messages: [], stream_options: { include_usage: true } }, '2024-06-01') // '{"messages":[]}'
 */
export function azureBody(body: Record<string, unknown>, apiVersion: string): string {
  const dropStreamOptions = body.stream_options !== undefined && !azureAcceptsStreamOptions(apiVersion);
  if (body.model === undefined && !dropStreamOptions) return JSON.stringify(body);
  const out: Record<string, unknown> = {};
  for (const key in body) {
    if (key === 'model' || (dropStreamOptions && key === 'stream_options')) continue;
    out[key] = body[key];
  }
  return JSON.stringify(out);
}

function deploymentMap(config: ProviderConfig): Record<string, string> {
  const raw = config.deployments;
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`provider ${config.name}: deployments must be an object of model: deployment`);
  for (const [model, deployment] of Object.entries(raw)) {
    if (typeof deployment !== 'string' || !/^[A-Za-z0-9._-]+$/.test(deployment))
      throw new TypeError(`provider ${config.name}: deployments.${model} must be a deployment name (letters, digits, . _ -)`);
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
  const apiVersion = stringOption(config, 'api_version') ?? AZURE_API_VERSION;
  const version = encodeURIComponent(apiVersion);
  const extra = config.headers ?? {};

  function build(call: ProviderCall): UpstreamRequest {
    const headers = jsonCallHeaders(call, { 'api-key': callKey(config, call) }, extra);
    const deployment = encodeURIComponent(deployments[call.model] ?? call.model);
    return { url: `${base}/openai/deployments/${deployment}/${PATHS[call.format]}?api-version=${version}`, headers, body: azureBody(call.body, apiVersion) };
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
