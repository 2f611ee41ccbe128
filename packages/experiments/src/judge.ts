/**
 * Judge-model grading: a configured model grades a sampled share of served answers against a
 * rubric, after the response has been sent (never on the request path). The grade is stored as
 * a rating with source `judge`, so quality per provider/model/category, `quality_min` and A/B
 * quality see it. Calls are capped by a share of traffic and a daily budget; a judge failure is
 * logged and changes nothing else (the call bypasses the pipeline: no breaker, no health).
 * @module
 */
import type { Exchange, SseEvent } from '@switchyard/core';
import { promptText } from './categories.js';
import type { Feedback, FeedbackStore } from './feedback.js';
import type { BackgroundDeps } from './model-call.js';
import { SpendCap } from './spend-cap.js';

/** Settings of {@link judge}. */
export interface JudgeOptions {
  provider: string;
  model: string;
  /** What a good answer is; the judge answers a score from 0 to 1. Defaults to {@link DEFAULT_JUDGE_RUBRIC}. */
  rubric?: string;
  /** Share of served requests (0..1) graded. Defaults to 0.05. */
  sampleRate?: number;
  /** USD per UTC day on grading; once spent, nothing more is graded that day. Defaults to no limit. */
  dailyBudgetUsd?: number;
  /** Gradings under way at once; a sampled request beyond it is not graded. Defaults to 4. */
  maxConcurrent?: number;
  /** Longest wait for the judge, ms. Defaults to 30000. */
  timeoutMs?: number;
  /** Characters of the prompt and of the answer shown to the judge (each). Defaults to 8000. */
  maxChars?: number;
}

/** The rubric the judge gets unless configured otherwise. */
export const DEFAULT_JUDGE_RUBRIC =
  'Grade how well the answer serves the request: correct, complete, clear and safe. 1 is an excellent answer, 0 a useless or wrong one.';

/** What the judge needs to know about a served request. */
export interface JudgedRequest {
  requestId: string;
  provider: string;
  model: string;
  category: string | null;
  prompt: string;
  answer: string;
}

