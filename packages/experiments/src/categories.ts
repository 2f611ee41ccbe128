/**
 * Prompt categories: a rule-based categoriser (content, system prompt, tools, metadata) labels
 * each request (code, math, creative, extraction, chat, or your own), and a category's route
 * sends it to its targets — with `cost_quality_balance`, the cheapest target whose measured
 * quality for the category meets `quality_min` first.
 * @module
 */
import type { Exchange, PlannedTarget } from '@switchyard/core';

/** One rule: every given condition must hold. The first rule that matches names the category. */
export interface CategoryRule {
  category: string;
  /** Regular expressions (case-insensitive) tried on the user messages' text. */
  content?: string[];
  /** Regular expressions tried on the system prompt. */
  system?: string[];
  /** True: the request declares tools or a JSON response format. */
  tools?: boolean;
  /** Request-body `metadata` entries that must be equal. */
  metadata?: Record<string, string>;
}

/** Built-in rules, tried after the configured ones; anything else is `chat`. */
export const DEFAULT_CATEGORY_RULES: readonly CategoryRule[] = [
  { category: 'code', content: ['```', '\\b(function|def|class|import|const|return|SELECT|regex|stack trace|compile|refactor|bug)\\b'] },
  { category: 'extraction', tools: true },
  { category: 'extraction', content: ['\\b(extract|parse|fill in|as json|to json|structured)\\b'] },
  { category: 'math', content: ['\\b(solve|integral|derivative|equation|prove|probability)\\b', '\\d+\\s*[-+*/^=]\\s*\\d+'] },
  { category: 'creative', content: ['\\b(poem|story|lyrics|slogan|haiku|novel|creative)\\b'] },
];

/** One target of a category's route. */
export interface CategoryTarget {
  provider: string;
  model: string;
  /** USD per million output tokens (or any consistent price) used to order by cost. Defaults to the `price` option. */
  maxCost?: number;
  /** Only after every other target. */
  fallbackOnly?: boolean;
}

/** Where a category's requests go. */
export interface CategoryRoute {
  targets: CategoryTarget[];
  /** Lowest measured mean rating (0..1) for the category a target needs to go first under `cost_quality_balance`. */
  qualityMin?: number;
  /** `ordered`: the targets as listed; `cost_quality_balance`: cheapest target that meets `qualityMin` first. Defaults to `ordered`. */
  optimization?: 'ordered' | 'cost_quality_balance';
}

const text = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof p === 'object' && p && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n')
      : '';

/** The user messages' and the system prompt's text (OpenAI or Anthropic shape), each bounded to `max` characters. */
export function promptText(body: Record<string, unknown>, max = 20_000): { user: string; system: string } {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
  const user = messages
    .filter((m) => m.role === 'user')
    .map((m) => text(m.content))
    .join('\n')
    .slice(0, max);
  const system = [text(body.system), ...messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => text(m.content))]
    .join('\n')
    .slice(0, max);
  return { user, system };
}

/** Compile rules once; returns the categoriser. */
export function categoriser(rules: readonly CategoryRule[]): (body: Record<string, unknown>) => string {
  const compiled = [...rules, ...DEFAULT_CATEGORY_RULES].map((r) => ({
    ...r,
    contentRe: r.content?.map((p) => new RegExp(p, 'i')),
    systemRe: r.system?.map((p) => new RegExp(p, 'i')),
  }));
  return function categorise(body) {
    const { user, system } = promptText(body);
    const hasTools =
      (Array.isArray(body.tools) && body.tools.length > 0) ||
      (typeof body.response_format === 'object' && body.response_format !== null && (body.response_format as { type?: string }).type !== 'text');
    const metadata = typeof body.metadata === 'object' && body.metadata !== null ? (body.metadata as Record<string, unknown>) : {};
    for (const r of compiled) {
      if (r.contentRe && !r.contentRe.some((re) => re.test(user))) continue;
      if (r.systemRe && !r.systemRe.some((re) => re.test(system))) continue;
      if (r.tools !== undefined && r.tools !== hasTools) continue;
      if (r.metadata && !Object.entries(r.metadata).every(([k, v]) => metadata[k] === v)) continue;
      return r.category;
    }
    return 'chat';
  };
}

/**
 * Order a category's targets. `quality(provider, model)` is the measured mean rating for the
 * category (undefined: not measured yet, counts as not meeting `qualityMin`); `price` orders by cost.
 */
export function planCategory(
  category: string,
  route: CategoryRoute,
  quality: (provider: string, model: string) => number | undefined,
  price: (provider: string, model: string) => number | undefined,
): PlannedTarget[] {
  const main = route.targets.filter((t) => !t.fallbackOnly);
  const fallback = route.targets.filter((t) => t.fallbackOnly);
  let ordered = main;
  if (route.optimization === 'cost_quality_balance') {
    const cost = (t: CategoryTarget) => t.maxCost ?? price(t.provider, t.model) ?? Infinity;
    const meets = (t: CategoryTarget) => route.qualityMin === undefined || (quality(t.provider, t.model) ?? -1) >= route.qualityMin;
    ordered = [...main].sort((a, b) => Number(meets(b)) - Number(meets(a)) || cost(a) - cost(b));
  }
  return [...ordered, ...fallback].map((t) => ({
    provider: t.provider,
    model: t.model,
    reason: `category ${category}${t.fallbackOnly ? ' (fallback only)' : ''}`,
  }));
}

/** The category of a request, as pieces and ratings read it. */
export const CATEGORY_HEADER = 'x-switchyard-category';

/** When the exchange's category has a route, write the plan. Returns the category. */
export function routeByCategory(
  exchange: Exchange,
  category: string,
  routes: Record<string, CategoryRoute>,
  quality: (category: string, provider: string, model: string) => number | undefined,
  price: (provider: string, model: string) => number | undefined,
): string {
  const route = routes[category];
  if (route) {
    let targets = planCategory(category, route, (p, m) => quality(category, p, m), price);
    const allowed = exchange.principal?.allowedProviders;
    if (allowed) targets = targets.filter((t) => allowed.includes(t.provider));
    if (targets.length > 0) exchange.plan = { strategy: `category:${category}`, targets };
  }
  return category;
}
