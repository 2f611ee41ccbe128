import { BUDGET_MODES, GatewayError, type KeyLimits, type RoutingConfig, type Target } from '@switchyard/core';
import type { KeyPolicy } from './key-record.js';

type Json = Record<string, unknown>;

/** A 400 naming the field at fault. */
export function badField(field: string, problem: string): GatewayError {
  return new GatewayError(`Invalid field "${field}": ${problem}`, { status: 400, code: 'invalid_field', param: field });
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

type NumericLimit = Exclude<keyof KeyLimits, 'budgetMode'>;

const LIMIT_FIELDS: Record<string, NumericLimit> = {
  total_tokens_per_hour: 'totalTokensPerHour',
  input_tokens_per_hour: 'inputTokensPerHour',
  output_tokens_per_hour: 'outputTokensPerHour',
  requests_per_minute: 'requestsPerMinute',
  concurrent_requests: 'concurrentRequests',
};

/** Policy fields an admin body may set, in their wire (snake_case) names. */
const POLICY_FIELDS = [
  'allowed_models',
  'allowed_providers',
  'allowed_mcp_profiles',
  'allowed_mcp_tools',
  'allow_routing_headers',
  'limits',
  'routing',
  'metadata',
] as const;

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw badField(field, 'must be an array of strings or null');
  value.forEach((v, i) => {
    if (typeof v !== 'string' || v === '') throw badField(`${field}[${i}]`, 'must be a non-empty string');
  });
  return [...(value as string[])];
}

function parseLimits(value: unknown): KeyLimits {
  if (!isObject(value)) throw badField('limits', 'must be an object or null');
  const limits: KeyLimits = {};
  for (const [name, v] of Object.entries(value)) {
    if (name === 'budget_mode') {
      if (v === null) continue;
      if (!BUDGET_MODES.includes(v as never)) throw badField('limits.budget_mode', `must be one of ${BUDGET_MODES.join(', ')} or null`);
      limits.budgetMode = v as KeyLimits['budgetMode'];
      continue;
    }
    const key = LIMIT_FIELDS[name];
    if (!key) throw badField(`limits.${name}`, `unknown limit (expected one of ${Object.keys(LIMIT_FIELDS).join(', ')}, budget_mode)`);
    if (v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw badField(`limits.${name}`, 'must be a positive integer or null');
    limits[key] = v;
  }
  return limits;
}

function parseTarget(value: unknown, field: string): Target {
  if (!isObject(value)) throw badField(field, 'must be an object');
  if (typeof value.provider !== 'string' || value.provider === '') throw badField(`${field}.provider`, 'must be a non-empty string');
  if (typeof value.model !== 'string' || value.model === '') throw badField(`${field}.model`, 'must be a non-empty string');
  for (const n of ['weight', 'priority'] as const) {
    if (value[n] !== undefined && (typeof value[n] !== 'number' || !Number.isFinite(value[n]) || (value[n] as number) < 0)) {
      throw badField(`${field}.${n}`, 'must be a number >= 0');
    }
  }
  if (value.region !== undefined && typeof value.region !== 'string') throw badField(`${field}.region`, 'must be a string');
  if (value.byok !== undefined && typeof value.byok !== 'boolean') throw badField(`${field}.byok`, 'must be a boolean');
  return value as unknown as Target;
}

function parseRouting(value: unknown): RoutingConfig {
  if (!isObject(value)) throw badField('routing', 'must be an object or null');
  if (typeof value.active !== 'boolean') throw badField('routing.active', 'must be a boolean');
  if (typeof value.strategy !== 'string' || value.strategy === '') throw badField('routing.strategy', 'must be a non-empty string');
  if (value.targets !== undefined) {
    if (!Array.isArray(value.targets)) throw badField('routing.targets', 'must be an array');
    value.targets.forEach((t, i) => parseTarget(t, `routing.targets[${i}]`));
  }
  return structuredClone(value) as RoutingConfig;
}

/** Apply the policy fields present in `body` onto `base` (null clears a field). */
function applyPolicy(base: KeyPolicy, body: Json): KeyPolicy {
  const policy: KeyPolicy = { ...base };
  const set = <K extends keyof KeyPolicy>(key: K, value: KeyPolicy[K] | null) => {
    if (value === null) delete policy[key];
    else policy[key] = value;
  };
  if ('allowed_models' in body) set('allowedModels', body.allowed_models === null ? null : stringList(body.allowed_models, 'allowed_models'));
  if ('allowed_providers' in body) set('allowedProviders', body.allowed_providers === null ? null : stringList(body.allowed_providers, 'allowed_providers'));
  if ('allowed_mcp_profiles' in body)
    set('allowedMcpProfiles', body.allowed_mcp_profiles === null ? null : stringList(body.allowed_mcp_profiles, 'allowed_mcp_profiles'));
  if ('allowed_mcp_tools' in body) set('allowedMcpTools', body.allowed_mcp_tools === null ? null : stringList(body.allowed_mcp_tools, 'allowed_mcp_tools'));
  if ('allow_routing_headers' in body) {
    const v = body.allow_routing_headers;
    if (v !== null && typeof v !== 'boolean') throw badField('allow_routing_headers', 'must be a boolean or null');
    set('allowRoutingHeaders', v as boolean | null);
  }
  if ('limits' in body) set('limits', body.limits === null ? null : parseLimits(body.limits));
  if ('routing' in body) set('routing', body.routing === null ? null : parseRouting(body.routing));
  if ('metadata' in body) {
    if (body.metadata !== null && !isObject(body.metadata)) throw badField('metadata', 'must be an object or null');
    set('metadata', body.metadata === null ? null : structuredClone(body.metadata));
  }
  return policy;
}

function checkKnown(body: Json, allowed: readonly string[]): void {
  for (const field of Object.keys(body)) if (!allowed.includes(field)) throw badField(field, 'unknown field');
}

function parseName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) throw badField('name', 'must be a non-empty string of at most 200 characters');
  return value.trim();
}

