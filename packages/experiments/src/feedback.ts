/**
 * Quality signals: a client rates one of its own requests (by the `x-request-id` it got back);
 * scores are kept with the provider, model and category that served the request and summed up
 * per provider/model/category.
 * @module
 */
import { GatewayError } from '@switchyard/core';
import { meanInterval, type Interval } from './stats.js';

/** One rating of one request. Rating a request again replaces the earlier rating. */
export interface Feedback {
  requestId: string;
  /** Who made (and so may rate) the request: the key id, or the app's user id. Null when anonymous. */
  principalId: string | null;
  provider: string | null;
  model: string | null;
  /** The prompt category of the request, when one was assigned. */
  category: string | null;
  /** In [0, 1]; thumbs up is 1 and thumbs down 0. */
  score: number;
  label: string | null;
  comment: string | null;
  /** When the rating was given, ms since the epoch. */
  time: number;
  /** Who gave it: the client (`user`, through `POST /v1/feedback`) or the judge model (`judge`). A request holds one rating per source. Defaults to `user`. */
  source?: RatingSource;
}

/** Who gave a rating. */
export type RatingSource = 'user' | 'judge';

/** Count, sum and sum of squares of the ratings of one provider/model/category from one source. */
export interface RatingSums {
  provider: string | null;
  model: string | null;
  category: string | null;
  source: RatingSource;
  count: number;
  sum: number;
  sumSquares: number;
}

/** Mean quality of one provider/model/category, with its 95% confidence interval. */
export interface QualityGroup {
  provider: string | null;
  model: string | null;
  category: string | null;
  /** `user` (client ratings) or `judge` (the judge model's grades). */
  source: RatingSource;
  count: number;
  mean: number;
  /** Student-t 95% interval of the mean; absent below two ratings. */
  ci95?: Interval;
}

/** Where ratings are kept: in memory, SQLite or PostgreSQL. */
export interface FeedbackStore {
  /** Insert or replace the rating of `feedback.requestId` from `feedback.source`. */
  put(feedback: Feedback): Promise<void>;
  /** The rating of a request from one source. `source` defaults to `user`. */
  get(requestId: string, source?: RatingSource): Promise<Feedback | undefined>;
  /** Count, sum and sum of squares per provider/model/category/source, over ratings given in [from, to). */
  sums(from: number, to: number): Promise<RatingSums[]>;
}

/** Aggregate sums into means with intervals, most-rated first. */
export function qualityGroups(rows: Awaited<ReturnType<FeedbackStore['sums']>>): QualityGroup[] {
  return rows
    .map((r) => {
      const mean = r.count > 0 ? r.sum / r.count : 0;
      const variance = r.count > 1 ? Math.max(0, (r.sumSquares - r.count * mean * mean) / (r.count - 1)) : 0;
      const ci95 = meanInterval({ count: r.count, mean, variance });
      return { provider: r.provider, model: r.model, category: r.category, source: r.source, count: r.count, mean, ...(ci95 ? { ci95 } : {}) };
    })
    .sort((a, b) => b.count - a.count);
}

/** Ratings in memory (one process; lost on restart). */
export class MemoryFeedbackStore implements FeedbackStore {
  readonly #ratings = new Map<string, Feedback>();

  async put(feedback: Feedback): Promise<void> {
    const source = feedback.source ?? 'user';
    this.#ratings.set(`${source}\n${feedback.requestId}`, { ...feedback, source });
  }

  async get(requestId: string, source: RatingSource = 'user'): Promise<Feedback | undefined> {
    const found = this.#ratings.get(`${source}\n${requestId}`);
    return found && { ...found };
  }

  async sums(from: number, to: number): Promise<RatingSums[]> {
    const groups = new Map<string, RatingSums>();
    for (const f of this.#ratings.values()) {
      if (f.time < from || f.time >= to) continue;
      const source = f.source ?? 'user';
      const key = JSON.stringify([f.provider, f.model, f.category, source]);
      const g = groups.get(key) ?? { provider: f.provider, model: f.model, category: f.category, source, count: 0, sum: 0, sumSquares: 0 };
      g.count += 1;
      g.sum += f.score;
      g.sumSquares += f.score * f.score;
      groups.set(key, g);
    }
    return [...groups.values()];
  }
}

/** What the feedback route accepts, checked and bounded. */
export interface FeedbackInput {
  requestId: string;
  score: number;
  label: string | null;
  comment: string | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const LABEL_MAX = 64;
const COMMENT_MAX = 2000;

function invalid(message: string, param: string): GatewayError {
  return new GatewayError(message, { status: 400, code: 'invalid_feedback', param });
}

/**
 * Check a feedback body: `request_id` (or the `x-request-id` header), and `score` in [0, 1] or
 * `thumbs: "up" | "down"`; optional `label` (≤ 64 chars) and `comment` (≤ 2000 chars).
 * @example parseFeedback({ request_id: id, thumbs: 'up' }, undefined)
 */
export function parseFeedback(body: Record<string, unknown>, headerId: string | undefined): FeedbackInput {
  const requestId = body.request_id ?? headerId;
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId))
    throw invalid('request_id: the x-request-id of the request to rate is required', 'request_id');
  let score: number;
  if (body.score !== undefined) {
    if (typeof body.score !== 'number' || !(body.score >= 0 && body.score <= 1)) throw invalid('score: must be a number from 0 to 1', 'score');
    if (body.thumbs !== undefined) throw invalid('send either score or thumbs, not both', 'thumbs');
    score = body.score;
  } else if (body.thumbs === 'up' || body.thumbs === 'down') {
    score = body.thumbs === 'up' ? 1 : 0;
  } else {
    throw invalid('score (0 to 1) or thumbs ("up" or "down") is required', body.thumbs === undefined ? 'score' : 'thumbs');
  }
  const text = (name: 'label' | 'comment', max: number): string | null => {
    const value = body[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.length > max) throw invalid(`${name}: must be a string of at most ${max} characters`, name);
    return value;
  };
  return { requestId, score, label: text('label', LABEL_MAX), comment: text('comment', COMMENT_MAX) };
}

/** What the request log says about a request, as feedback needs it. */
export interface RatedRequest {
  /** The key id or app user id that made it; null for an anonymous request. */
  principalId: string | null;
  provider: string | null;
  model: string | null;
  category?: string | null;
}

/**
 * Accept a rating from `principalId` for the request `input.requestId`: 404 when the request is
 * unknown or was made by someone else (one answer for both, so ids cannot be probed).
 */
export async function rateRequest(
  input: FeedbackInput,
  principalId: string | null,
  deps: { lookup(requestId: string): Promise<RatedRequest | undefined>; store: FeedbackStore; now: () => number },
): Promise<Feedback> {
  const request = await deps.lookup(input.requestId);
  if (!request || request.principalId !== principalId) {
    throw new GatewayError(`No request ${input.requestId} made with these credentials`, { status: 404, code: 'request_not_found', param: 'request_id' });
  }
  const feedback: Feedback = {
    requestId: input.requestId,
    principalId,
    provider: request.provider,
    model: request.model,
    category: request.category ?? null,
    score: input.score,
    label: input.label,
    comment: input.comment,
    time: deps.now(),
    source: 'user',
  };
  await deps.store.put(feedback);
  return feedback;
}
