import { GatewayError } from '@switchyard/core';
import type { Capabilities, CostConfig, ModelOverride } from './config.js';

/** A change to a catalog model (config override, admin API); absent fields are left as they are. */
export type ModelPatch = Omit<ModelOverride, 'provider' | 'model'>;

/**
 * An admin change to a stored override: a field set to `null` removes that field from the
 * override, so the config or price-table value shows through again.
 */
export type ModelPatchUpdate = { [K in keyof ModelPatch]?: ModelPatch[K] | null };

const FIELDS = ['enabled', 'context_window', 'max_output_tokens', 'cost', 'prices', 'capabilities', 'region'] as const;
const CAPABILITIES: Array<keyof Capabilities> = ['chat', 'tools', 'vision', 'jsonSchema', 'embeddings', 'reasoning', 'prefill'];
const PRICE_BASES = ['input', 'output', 'cache_read', 'cache_write', 'cache_write_1h'] as const;
const COST_FIELDS = PRICE_BASES.flatMap((b) => [`${b}_per_1k`, `${b}_per_1m`]);

function bad(field: string, why: string): GatewayError {
  return new GatewayError(`${field} ${why}`, { status: 400, code: 'invalid_request', param: field });
}

function nonNegative(body: Record<string, unknown>, field: string, integer: boolean): number | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw bad(field, integer ? 'must be an integer >= 0' : 'must be a number >= 0');
  }
  return v;
}

function parse(body: Record<string, unknown>, allowNull: boolean): ModelPatchUpdate {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('body', 'must be an object');
  const patch: ModelPatchUpdate = {};
  for (const key of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw bad(key, 'is not a catalog field');
  }
  const isNull = (field: string) => allowNull && body[field] === null;
  if (isNull('enabled')) patch.enabled = null;
  else if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw bad('enabled', 'must be a boolean');
    patch.enabled = body.enabled;
  }
  for (const field of ['context_window', 'max_output_tokens'] as const) {
    if (isNull(field)) patch[field] = null;
    else if (body[field] !== undefined) patch[field] = nonNegative(body, field, true);
  }
  if (isNull('region')) patch.region = null;
  else if (body.region !== undefined) {
    if (typeof body.region !== 'string') throw bad('region', 'must be a string');
    patch.region = body.region;
  }
  const field = body.cost !== undefined ? 'cost' : 'prices';
  const cost = body[field];
  if (isNull(field)) patch.cost = null;
  else if (cost !== undefined) {
    if (!cost || typeof cost !== 'object' || Array.isArray(cost)) throw bad(field, 'must be an object');
    for (const [k, v] of Object.entries(cost)) {
      if (!COST_FIELDS.includes(k)) throw bad(`${field}.${k}`, `is not a price field (${COST_FIELDS.join(', ')})`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(`${field}.${k}`, 'must be a number >= 0');
    }
    patch.cost = { ...(cost as CostConfig) };
  }
  if (isNull('capabilities')) patch.capabilities = null;
  else if (body.capabilities !== undefined) {
    const caps = body.capabilities;
    if (!caps || typeof caps !== 'object' || Array.isArray(caps)) throw bad('capabilities', 'must be an object');
    for (const [k, v] of Object.entries(caps)) {
      if (!CAPABILITIES.includes(k as keyof Capabilities)) throw bad(`capabilities.${k}`, `is not a capability (${CAPABILITIES.join(', ')})`);
      if (typeof v !== 'boolean') throw bad(`capabilities.${k}`, 'must be a boolean');
    }
    patch.capabilities = { ...(caps as Partial<Capabilities>) };
  }
  return patch;
}

/**
 * Validate a catalog change (an admin PATCH body, a stored override) into a {@link ModelPatch};
 * a 400 `GatewayError` names the first bad field. `prices` is accepted as an alias of `cost`.
 * @example parseModelPatch({ enabled: false, cost: { input_per_1m: 5 } })
 */
export function parseModelPatch(body: Record<string, unknown>): ModelPatch {
  return parse(body, false) as ModelPatch;
}

/**
 * Like {@link parseModelPatch}, but a top-level field may be `null` (remove it from the override).
 * @example parseModelPatchUpdate({ context_window: null }) // { context_window: null }
 */
export function parseModelPatchUpdate(body: Record<string, unknown>): ModelPatchUpdate {
  return parse(body, true);
}

function mergeCost(base: CostConfig | undefined, update: CostConfig): CostConfig {
  const out: Record<string, number> = { ...(base as Record<string, number>) };
  for (const [k, v] of Object.entries(update)) {
    if (v === undefined) continue;
    // A new price replaces the old one in either unit; keeping both would let per-1m silently win.
    const baseName = PRICE_BASES.find((b) => k.startsWith(`${b}_per_`));
    if (baseName) {
      delete out[`${baseName}_per_1k`];
      delete out[`${baseName}_per_1m`];
    }
    out[k] = v;
  }
  return out as CostConfig;
}

/**
 * Fold a change into an existing override: later values win, `capabilities` and `cost` merge
 * per key (a price replaces the same price in the other unit), `null` removes a field.
 * @example mergeModelPatch({ enabled: false }, { context_window: 4096 }) // { enabled: false, context_window: 4096 }
 */
export function mergeModelPatch(base: ModelPatch, update: ModelPatchUpdate): ModelPatch {
  const out: ModelPatch = { ...base };
  if (base.cost) out.cost = { ...base.cost };
  if (base.capabilities) out.capabilities = { ...base.capabilities };
  for (const [key, value] of Object.entries(update) as Array<[keyof ModelPatch, unknown]>) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else if (key === 'cost') out.cost = mergeCost(out.cost, value as CostConfig);
    else if (key === 'capabilities') out.capabilities = { ...out.capabilities, ...(value as Partial<Capabilities>) };
    else (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** True when a patch changes nothing (an override that can be deleted). */
export function isEmptyPatch(patch: ModelPatch): boolean {
  return Object.values(patch).every((v) => v === undefined);
}
