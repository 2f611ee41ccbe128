/**
 * Usage extraction from the two wire families, normalised so `inputTokens` excludes cached
 * tokens (each token class is priced once).
 * @module
 */
import type { Usage } from '@switchyard/core';

type Json = Record<string, unknown>;

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' ? (value as Json) : undefined;
}

/**
 * OpenAI `usage` (chat or embeddings) to {@link Usage}.
 * @example openAIUsage({ prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } })
 * // { inputTokens: 6, cacheReadTokens: 4, outputTokens: 2, … }
 */
export function openAIUsage(raw: unknown): Usage | undefined {
  const u = obj(raw);
  if (!u) return undefined;
  const cached = num(obj(u.prompt_tokens_details)?.cached_tokens);
  return {
    inputTokens: Math.max(0, num(u.prompt_tokens) - cached),
    outputTokens: num(u.completion_tokens),
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    reasoningTokens: num(obj(u.completion_tokens_details)?.reasoning_tokens),
    source: 'provider',
  };
}

/**
 * Anthropic `usage` to {@link Usage}, one-hour cache writes (`cache_creation`) included. With `previous`, fields the new object lacks keep their
 * value: `message_delta` usage is cumulative, so the latest value replaces, never adds.
 * @example anthropicUsage({ input_tokens: 5, cache_read_input_tokens: 100, output_tokens: 1 })
 */
export function anthropicUsage(raw: unknown, previous?: Usage): Usage | undefined {
  const u = obj(raw);
  if (!u) return previous;
  const pick = (key: string, fallback: number): number => (typeof u[key] === 'number' ? (u[key] as number) : fallback);
  const usage: Usage = {
    inputTokens: pick('input_tokens', previous?.inputTokens ?? 0),
    outputTokens: pick('output_tokens', previous?.outputTokens ?? 0),
    cacheReadTokens: pick('cache_read_input_tokens', previous?.cacheReadTokens ?? 0),
    cacheWriteTokens: pick('cache_creation_input_tokens', previous?.cacheWriteTokens ?? 0),
    reasoningTokens: 0,
    source: 'provider',
  };
  // The `cache_creation` breakdown splits the writes by lifetime; one-hour writes cost more.
  const oneHour = obj(u.cache_creation)?.ephemeral_1h_input_tokens ?? previous?.cacheWrite1hTokens;
  if (typeof oneHour === 'number') usage.cacheWrite1hTokens = num(oneHour);
  return usage;
}
