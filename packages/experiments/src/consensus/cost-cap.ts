import { estimateInputTokens, requestedOutputTokens, type ClientFormat, type Target } from '@switchyard/core';

/** A target's estimated cost of a request, USD; undefined when it has no price. */
export type CostEstimator = (target: Target, tokens: { inputTokens: number; outputTokens: number }) => number | undefined;

/** The targets that fit a cost cap, and what they are estimated to cost. */
export interface CappedTargets<T extends Target> {
  targets: T[];
  /** Estimated total of the kept targets, USD (unpriced targets count 0 when there is no cap). */
  estimatedUsd: number;
  /** Targets left out: over the cap, or unpriced while a cap is set. */
  dropped: { target: T; estimatedUsd: number | undefined }[];
}

/**
 * Keep the targets (in order) whose estimated costs add up to at most `capUsd`: the request's
 * input tokens by core's estimator, its output tokens by its own cap (`max_tokens`, …) or
 * `defaultOutputTokens`, at each target's catalog price. A target that would push the sum over
 * the cap is left out and the next ones are still tried; with a cap, a target without a price is
 * left out too (its cost cannot be bounded).
 * @example capTargets(targets, { format: 'openai.chat', body }, estimate, 0.01, 1024)
 */
export function capTargets<T extends Target>(
  targets: readonly T[],
  request: { format: ClientFormat; body: Record<string, unknown> },
  estimate: CostEstimator,
  capUsd: number | undefined,
  defaultOutputTokens: number,
): CappedTargets<T> {
  const tokens = { inputTokens: estimateInputTokens(request), outputTokens: requestedOutputTokens(request.format, request.body) ?? defaultOutputTokens };
  const out: CappedTargets<T> = { targets: [], estimatedUsd: 0, dropped: [] };
  for (const target of targets) {
    const usd = estimate(target, tokens);
    if (capUsd !== undefined && (usd === undefined || out.estimatedUsd + usd > capUsd)) {
      out.dropped.push({ target, estimatedUsd: usd });
      continue;
    }
    out.targets.push(target);
    out.estimatedUsd += usd ?? 0;
  }
  return out;
}
