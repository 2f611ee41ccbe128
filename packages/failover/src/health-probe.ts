import { ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, OPENAI_BASE_URL, type HttpTransport, type ProviderAdapter } from '@switchyard/providers';
import type { ActiveCheck } from './provider-health.js';

/** Options of {@link modelsEndpointCheck}. */
export interface ModelsEndpointCheckOptions {
  /** Defaults to 30000. */
  intervalMs?: number;
  /** Defaults to 5000. */
  timeoutMs?: number;
  /**
   * The config's `health_check.endpoint`: an absolute URL, or a path resolved against the origin
   * of `base_url` (`/v1/models` works whether or not `base_url` ends in `/v1`). Defaults to
   * the provider's models endpoint.
   */
  endpoint?: string;
}

const OPENAI_TYPES = new Set(['openai', 'openai-compatible']);

/**
 * The URL and headers of a provider's model list, or undefined for a provider type without a
 * known free endpoint (the simulated provider, types from other packages).
 */
export function modelsRequest(adapter: ProviderAdapter, endpoint?: string): { url: string; headers: Record<string, string> } | undefined {
  const request = defaultModelsRequest(adapter);
  if (request && endpoint) request.url = new URL(endpoint, request.url).toString();
  return request;
}

function defaultModelsRequest(adapter: ProviderAdapter): { url: string; headers: Record<string, string> } | undefined {
  const config = adapter.config;
  const key = typeof config.api_key === 'string' && config.api_key ? config.api_key : undefined;
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) extra[name.toLowerCase()] = value;
  if (OPENAI_TYPES.has(adapter.type)) {
    const base = trimSlash(typeof config.base_url === 'string' ? config.base_url : OPENAI_BASE_URL);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    if (typeof config.organization === 'string') headers['openai-organization'] = config.organization;
    if (typeof config.project === 'string') headers['openai-project'] = config.project;
    return { url: `${base}/models`, headers: { ...headers, ...extra } };
  }
  if (adapter.type === 'anthropic') {
    const base = trimSlash(typeof config.base_url === 'string' ? config.base_url : ANTHROPIC_BASE_URL);
    const version = typeof config.anthropic_version === 'string' ? config.anthropic_version : ANTHROPIC_VERSION;
    const headers: Record<string, string> = { accept: 'application/json', 'anthropic-version': version };
    if (key) headers['x-api-key'] = key;
    return { url: `${base}/v1/models`, headers: { ...headers, ...extra } };
  }
  return undefined;
}

/**
 * An active health check that lists the provider's models (`GET {base_url}/models` for
 * OpenAI-format providers, `GET {base}/v1/models` for Anthropic) through the transport with
 * the provider's own credential. Listing models is free on every provider that offers it: a
 * health check must never spend money on a completion. Undefined for a provider type without
 * such an endpoint.
 *
 * @example
 * const check = modelsEndpointCheck(adapters.get('openai')!, transport);
 * new ProviderHealth({ events, checks: check ? { openai: check } : {} });
 */
export function modelsEndpointCheck(adapter: ProviderAdapter, transport: HttpTransport, options: ModelsEndpointCheckOptions = {}): ActiveCheck | undefined {
  const request = modelsRequest(adapter, options.endpoint);
  if (!request) return undefined;
  return {
    intervalMs: options.intervalMs ?? 30_000,
    timeoutMs: options.timeoutMs ?? 5_000,
    async probe(signal) {
      const res = await transport.request({ method: 'GET', url: request.url, headers: request.headers, signal });
      // Drain (or drop) the body so the pooled connection is reusable.
      await res.text().catch(() => res.abort());
      // The status only: an error body may echo request details, never worth surfacing here.
      if (res.status < 200 || res.status > 299) throw new Error(`GET ${new URL(request.url).pathname} answered ${res.status}`);
    },
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
