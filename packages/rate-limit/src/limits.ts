import { BUDGET_MODES, type BudgetMode, type KeyLimits } from '@switchyard/core';
import type { CounterLimits } from './store.js';

/** Every field of core's KeyLimits, in display order. */
export const KEY_LIMIT_FIELDS = ['totalTokensPerHour', 'inputTokensPerHour', 'outputTokensPerHour', 'requestsPerMinute', 'concurrentRequests'] as const;

/** Whether a value is a {@link BudgetMode}. */
export function isBudgetMode(value: unknown): value is BudgetMode {
  return (BUDGET_MODES as readonly unknown[]).includes(value);
}

/** A validation failure naming the field at fault. */
export interface LimitsProblem {
  field: string;
  message: string;
}

/**
 * Check a KeyLimits object from an untrusted source (admin API, config file): each field is
 * absent, null (disabled) or a non-negative integer; unknown fields are refused.
 *
 * @example validateKeyLimits({ totalTokensPerHour: -1 }) // { problem: { field: 'totalTokensPerHour', … } }
 */
export function validateKeyLimits(value: unknown): { limits: KeyLimits; problem?: undefined } | { problem: LimitsProblem; limits?: undefined } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: { field: '', message: 'limits must be a JSON object' } };
  }
  const limits: KeyLimits = {};
  for (const [field, v] of Object.entries(value)) {
    if (field === 'budgetMode') {
      if (v === null || v === undefined) continue;
      if (!isBudgetMode(v)) return { problem: { field, message: `budgetMode must be one of ${BUDGET_MODES.join(', ')} or null` } };
      limits.budgetMode = v;
      continue;
    }
    if (!(KEY_LIMIT_FIELDS as readonly string[]).includes(field)) {
      return { problem: { field, message: `Unknown limit "${field}"; expected one of ${KEY_LIMIT_FIELDS.join(', ')}, budgetMode` } };
    }
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      return { problem: { field, message: `${field} must be a non-negative integer or null (disabled)` } };
    }
    limits[field as (typeof KEY_LIMIT_FIELDS)[number]] = v;
  }
  return { limits };
}

/** Per-field merge: the key's own settings win, the defaults fill the fields it leaves unset. */
export function mergeLimits(defaults: KeyLimits | undefined, own: KeyLimits | undefined): KeyLimits {
  const out: KeyLimits = {};
  for (const field of KEY_LIMIT_FIELDS) {
    const v = own?.[field] ?? defaults?.[field];
    if (typeof v === 'number') out[field] = v;
  }
  const mode = own?.budgetMode ?? defaults?.budgetMode;
  if (mode !== undefined) out.budgetMode = mode;
  return out;
}

/** Map KeyLimits onto the store's counters. */
export function toCounterLimits(limits: KeyLimits): CounterLimits {
  return {
    totalTokens: limits.totalTokensPerHour,
    inputTokens: limits.inputTokensPerHour,
    outputTokens: limits.outputTokensPerHour,
    requests: limits.requestsPerMinute,
    concurrent: limits.concurrentRequests,
  };
}

/** Whether any limit is enabled. */
export function hasAnyLimit(limits: KeyLimits): boolean {
  return KEY_LIMIT_FIELDS.some((f) => limits[f] !== undefined);
}
