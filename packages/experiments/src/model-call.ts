/**
 * How the categoriser's classifier and the judge ask a model: one short, non-streamed
 * completion through the gateway's own providers, outside the request pipeline (no breaker,
 * no health, no retries), its cost reported back so it can be accounted and capped.
 * @module
 */
import type { KeyValueStore, Logger } from '@switchyard/core';

/** One internal completion. */
export interface ModelCallRequest {
  /** What the call is for: it names the call's own usage row. */
  purpose: 'classifier' | 'judge';
  provider: string;
  model: string;
  system: string;
  /** The user message. */
  prompt: string;
  maxTokens: number;
  /** Aborts the call (its time limit). */
  signal: AbortSignal;
}

/** The answer's text and what it cost (null: unpriced). */
export interface ModelCallResult {
  text: string;
  costUsd: number | null;
}

/**
 * Make one internal completion; rejects on any failure. The gateway's implementation calls the
 * provider adapter directly and logs the call as its own request-log row.
 */
export type ModelCall = (request: ModelCallRequest) => Promise<ModelCallResult>;

/** What a background model user (the classifier, the judge) is built with. */
export interface BackgroundDeps {
  call: ModelCall;
  random: () => number;
  now: () => number;
  logger?: Logger;
  /** Where instances add up the day's spend (see `SpendCap`). Defaults to none: this process's own budget. */
  spendStore?: KeyValueStore;
}
