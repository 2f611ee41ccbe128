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

/** The validated mapping parts of the `ai_gateway:` section, as convict returns them. */
export interface ModelMappingConfig {
  /** Alias -> { provider: upstream model }. */
  model_mapping: Record<string, Record<string, string>>;
  /** Group name -> members. */
  groups: Record<string, GroupMember[]>;
  /** Per-model catalog overrides. */
  models: ModelOverride[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Check `model_mapping`: alias -> { provider: model }; errors name `.alias.provider`. */
function aliasMap(value: unknown): void {
  if (!isObject(value)) throw new Error('must map model names to { provider: model }');
  for (const [alias, targets] of Object.entries(value)) {
    if (!isObject(targets)) throw new Error(`.${alias}: must map provider names to model names`);
    for (const [provider, model] of Object.entries(targets)) {
      if (typeof model !== 'string' || !model) throw new Error(`.${alias}.${provider}: must be a model name`);
    }
  }
}

/** Check `groups`: name -> [`provider/model` | alias | { provider, model }]. */
function groupMap(value: unknown): void {
  if (!isObject(value)) throw new Error('must map group names to lists of members');
  for (const [name, members] of Object.entries(value)) {
    if (!Array.isArray(members)) throw new Error(`.${name}: must be a list of members`);
    members.forEach((m, i) => {
      const ok = (typeof m === 'string' && m !== '') || (isObject(m) && typeof m.provider === 'string' && typeof m.model === 'string');
      if (!ok) throw new Error(`.${name}[${i}]: must be "provider/model", an alias, or { provider, model }`);
    });
  }
}

/** The convict format of `models`: a list of `{ provider, model, … }` catalog overrides. */
export function modelOverrides(value: unknown): void {
  if (!Array.isArray(value)) throw new Error('must be a list of { provider, model, … }');
  value.forEach((m, i) => {
    if (!isObject(m) || typeof m.provider !== 'string' || typeof m.model !== 'string') throw new Error(`[${i}]: needs provider and model`);
  });
}

/**
 * Check the mappings of a loaded config convict takes as one value each (`model_mapping`,
 * `groups`); throws an Error starting with the bad field's path.
 */
export function checkModelMappingConfig(config: Partial<Pick<ModelMappingConfig, 'model_mapping' | 'groups'>>, path = 'ai_gateway'): void {
  for (const [key, check] of [
    ['model_mapping', aliasMap],
    ['groups', groupMap],
  ] as const) {
    try {
      check(config[key] ?? {});
    } catch (err) {
      const message = (err as Error).message;
      throw new Error(`${path}.${key}${/^[.[]/.test(message) ? '' : ': '}${message}`, { cause: err });
    }
  }
}

/**
 * The convict schema fragment of model mapping's keys in the `ai_gateway:` section (snake_case as
 * in the config file). These are all mappings and lists, so none has an environment variable.
 * convict takes a mapping as one value only under core's `object` format (register core's formats
 * with `registerConfigFormats(convict)`); {@link modelMappingOptionsFromConfig} checks their shape.
 * @example const config = convict({ ai_gateway: { ...modelMappingConfigSchema() } });
 */
export function modelMappingConfigSchema() {
  return {
    model_mapping: {
      doc: 'Generic model names mapped per provider: alias -> { provider: model }.',
      format: 'object',
      default: {} as Record<string, Record<string, string>>,
    },
    groups: {
      doc: 'Named groups of targets a client may ask for by name: group -> ["provider/model" | alias | { provider, model }].',
      format: 'object',
      default: {},
    },
    models: {
      doc: 'Catalog entries per model ({ provider, model, enabled, context_window, max_output_tokens, cost, capabilities, region }) over the price table.',
      format: modelOverrides,
      default: [] as ModelOverride[],
    },
  } as const;
}

/**
 * Turn the `ai_gateway:` section into {@link modelMapping} options (pass a shared catalog too);
 * throws an Error naming the bad field (`ai_gateway.model_mapping.<alias>.<provider>`).
 * @example modelMapping({ ...modelMappingOptionsFromConfig({ ...config.get('ai_gateway'), providers }), catalog })
 */
export function modelMappingOptionsFromConfig(
  config: ModelMappingConfig & { providers?: ProviderEntry[]; routing?: Pick<RoutingSection, 'providers' | 'model_routes'> },
  path = 'ai_gateway',
): { config: MappingConfig } {
  checkModelMappingConfig(config, path);
  const routing = { providers: config.routing?.providers ?? [], model_routes: config.routing?.model_routes ?? {} };
  return { config: { providers: config.providers ?? [], routing, model_mapping: config.model_mapping, groups: config.groups, models: config.models } };
}
