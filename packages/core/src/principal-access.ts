import type { Principal } from './types.js';

/**
 * Whether a principal's allow-lists admit a model and/or provider. A missing list allows
 * everything; an entry ending in `*` matches by prefix (`gpt-4o*`); no principal allows all.
 * @example principalAllows(principal, { model: 'gpt-4o', provider: 'openai' })
 */
export function principalAllows(principal: Principal | undefined, what: { model?: string; provider?: string }): boolean {
  if (!principal) return true;
  if (what.model !== undefined && !listAllows(principal.allowedModels, what.model)) return false;
  if (what.provider !== undefined && !listAllows(principal.allowedProviders, what.provider)) return false;
  return true;
}

/**
 * Whether an allow-list (undefined: everything) admits a value.
 * @example listAllows(['gpt-4o*'], 'gpt-4o-mini') // true
 */
export function listAllows(list: readonly string[] | undefined, value: string): boolean {
  if (!list) return true;
  for (const entry of list) {
    if (entry === '*' || entry === value) return true;
    if (entry.endsWith('*') && value.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}
