/**
 * A classifier model for the categoriser: a cheap model reads the prompt and answers one of the
 * configured categories. Answers are cached by a hash of the prompt (bounded LRU with a time to
 * live); a timeout, an error, an answer that is not a category, or a spent budget falls back to
 * the rule categoriser.
 * @module
 */
import { createHash } from 'node:crypto';
import { promptText } from './categories.js';
import type { BackgroundDeps } from './model-call.js';
import { SpendCap } from './spend-cap.js';

/** Settings of {@link classifier}. */
export interface ClassifierOptions {
  provider: string;
  model: string;
  /** The labels the model may answer; anything else falls back to the rules. */
  categories: readonly string[];
  /** Instruction sent as the system prompt, before the list of categories. Defaults to {@link DEFAULT_CLASSIFIER_PROMPT}. */
  prompt?: string;
  /** Longest wait for the model, ms; then the rules decide. Defaults to 1500. */
  timeoutMs?: number;
  /** Prompts whose answer is remembered. Defaults to 10000. */
  cacheSize?: number;
  /** How long an answer is remembered, ms. Defaults to 3600000 (1 hour). */
  cacheTtlMs?: number;
  /** Share of requests (0..1) the model may classify (cache misses beyond it use the rules). Defaults to 1. */
  maxShare?: number;
  /** USD per UTC day on classification; once spent, the rules decide until the next day. Defaults to no limit. */
  dailyBudgetUsd?: number;
  /** Prompt characters sent to the model (the head of the user messages). Defaults to 4000. */
  maxPromptChars?: number;
}

/** The system prompt the classifier model gets unless configured otherwise. */
export const DEFAULT_CLASSIFIER_PROMPT = 'You label requests to an AI assistant. Answer with exactly one category name from the list, nothing else.';

/** What decided a category. */
export type CategorySource = 'classifier' | 'cache' | 'rules';

/** The classifier: a category for a body, with what decided it. */
export interface Classifier {
  classify(body: Record<string, unknown>): Promise<{ category: string; source: CategorySource }>;
  /** Today's classifier calls and spend, and the cache's size. */
  stats(): { calls: number; spentUsd: number; cached: number };
}

/**
 * Build a classifier over `call` (the gateway's providers) with `rules` as its fallback.
 * @example const c = classifier({ provider: 'openai', model: 'gpt-4o-mini', categories: ['code', 'chat'] }, { call, rules: categoriser([]) });
 */
export function classifier(options: ClassifierOptions, deps: BackgroundDeps & { rules: (body: Record<string, unknown>) => string }): Classifier {
  if (options.categories.length === 0) throw new TypeError('classifier: categories must name at least one category');
  const timeoutMs = options.timeoutMs ?? 1500;
  const cacheSize = options.cacheSize ?? 10_000;
  const ttlMs = options.cacheTtlMs ?? 3_600_000;
  const maxChars = options.maxPromptChars ?? 4000;
  if (!(timeoutMs > 0) || !(cacheSize >= 0) || !(ttlMs > 0) || !(maxChars > 0))
    throw new TypeError('classifier: timeoutMs, cacheTtlMs and maxPromptChars must be > 0, cacheSize >= 0');
  const labels = new Map(options.categories.map((c) => [c.toLowerCase(), c]));
  const system = `${options.prompt ?? DEFAULT_CLASSIFIER_PROMPT}\nCategories: ${options.categories.join(', ')}`;
  const cap = new SpendCap({
    ...(options.maxShare !== undefined ? { maxShare: options.maxShare } : {}),
    ...(options.dailyBudgetUsd !== undefined ? { dailyBudgetUsd: options.dailyBudgetUsd } : {}),
    random: deps.random,
    now: deps.now,
    ...(deps.spendStore ? { shared: { store: deps.spendStore, key: 'classifier' } } : {}),
  });
  // Insertion order is recency order: a hit is moved to the end, the oldest entry is evicted first.
  const cache = new Map<string, { category: string; expires: number }>();
  const pending = new Map<string, Promise<string | undefined>>();

  const ask = async (prompt: string): Promise<string | undefined> => {
    const done = cap.begin();
    try {
      const answer = await deps.call({
        purpose: 'classifier',
        provider: options.provider,
        model: options.model,
        system,
        prompt,
        maxTokens: 8,
        signal: AbortSignal.timeout(timeoutMs),
      });
      done(answer.costUsd);
      return labelOf(answer.text, labels);
    } finally {
      done(null); // a failed call (a second call of done is a no-op)
    }
  };

  return {
    async classify(body) {
      const { user, system: sys } = promptText(body, maxChars);
      const prompt = sys ? `System prompt:\n${sys.slice(0, 1000)}\n\nRequest:\n${user}` : user;
      const key = createHash('sha256').update(prompt).digest('base64url');
      const hit = cache.get(key);
      if (hit && hit.expires > deps.now()) {
        cache.delete(key);
        cache.set(key, hit);
        return { category: hit.category, source: 'cache' };
      }
      let inFlight = pending.get(key);
      if (!inFlight) {
        if (!cap.sampled()) return { category: deps.rules(body), source: 'rules' };
        // The day's spend of every instance is read first: a spent budget leaves it to the rules.
        inFlight = cap
          .refresh()
          .then(() => (cap.affordable() ? ask(prompt) : undefined))
          .catch((err: unknown) => {
            deps.logger?.warn(
              { err: String((err as Error)?.message ?? err).slice(0, 200), provider: options.provider, model: options.model },
              'category classifier failed; rules decide',
            );
            return undefined;
          })
          .finally(() => pending.delete(key));
        pending.set(key, inFlight);
      }
      const label = await inFlight;
      if (label === undefined) return { category: deps.rules(body), source: 'rules' };
      if (cacheSize > 0) {
        cache.delete(key);
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
        cache.set(key, { category: label, expires: deps.now() + ttlMs });
      }
      return { category: label, source: 'classifier' };
    },
    stats: () => ({ ...cap.today(), cached: cache.size }),
  };
}

/** The category a model's answer names: the whole answer, or its first word, without quotes or punctuation. */
function labelOf(text: string, labels: ReadonlyMap<string, string>): string | undefined {
  const clean = text
    .trim()
    .toLowerCase()
    .replace(/^["'`*\s]+|["'`*.\s]+$/g, '');
  return labels.get(clean) ?? labels.get(clean.split(/[\s,.:;!]+/)[0] ?? '');
}
