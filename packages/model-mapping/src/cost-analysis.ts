import { GatewayError } from '@switchyard/core';
import type { Catalog, CatalogModel } from './catalog.js';
import { costOf, type TokenCounts } from './cost.js';
import type { ModelMapper } from './mapper.js';

/** What a request with given token counts would cost on one target. */
export interface CostOption {
  provider: string;
  model: string;
  /** Enabled and able to take traffic now. */
  available: boolean;
  enabled: boolean;
  /** USD, or null when no price is known. */
  costUsd: number | null;
  entry: CatalogModel;
}

/** Where {@link analyzeCosts} looks. */
export interface CostAnalysisSource {
  catalog: Catalog;
  /** Resolves a requested name (aliases, mappings). Defaults to exact catalog names only. */
  mapper?: ModelMapper;
  /**
   * Whether a target can take traffic now (circuit breaker, health; may ask a shared store).
   * Defaults to "enabled means available".
   */
  isAvailable?: (provider: string, model: string) => boolean | Promise<boolean>;
}

/**
 * Price token counts on every target a requested model resolves to (404 when none serves it).
 * @example await analyzeCosts({ catalog, mapper }, 'gpt-4o', { inputTokens: 1000, outputTokens: 500 })
 */
export async function analyzeCosts(source: CostAnalysisSource, model: string, tokens: TokenCounts): Promise<CostOption[]> {
  const { catalog, mapper } = source;
  const targets = mapper?.resolve(model)?.targets ?? catalog.servedBy(model);
  if (targets.length === 0) throw new GatewayError(`No provider serves "${model}"`, { status: 404, code: 'model_not_found', param: 'model' });
  const available = await Promise.all(targets.map((t) => source.isAvailable?.(t.provider, t.model) ?? true));
  return targets.map((t, i) => {
    const entry = catalog.describe(t.provider, t.model);
    return {
      provider: t.provider,
      model: t.model,
      available: entry.enabled && available[i]!,
      enabled: entry.enabled,
      costUsd: costOf(entry.prices, tokens),
      entry,
    };
  });
}

/**
 * A non-negative number field of a JSON body, or undefined when absent (400 otherwise).
 * @example tokenField(body, 'prompt_tokens')
 */
export function tokenField(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new GatewayError(`${field} must be an integer >= 0`, { status: 400, code: 'invalid_request', param: field });
  }
  return v;
}

/**
 * The `model` field of a JSON body (400 unless a non-empty string).
 * @example requestedModelField(body)
 */
export function requestedModelField(body: Record<string, unknown>): string {
  if (typeof body.model !== 'string' || body.model === '')
    throw new GatewayError('model must be a non-empty string', { status: 400, code: 'invalid_request', param: 'model' });
  return body.model;
}
