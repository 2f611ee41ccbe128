import type { Target } from '@switchyard/core';
import { normalizeStrategy } from './strategy.js';

/** Comparison operators of a rule condition. */
export type ConditionOperator = 'eq' | 'ne' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'regex';

/**
 * A rule condition. Fields: `model`, `header.<name>`, `metadata.<name>` (request body
 * metadata), `key` (key id), `key.name`, `key.metadata.<name>`, `tokens` (estimated prompt
 * tokens), `time.hour`, `time.minute`, `time.weekday` (UTC; 0 = Sunday).
 */
export type Condition =
  { field: string; op: ConditionOperator; value?: unknown } | { op: 'and' | 'or'; conditions: Condition[] } | { and: Condition[] } | { or: Condition[] };

/** One rule: when `when` matches, route to `targets` (provider names or targets) and/or with `strategy`. */
export interface RoutingRule {
  name?: string;
  when: Condition;
  targets?: Array<string | Target>;
  strategy?: string;
}

/** What a rule (or the default) decided. */
export interface RuleDecision {
  /** Rule name, `#index` when unnamed, or `default`. */
  rule: string;
  targets?: Array<string | Target>;
  strategy?: string;
}

/** The facts rules are evaluated against. */
export interface RuleFacts {
  model: string;
  headers: Readonly<Record<string, string | undefined>>;
  metadata?: Readonly<Record<string, unknown>>;
  key?: { id: string; name?: string; metadata?: Readonly<Record<string, unknown>> };
  tokens: number;
  now: number;
}

const OPERATORS = new Set(['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'regex']);
const regexCache = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

function lookup(facts: RuleFacts, field: string): unknown {
  if (field === 'model') return facts.model;
  if (field === 'tokens') return facts.tokens;
  if (field === 'key') return facts.key?.id;
  if (field === 'key.name') return facts.key?.name;
  if (field.startsWith('key.metadata.')) return facts.key?.metadata?.[field.slice(13)];
  if (field.startsWith('header.')) return facts.headers[field.slice(7).toLowerCase()];
  if (field.startsWith('headers.')) return facts.headers[field.slice(8).toLowerCase()];
  if (field.startsWith('metadata.')) return facts.metadata?.[field.slice(9)];
  const d = new Date(facts.now);
  if (field === 'time.hour') return d.getUTCHours();
  if (field === 'time.minute') return d.getUTCMinutes();
  if (field === 'time.weekday') return d.getUTCDay();
  return undefined;
}

function compare(actual: unknown, op: ConditionOperator, value: unknown): boolean {
  switch (op) {
    case 'eq':
      return actual === value || (actual !== undefined && String(actual) === String(value));
    case 'ne':
      return !compare(actual, 'eq', value);
    case 'in':
      return Array.isArray(value) && value.some((v) => compare(actual, 'eq', v));
    case 'nin':
      return !compare(actual, 'in', value);
    case 'regex':
      return actual !== undefined && actual !== null && regex(String(value)).test(String(actual));
    default: {
      const a = typeof actual === 'number' ? actual : Number(actual);
      const b = Number(value);
      if (actual === undefined || actual === null || actual === '' || Number.isNaN(a) || Number.isNaN(b)) return false;
      return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
    }
  }
}

/**
 * Evaluate a condition against request facts. A missing field matches only `ne` / `nin`.
 * @example matches({ field: 'header.x-tier', op: 'eq', value: 'gold' }, facts)
 */
export function matches(condition: Condition, facts: RuleFacts): boolean {
  if ('and' in condition) return condition.and.every((c) => matches(c, facts));
  if ('or' in condition) return condition.or.some((c) => matches(c, facts));
  if ('conditions' in condition) {
    return condition.op === 'and' ? condition.conditions.every((c) => matches(c, facts)) : condition.conditions.some((c) => matches(c, facts));
  }
  return compare(lookup(facts, condition.field), condition.op, condition.value);
}

/**
 * The first rule whose condition matches (and, when it lists targets, whose targets are
 * available), else the default. A rule whose targets name nothing usable is skipped, so a rule
 * never routes a request to nowhere.
 * @example evaluateRules(rules, facts, (ts) => ts.length > 0)
 */
export function evaluateRules(
  rules: readonly RoutingRule[],
  facts: RuleFacts,
  usable: (targets: Array<string | Target>) => boolean = () => true,
  fallback?: Omit<RuleDecision, 'rule'>,
): RuleDecision | undefined {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!matches(rule.when, facts)) continue;
    if (rule.targets && !usable(rule.targets)) continue;
    return { rule: rule.name ?? `#${i}`, targets: rule.targets, strategy: rule.strategy };
  }
  return fallback ? { rule: 'default', ...fallback } : undefined;
}

