/**
 * The configuration shape model-mapping accepts: the `ai_gateway:` section of a Switchyard
 * (Loom-style) config, or the parts of it that matter for mapping.
 * @module
 */

/** Prices as they appear in a config: per 1k tokens (Loom's `cost`) or per million. */
export interface CostConfig {
  input_per_1k?: number;
  output_per_1k?: number;
  cache_read_per_1k?: number;
  cache_write_per_1k?: number;
  /** One-hour cache writes (Anthropic); absent: priced as `cache_write`. */
  cache_write_1h_per_1k?: number;
  input_per_1m?: number;
  output_per_1m?: number;
  cache_read_per_1m?: number;
  cache_write_per_1m?: number;
  cache_write_1h_per_1m?: number;
}

/**
 * Capabilities a model may have; each one is checked against what a request needs. `null` is
 * unknown (a model the catalog has no data for): only a capability known to be absent (`false`)
 * filters a target; an unknown one lets the request through and the provider answers for itself.
 */
export interface Capabilities {
  chat: boolean;
  tools: boolean | null;
  vision: boolean | null;
  jsonSchema: boolean | null;
  embeddings: boolean;
  reasoning: boolean;
  prefill: boolean | null;
}

/** One `ai_gateway.providers[]` entry (extra adapter fields are ignored here). */
export interface ProviderEntry {
  name: string;
  type?: string;
  /** Upstream model names this provider serves. Absent: any model the price table knows for its type. */
  models?: string[];
  /** Azure: model name -> deployment; the model names are what the provider serves. */
  deployments?: Record<string, string>;
  /** Prices for every model of this provider; overrides the price table. */
  cost?: CostConfig;
  region?: string;
  /** `false` disables every model of the provider. */
  enabled?: boolean;
  [extra: string]: unknown;
}

/** A per-model catalog override (config `models:` or the admin API). */
export interface ModelOverride {
  provider: string;
  model: string;
  enabled?: boolean;
  context_window?: number;
  max_output_tokens?: number;
  cost?: CostConfig;
  capabilities?: Partial<Capabilities>;
  region?: string;
}

/** One `ai_gateway.routing.providers[]` entry. */
export interface RoutingProviderEntry {
  name: string;
  priority?: number;
  weight?: number;
  [extra: string]: unknown;
}

/** The `ai_gateway.routing` section (only what mapping and selection read). */
export interface RoutingSection {
  strategy?: string;
  providers?: RoutingProviderEntry[];
  /** Model (or model prefix) -> provider name; `default` catches unknown models. */
  model_routes?: Record<string, string>;
  latency?: { window?: string | number; percentile?: number; metric?: string };
  [extra: string]: unknown;
}

/** A group member: `provider/model`, an alias, or a model name. */
export type GroupMember = string | { provider: string; model: string };

/** The `ai_gateway` object (or the relevant parts). */
export interface MappingConfig {
  providers?: ProviderEntry[];
  routing?: RoutingSection;
  /** Alias -> { provider: upstream model }. */
  model_mapping?: Record<string, Record<string, string>>;
  /** Group name (`fast`, `smart`) -> members. */
  groups?: Record<string, GroupMember[]>;
  /** Per-model catalog overrides. */
  models?: ModelOverride[];
  [extra: string]: unknown;
}