/** Validate the body of `POST /keys`. */
export function parseCreateKey(body: unknown): { name: string; policy: KeyPolicy } {
  if (!isObject(body)) throw badField('body', 'must be a JSON object');
  checkKnown(body, ['name', ...POLICY_FIELDS]);
  return { name: parseName(body.name), policy: applyPolicy({}, body) };
}

/** Validate the body of `PATCH /keys/:id` against the current policy. */
export function parseUpdateKey(body: unknown, current: KeyPolicy): { name?: string; policy?: KeyPolicy } {
  if (!isObject(body)) throw badField('body', 'must be a JSON object');
  checkKnown(body, ['name', ...POLICY_FIELDS]);
  const patch: { name?: string; policy?: KeyPolicy } = {};
  if ('name' in body) patch.name = parseName(body.name);
  if (POLICY_FIELDS.some((f) => f in body)) patch.policy = applyPolicy(current, body);
  return patch;
}

/** Validate the body of `PUT /keys/:id/credentials/:provider`. */
export function parseCredential(body: unknown): string {
  if (!isObject(body)) throw badField('body', 'must be a JSON object');
  checkKnown(body, ['api_key']);
  const key = body.api_key;
  if (typeof key !== 'string' || key.trim() === '' || key.length > 4096) throw badField('api_key', 'must be a non-empty string');
  return key.trim();
}

/** Wire (snake_case) form of a policy. */
export function policyView(policy: KeyPolicy): Json {
  const limits = policy.limits
    ? Object.fromEntries(
        [...Object.entries(LIMIT_FIELDS), ['budget_mode', 'budgetMode'] as const]
          .filter(([, k]) => policy.limits![k] !== undefined)
          .map(([w, k]) => [w, policy.limits![k]]),
      )
    : null;
  return {
    allowed_models: policy.allowedModels ?? null,
    allowed_providers: policy.allowedProviders ?? null,
    allowed_mcp_profiles: policy.allowedMcpProfiles ?? null,
    allowed_mcp_tools: policy.allowedMcpTools ?? null,
    allow_routing_headers: policy.allowRoutingHeaders ?? false,
    limits,
    routing: policy.routing ?? null,
    metadata: policy.metadata ?? null,
  };
}
