import type { Target } from '@switchyard/core';
import type { Catalog } from './catalog.js';
import type { Capabilities } from './config.js';
import type { RequestNeeds } from './request-needs.js';

/** A candidate dropped before routing, and why. */
export interface SkippedTarget {
  target: Target;
  reason: string;
  /** The request field at fault (`tools`, `messages`, `response_format`), for the error when nothing is left. */
  param: string;
  code: 'model_disabled' | 'capability_unsupported' | 'context_length_exceeded';
}

const NEEDS: Array<[keyof RequestNeeds & keyof Capabilities, string, string]> = [
  ['tools', 'tools', 'does not support tools'],
  ['vision', 'messages', 'does not accept images'],
  ['jsonSchema', 'response_format', 'does not support JSON schema output'],
  ['embeddings', 'model', 'is not an embeddings model'],
  ['prefill', 'messages', 'does not support assistant prefill'],
];

/** A target as skip reasons name it: built only for a skipped target, not per target per request. */
const nameOf = (t: Target): string => `${t.provider}/${t.model}`;

/**
 * Drop disabled candidates, candidates without a capability the request needs, and candidates
 * whose context window cannot hold the estimated prompt plus the requested output.
 * @example const { kept, skipped } = filterCandidates(catalog, targets, needs);
 */
export function filterCandidates(catalog: Catalog, targets: Target[], needs: RequestNeeds): { kept: Target[]; skipped: SkippedTarget[] } {
  const kept: Target[] = [];
  const skipped: SkippedTarget[] = [];
  for (const target of targets) {
    const model = catalog.describe(target.provider, target.model);
    if (!model.enabled) {
      skipped.push({ target, reason: `${nameOf(target)} is disabled`, param: 'model', code: 'model_disabled' });
      continue;
    }
    // Only a capability known to be absent filters; an unknown one (null) is the provider's to answer.
    const missing = NEEDS.find(([need]) => needs[need] && model.capabilities[need] === false);
    if (missing) {
      skipped.push({ target, reason: `${nameOf(target)} ${missing[2]}`, param: missing[1], code: 'capability_unsupported' });
      continue;
    }
    if (!needs.embeddings && !model.capabilities.chat) {
      skipped.push({ target, reason: `${nameOf(target)} is not a chat model`, param: 'model', code: 'capability_unsupported' });
      continue;
    }
    const room = model.contextWindow;
    const wanted = needs.inputTokens + needs.maxOutputTokens;
    if (room !== undefined && wanted > room) {
      skipped.push({ target, reason: `${nameOf(target)} context window ${room} < ~${wanted} tokens`, param: 'messages', code: 'context_length_exceeded' });
      continue;
    }
    if (model.maxOutputTokens !== undefined && needs.maxOutputTokens > model.maxOutputTokens) {
      skipped.push({
        target,
        reason: `${nameOf(target)} produces at most ${model.maxOutputTokens} output tokens`,
        param: 'max_tokens',
        code: 'context_length_exceeded',
      });
      continue;
    }
    kept.push(target);
  }
  return { kept, skipped };
}

/** Whether a name matches an allow-list entry (`*` and trailing-`*` prefixes allowed). */
export function allowedBy(list: readonly string[] | undefined, name: string): boolean {
  if (!list) return true;
  return list.some((entry) => entry === '*' || entry === name || (entry.endsWith('*') && name.startsWith(entry.slice(0, -1))));
}
