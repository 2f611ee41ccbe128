/**
 * How many input tokens a budget reservation asks for, without tokenizing prompts on the hot
 * path: the cheap byte bound (never below the estimate, so a `strict` budget still never
 * overspends) while the key's budget is far or not known yet (a key's first request: should
 * the bound be refused, rate-limit asks again with the exact count); the exact estimate when
 * the key has no input budget or its input budget is near. Settlement replaces either with the
 * provider's real count. So the tokenizer (~20 MB of tables) loads only once some key needs it.
 * @module
 */
import { inputTokenBound, type Exchange, type KeyLimits } from '@switchyard/core';
import type { UsageSnapshot } from './store.js';

/** The bound is used while it is at most this share of the input budget left at the key's last decision. */
const BOUND_SHARE_OF_HEADROOM = 0.25;
/** Keys whose last headroom is remembered (oldest forgotten first): a forgotten key is counted exactly once. */
const REMEMBERED_KEYS = 10_000;

/** Input tokens still available under the key's input and total budgets; Infinity with neither. */
export function inputHeadroom(limits: KeyLimits, used: UsageSnapshot): number {
  let headroom = Infinity;
  if (limits.inputTokensPerHour !== undefined) headroom = Math.min(headroom, limits.inputTokensPerHour - used.inputTokens);
  if (limits.totalTokensPerHour !== undefined) headroom = Math.min(headroom, limits.totalTokensPerHour - used.inputTokens - used.outputTokens);
  return headroom;
}

/**
 * Sizes the input side of reservations and learns each key's headroom from its decisions.
 * @example
 * const sizing = new InputSizing();
 * const inputTokens = sizing.size(key, limits, exchange);
 * sizing.learn(key, limits, decision.used);
 */
export class InputSizing {
  readonly #headroom = new Map<string, number>();

  /**
   * The byte bound to reserve for `exchange` under `limits`, or undefined when the count must be
   * exact ({@link estimateInputTokens}, once the tokenizer has loaded).
   */
  bound(key: string, limits: KeyLimits, exchange: Pick<Exchange, 'format' | 'body'>): number | undefined {
    // Without an input budget the figure only feeds provider token limits: keep it exact.
    if (limits.inputTokensPerHour === undefined && limits.totalTokensPerHour === undefined) return undefined;
    // Even a 1 KB prompt costs ~20 µs to tokenize (o200k), several percent of a request's CPU.
    const bound = inputTokenBound(exchange);
    const headroom = this.#headroom.get(key);
    return headroom === undefined || bound <= headroom * BOUND_SHARE_OF_HEADROOM ? bound : undefined;
  }

  /** Remembers the input headroom a decision left the key. */
  learn(key: string, limits: KeyLimits, used: UsageSnapshot): void {
    this.#headroom.delete(key);
    if (this.#headroom.size >= REMEMBERED_KEYS) this.#headroom.delete(this.#headroom.keys().next().value as string);
    this.#headroom.set(key, inputHeadroom(limits, used));
  }
}
