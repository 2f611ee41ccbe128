import {
  countTexts,
  estimateInputTokens,
  familyOf,
  loadedTokenCounter,
  loadTokenCounter,
  type ClientFormat,
  type TokenCounter,
  type Usage,
} from '@switchyard/core';

export { loadedTokenCounter, loadTokenCounter, type TokenCounter };

type Json = Record<string, unknown>;

/** Strings nested deeper than this are not counted: no real request nests text that deep. */
const MAX_DEPTH = 64;

/** Every string in a value, depth first (message text, tool arguments, tool schemas). */
function collectStrings(value: unknown, out: string[], skipKeys: ReadonlySet<string>, depth = 0): void {
  if (typeof value === 'string') out.push(value);
  else if (depth >= MAX_DEPTH) return;
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out, skipKeys, depth + 1);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (!skipKeys.has(k)) collectStrings(v, out, skipKeys, depth + 1);
  }
}

/** Text the model produced, from the event data of a stream in the client's format. */
export function streamText(format: ClientFormat, data: readonly string[]): string {
  const parts: string[] = [];
  const anthropic = familyOf(format) === 'anthropic';
  for (const d of data) {
    if (d === '[DONE]') continue;
    let ev: Json;
    try {
      ev = JSON.parse(d) as Json;
    } catch {
      continue;
    }
    if (anthropic) {
      const delta = ev.delta as Json | undefined;
      if (ev.type === 'content_block_delta' && delta) {
        for (const k of ['text', 'partial_json', 'thinking']) if (typeof delta[k] === 'string') parts.push(delta[k] as string);
      } else if (ev.type === 'content_block_start') {
        const block = ev.content_block as Json | undefined;
        if (block && typeof block.name === 'string') parts.push(block.name);
      }
    } else if (Array.isArray(ev.choices)) {
      for (const choice of ev.choices as Json[]) {
        const delta = (choice.delta ?? {}) as Json;
        for (const k of ['content', 'reasoning_content', 'refusal']) if (typeof delta[k] === 'string') parts.push(delta[k] as string);
        if (Array.isArray(delta.tool_calls)) collectStrings(delta.tool_calls, parts, new Set(['id', 'type', 'index']));
      }
    }
  }
  return parts.join('');
}

/** Text the model produced, from a JSON response body in the client's format. */
export function jsonText(format: ClientFormat, body: string): string {
  let parsed: Json;
  try {
    parsed = JSON.parse(body) as Json;
  } catch {
    return '';
  }
  const parts: string[] = [];
  if (familyOf(format) === 'anthropic') collectStrings(parsed.content, parts, new Set(['type', 'id', 'signature']));
  else if (Array.isArray(parsed.choices)) {
    for (const c of parsed.choices as Json[]) collectStrings(c.message, parts, new Set(['role', 'id', 'type']));
  }
  return parts.join('');
}

/**
 * Estimate usage with a tokenizer (o200k_base; other vendors' tokenizers differ by some
 * percent, which is why the record is flagged `estimated`). Provider-reported input counts are
 * kept when there are any; otherwise all input is counted as uncached.
 */
export function estimateUsage(count: TokenCounter, format: ClientFormat, body: Json, outputText: string, reported: Usage | undefined): Usage {
  const haveInput = reported !== undefined && reported.inputTokens + reported.cacheReadTokens + reported.cacheWriteTokens > 0;
  // The estimate budgets reserved with and count_tokens answers: the three agree.
  const input = haveInput ? reported.inputTokens : estimateInputTokens({ format, body }, count);
  const output = Math.max(countTexts([outputText], count), reported?.outputTokens ?? 0);
  return {
    inputTokens: input,
    cacheReadTokens: haveInput ? reported.cacheReadTokens : 0,
    cacheWriteTokens: haveInput ? reported.cacheWriteTokens : 0,
    cacheWrite1hTokens: haveInput ? (reported.cacheWrite1hTokens ?? 0) : 0,
    outputTokens: output,
    reasoningTokens: 0,
    source: 'estimated',
  };
}
