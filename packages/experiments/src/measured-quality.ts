/**
 * Measured quality per category/provider/model: the mean of every rating (clients' and the
 * judge's) of the last 30 days, re-read from the store at most once a minute, off the request path.
 * @module
 */
import type { Logger } from '@switchyard/core';
import type { FeedbackStore } from './feedback.js';

const WINDOW_MS = 30 * 86_400_000;
const REFRESH_MS = 60_000;

/** Once a rating was given here, the next read refreshes this soon at the earliest. */
const STALE_REFRESH_MS = 2_000;

/** Measured quality of a target for a category; `stale()` says a rating was just given. */
export interface MeasuredQuality {
  (category: string, provider: string, model: string): number | undefined;
  /** A rating was stored: refresh at the next read (at most every two seconds), not a minute later. */
  stale(): void;
}

/**
 * A reader of measured quality; the first read after a minute (or soon after a rating here)
 * starts a refresh and answers from what it had (undefined until the first refresh finished).
 * @example const quality = measuredQuality(store, { now: Date.now }); quality('code', 'openai', 'gpt-4o')
 */
export function measuredQuality(store: FeedbackStore, deps: { now: () => number; logger?: Logger }): MeasuredQuality {
  let means = new Map<string, number>();
  let readAt = -Infinity;
  let stale = false;
  const quality = function quality(category: string, provider: string, model: string) {
    const now = deps.now();
    if (now - readAt > (stale ? STALE_REFRESH_MS : REFRESH_MS)) {
      stale = false;
      readAt = now;
      store
        .sums(now - WINDOW_MS, now + 1)
        .then((rows) => {
          const sums = new Map<string, { count: number; sum: number }>();
          for (const r of rows) {
            const key = `${r.category}|${r.provider}|${r.model}`;
            const s = sums.get(key) ?? { count: 0, sum: 0 };
            s.count += r.count;
            s.sum += r.sum;
            sums.set(key, s);
          }
          means = new Map([...sums].filter(([, s]) => s.count > 0).map(([k, s]) => [k, s.sum / s.count]));
        })
        .catch((err: unknown) => deps.logger?.warn({ err: String((err as Error)?.message ?? err) }, 'category quality not read'));
    }
    return means.get(`${category}|${provider}|${model}`);
  } as MeasuredQuality;
  quality.stale = () => void (stale = true);
  return quality;
}
