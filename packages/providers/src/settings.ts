/**
 * The settings a provider entry (`ai_gateway.providers[]`) may carry, so a config loader can
 * tell a typo (`api_kye`, `modles`) from an adapter's own extra.
 * @module
 */

/** Settings every adapter, and the pieces around it (routing, limits, catalog, failover), read. */
const COMMON = [
  'name',
  'type',
  'base_url',
  'api_key',
  'models',
  'headers',
  'region',
  'timeouts',
  'enabled',
  'translation',
  'rate_limit',
  'cost',
  'health_check',
  'capabilities',
  'prefill',
  'deployments',
  'priority',
  'weight',
];

/** Extras by adapter type (OpenAI-compatible presets read the OpenAI-compatible ones). */
const BY_TYPE: Record<string, readonly string[]> = {
  openai: ['organization', 'project'],
  azure: ['api_version'],
  anthropic: ['anthropic_version', 'allowed_betas'],
  gemini: ['api_version', 'safety_settings'],
  vertex: ['api_version', 'project_id', 'location', 'credentials', 'credentials_file', 'token_url', 'safety_settings'],
  mistral: ['safe_prompt'],
  cohere: ['input_type'],
  simulated: ['latency_ms', 'tokens_per_second', 'error_rate', 'outages', 'reply', 'output_tokens', 'embedding_dimensions'],
};

/**
 * Every setting name known for a provider entry of `type` (common ones included); for an
 * unknown type, the union over all types.
 * @example providerSettingNames('azure').includes('api_version') // true
 */
export function providerSettingNames(type?: string): string[] {
  const extra = type && BY_TYPE[type] ? BY_TYPE[type]! : Object.values(BY_TYPE).flat();
  return [...new Set([...COMMON, ...extra])];
}