function fail(path: string, why: string): never {
  throw new TypeError(`${path} ${why}`);
}

/** Validate one condition (eagerly, at config time), throwing a TypeError naming the path. */
export function validateCondition(c: unknown, path: string, depth = 0): Condition {
  if (depth > 16) fail(path, 'is nested too deeply');
  if (!c || typeof c !== 'object' || Array.isArray(c)) fail(path, 'must be an object');
  const o = c as Record<string, unknown>;
  for (const op of ['and', 'or'] as const) {
    if (op in o) {
      if (!Array.isArray(o[op])) fail(`${path}.${op}`, 'must be an array of conditions');
      (o[op] as unknown[]).forEach((x, i) => validateCondition(x, `${path}.${op}[${i}]`, depth + 1));
      return o as Condition;
    }
  }
  if (o.op === 'and' || o.op === 'or') {
    if (!Array.isArray(o.conditions)) fail(`${path}.conditions`, 'must be an array of conditions');
    (o.conditions as unknown[]).forEach((x, i) => validateCondition(x, `${path}.conditions[${i}]`, depth + 1));
    return o as Condition;
  }
  if (typeof o.field !== 'string' || o.field === '') fail(`${path}.field`, 'must be a non-empty string');
  if (typeof o.op !== 'string' || !OPERATORS.has(o.op)) fail(`${path}.op`, `must be one of eq, ne, in, nin, gt, gte, lt, lte, regex, and, or`);
  if ((o.op === 'in' || o.op === 'nin') && !Array.isArray(o.value)) fail(`${path}.value`, `must be an array for ${o.op}`);
  if (o.op === 'regex') {
    if (typeof o.value !== 'string' || o.value.length > 200) fail(`${path}.value`, 'must be a regular expression of at most 200 characters');
    try {
      regex(o.value);
    } catch (err) {
      fail(`${path}.value`, `is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (['gt', 'gte', 'lt', 'lte'].includes(o.op) && typeof o.value !== 'number') fail(`${path}.value`, `must be a number for ${o.op}`);
  return o as Condition;
}

/** Validate a rule's target list. */
export function validateTargets(value: unknown, path: string): Array<string | Target> {
  if (!Array.isArray(value) || value.length === 0) fail(path, 'must be a non-empty array');
  value.forEach((t, i) => {
    if (typeof t === 'string' && t !== '') return;
    if (t && typeof t === 'object' && typeof (t as Target).provider === 'string' && (t as Target).provider !== '') {
      const m = (t as Target).model;
      if (m !== undefined && typeof m !== 'string') fail(`${path}[${i}].model`, 'must be a string');
      return;
    }
    fail(`${path}[${i}]`, 'must be a provider name or { provider, model }');
  });
  return value as Array<string | Target>;
}

/** Validate a rule list, throwing a TypeError naming the first bad field. */
export function validateRules(value: unknown, path = 'rules'): RoutingRule[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value.map((r, i) => {
    const p = `${path}[${i}]`;
    if (!r || typeof r !== 'object') fail(p, 'must be an object');
    const rule = r as Record<string, unknown>;
    if (rule.name !== undefined && typeof rule.name !== 'string') fail(`${p}.name`, 'must be a string');
    validateCondition(rule.when, `${p}.when`);
    if (rule.targets === undefined && rule.strategy === undefined) fail(p, 'needs targets or a strategy');
    if (rule.targets !== undefined) validateTargets(rule.targets, `${p}.targets`);
    if (rule.strategy !== undefined && (!normalizeStrategy(rule.strategy) || normalizeStrategy(rule.strategy) === 'rules')) {
      fail(`${p}.strategy`, 'must be a strategy name other than rules');
    }
    return rule as unknown as RoutingRule;
  });
}