/** The judge. */
export interface Judge {
  /**
   * Sample the exchange (call before the executor): when taken, its answer is captured and graded
   * once it has been sent. Returns, for a sampled request, what to call after the executor (it
   * taps a streamed answer).
   */
  consider(exchange: Exchange, category: () => string | null, onScore?: (score: number) => void): (() => void) | undefined;
  /** Grade one served request now (what `consider` schedules); resolves to the stored rating, or undefined when the judge failed. */
  grade(request: JudgedRequest): Promise<Feedback | undefined>;
  /** Today's gradings and spend. */
  stats(): { calls: number; spentUsd: number; inFlight: number };
  /** Resolves when every grading under way has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/**
 * Build the judge.
 * @example const j = judge({ provider: 'openai', model: 'gpt-4o', sampleRate: 0.02, dailyBudgetUsd: 5 }, { call, store, random, now });
 */
export function judge(options: JudgeOptions, deps: BackgroundDeps & { store: FeedbackStore }): Judge {
  const maxConcurrent = options.maxConcurrent ?? 4;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxChars = options.maxChars ?? 8000;
  if (!(Number.isInteger(maxConcurrent) && maxConcurrent > 0) || !(timeoutMs > 0) || !(maxChars > 0))
    throw new TypeError('judge: maxConcurrent, timeoutMs and maxChars must be > 0');
  const cap = new SpendCap({
    maxShare: options.sampleRate ?? 0.05,
    ...(options.dailyBudgetUsd !== undefined ? { dailyBudgetUsd: options.dailyBudgetUsd } : {}),
    random: deps.random,
    now: deps.now,
    ...(deps.spendStore ? { shared: { store: deps.spendStore, key: 'judge' } } : {}),
  });
  const system = `You are a strict grader. ${options.rubric ?? DEFAULT_JUDGE_RUBRIC}\nReply with JSON only: {"score": <number from 0 to 1>, "reason": "<one sentence>"}`;
  const running = new Set<Promise<unknown>>();

  const grade = async (r: JudgedRequest): Promise<Feedback | undefined> => {
    // Sampled when the request came in; the budget is checked again now against the spend of every
    // instance (gradings before it, here or elsewhere, may have spent it).
    await cap.refresh();
    if (!cap.affordable()) return undefined;
    const done = cap.begin();
    try {
      const prompt = `Request:\n${r.prompt.slice(0, maxChars)}\n\nAnswer:\n${r.answer.slice(0, maxChars)}`;
      const answer = await deps.call({
        purpose: 'judge',
        provider: options.provider,
        model: options.model,
        system,
        prompt,
        maxTokens: 200,
        signal: AbortSignal.timeout(timeoutMs),
      });
      done(answer.costUsd);
      const verdict = parseVerdict(answer.text);
      if (!verdict) throw new Error('the judge did not answer a score from 0 to 1');
      const feedback: Feedback = {
        requestId: r.requestId,
        principalId: null,
        provider: r.provider,
        model: r.model,
        category: r.category,
        score: verdict.score,
        label: 'judge',
        comment: verdict.reason,
        time: deps.now(),
        source: 'judge',
      };
      await deps.store.put(feedback);
      return feedback;
    } catch (err) {
      done(null);
      deps.logger?.warn(
        { err: String((err as Error)?.message ?? err).slice(0, 200), requestId: r.requestId, judge: `${options.provider}/${options.model}` },
        'judge grading failed',
      );
      return undefined;
    }
  };

  return {
    consider(exchange, category, onScore) {
      if (running.size >= maxConcurrent || !cap.admit()) return undefined;
      const answer = captureAnswer(exchange);
      exchange.onSettled((ex, settlement) => {
        const served = [...ex.attempts].reverse().find((a) => a.outcome === 'success');
        if (settlement.outcome !== 'completed' || settlement.status >= 400 || !served || running.size >= maxConcurrent) return;
        const { user } = promptText(ex.body, maxChars);
        const text = answer.text();
        if (text === '') return;
        const request = { requestId: ex.id, provider: served.target.provider, model: served.target.model, category: category(), prompt: user, answer: text };
        // After the response: the next turn of the event loop, never awaited by the request.
        const task = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => grade(request))
          .then((f) => f && onScore?.(f.score))
          .finally(() => running.delete(task));
        running.add(task);
      });
      return answer.tap;
    },
    grade,
    stats: () => ({ ...cap.today(), inFlight: running.size }),
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/** `{"score": 0.8, "reason": "…"}` (possibly fenced), or a bare number, in [0, 1]. */
function parseVerdict(text: string): { score: number; reason: string | null } | undefined {
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  if (json) {
    try {
      const v = JSON.parse(json) as { score?: unknown; reason?: unknown };
      if (typeof v.score === 'number' && v.score >= 0 && v.score <= 1)
        return { score: v.score, reason: typeof v.reason === 'string' ? v.reason.slice(0, 500) : null };
    } catch {
      // not JSON: try a bare number below
    }
  }
  const bare = /^\s*(0(?:\.\d+)?|1(?:\.0+)?)\s*$/.exec(text);
  return bare ? { score: Number(bare[1]), reason: null } : undefined;
}

/**
 * Collect the answer's text as the client receives it, bounded: a JSON body is read at the end;
 * a stream is tapped (`tap()` after the executor wrote `exchange.response`) for its text deltas.
 */
function captureAnswer(exchange: Exchange, max = 32_000): { tap(): void; text(): string } {
  let streamed = '';
  return {
    tap() {
      const response = exchange.response;
      if (response?.kind !== 'stream') return;
      const events = response.events;
      exchange.response = {
        ...response,
        events: (async function* tapped() {
          for await (const event of events) {
            if (streamed.length < max) streamed += deltaText(event);
            yield event;
          }
        })(),
      };
    },
    text() {
      const response = exchange.response;
      if (!response) return '';
      return (response.kind === 'json' ? jsonText(response.body) : streamed).slice(0, max);
    },
  };
}

/** Text of a JSON answer: OpenAI `choices[0].message.content` or Anthropic `content[].text`. */
export function jsonText(body: string): string {
  try {
    const v = JSON.parse(body) as { choices?: { message?: { content?: unknown } }[]; content?: { type?: string; text?: unknown }[] };
    const openai = v.choices?.[0]?.message?.content;
    if (typeof openai === 'string') return openai;
    if (Array.isArray(v.content)) return v.content.map((b) => (typeof b?.text === 'string' ? b.text : '')).join('');
  } catch {
    // not JSON
  }
  return '';
}

/** Text delta of one stream event: OpenAI `choices[0].delta.content` or Anthropic `content_block_delta` text. */
export function deltaText(event: SseEvent | string): string {
  const data = typeof event === 'string' ? event.replace(/^data: ?/m, '') : event.data;
  if (!data.includes('content') && !data.includes('text')) return '';
  try {
    const v = JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[]; type?: string; delta?: { text?: unknown } };
    const openai = v.choices?.[0]?.delta?.content;
    if (typeof openai === 'string') return openai;
    if (v.type === 'content_block_delta' && typeof v.delta?.text === 'string') return v.delta.text;
  } catch {
    // keep-alive or non-JSON data
  }
  return '';
}
