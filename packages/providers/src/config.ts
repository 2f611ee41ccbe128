/**
 * The convict fragment of a provider list (`providers: [{ name, type, base_url, … }]`) and its
 * translation into adapters, for an app that mounts the providers without the gateway. The
 * gateway's `ai_gateway.providers` runs the same checks, then those of the pieces that read an
 * entry's other settings (limits, deadlines, prices).
 * @module
 */
import type { ProviderAdapter, ProviderConfig } from './adapter.js';
import { createAdapter } from './registry.js';

/** One entry of a provider list, as written in a config file (adapter-specific extras pass through). */
export interface ProviderEntryConfig {
  name: string;
  type: string;
  base_url?: string;
  api_key?: string;
  models?: string[];
  headers?: Record<string, string>;
  region?: string;
  [extra: string]: unknown;
}

/** What a provider's name may be: letters, digits, `.`, `_`, `-`, at most 64 characters. */
export const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, message: string): never {
  throw new Error(`${path}: ${message}`);
}

function checkUrl(path: string, value: unknown): void {
  if (value === undefined || value === '') return;
  if (typeof value !== 'string') fail(path, 'must be a URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(path, `is not a valid URL: ${JSON.stringify(value).slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(path, 'must be an http(s) URL');
}

/**
 * Check a provider list's own settings: names (unique, letters, digits, `.`, `_`, `-`), a type,
 * an http(s) `base_url`, a string `api_key`, `models` as non-empty strings, `headers` as
 * strings. Every message starts with the path of the bad field under `path`.
 * @example validateProviderList([{ name: 'openai', type: 'openai', api_key: 'sk-…' }], 'ai_gateway.providers')
 */
export function validateProviderList(list: unknown, path = 'providers'): asserts list is ProviderEntryConfig[] {
  if (!Array.isArray(list)) fail(path, 'must be a list');
  const names = new Set<string>();
  list.forEach((entry: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(entry)) fail(p, 'must be an object');
    if (typeof entry.name !== 'string' || !PROVIDER_NAME.test(entry.name)) fail(`${p}.name`, 'must be a name of letters, digits, ".", "_" or "-"');
    if (names.has(entry.name)) fail(`${p}.name`, `duplicate provider name "${entry.name}"`);
    names.add(entry.name);
    if (typeof entry.type !== 'string' || entry.type.length === 0) fail(`${p}.type`, 'is required (openai, anthropic, openai-compatible, simulated, …)');
    checkUrl(`${p}.base_url`, entry.base_url);
    if (entry.api_key !== undefined && typeof entry.api_key !== 'string') fail(`${p}.api_key`, 'must be a string');
    if (entry.models !== undefined && (!Array.isArray(entry.models) || entry.models.some((m) => typeof m !== 'string' || m.length === 0)))
      fail(`${p}.models`, 'must be a list of non-empty strings');
    if (entry.headers !== undefined) {
      if (!isObject(entry.headers)) fail(`${p}.headers`, 'must be a map of header names to strings');
      for (const [h, v] of Object.entries(entry.headers)) if (typeof v !== 'string') fail(`${p}.headers.${h}`, 'must be a string');
    }
  });
}

/**
 * The convict schema fragment of a provider list: one setting, `providers`, checked by
 * {@link validateProviderList} when the config is validated. (A list has no environment
 * variable: it comes from the config file.)
 * @example const config = convict({ providers: providersConfigSchema() }); config.load(yaml); config.validate({ allowed: 'strict' });
 */
export function providersConfigSchema() {
  return {
    doc: 'Upstream providers: [{ name, type, base_url, api_key, models, headers, … }].',
    format: (list: unknown) => validateProviderList(list, 'providers'),
    default: [] as ProviderEntryConfig[],
  };
}

/**
 * The adapters of a validated provider list, by name. An entry an adapter refuses (an unknown
 * type, a bad type-specific setting) fails with its path under `path`.
 * @example const adapters = adaptersFromConfig(config.get('providers')); adapters.get('openai')
 */
export function adaptersFromConfig(list: readonly ProviderEntryConfig[], path = 'providers'): Map<string, ProviderAdapter> {
  const adapters = new Map<string, ProviderAdapter>();
  list.forEach((entry, i) => {
    try {
      adapters.set(entry.name, createAdapter(entry as ProviderConfig));
    } catch (err) {
      throw new TypeError(`${path}[${i}]: ${(err as Error).message}`, { cause: err });
    }
  });
  return adapters;
}
