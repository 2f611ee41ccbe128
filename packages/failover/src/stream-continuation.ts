import type { FailureKind, SseEvent, Usage } from '@switchyard/core';
import { isProviderError, type ProviderError } from '@switchyard/providers';
import type { Transcript } from './prefill.js';

export interface ContinuedStreamOptions {
  /** The served stream, already guarded (cuts and stalls throw mid-stream ProviderErrors). */
  first: AsyncIterable<SseEvent>;
  transcript: Transcript;
  kinds: ReadonlySet<FailureKind>;
  maxContinuations: number;
  /**
   * Start a continuation with this prefilled body: a guarded stream, or undefined when no
   * target would continue (none left, all refused the prefill, budget or deadline spent).
   */
  next: (body: Record<string, unknown>, cut: ProviderError, deliveredChars: number) => Promise<AsyncIterable<SseEvent> | undefined>;
  body: Record<string, unknown>;
  /**
   * When nothing continues it: the request again without a prefill, on a target that may not
   * take one ("regenerate and match"), or undefined. Defaults to none.
   */
  regenerate?: (cut: ProviderError, deliveredChars: number) => Promise<AsyncIterable<SseEvent> | undefined>;
  /** Usage of every segment before the one being spliced in (added to its final usage). */
  usageBefore: () => Usage | undefined;
}

/**
 * The client's stream with cuts mended: on a continuable failure after the first byte, the
 * partial answer is sent to the next prefill-capable target and its continuation is spliced
 * in. When nothing continues it, the stream ends with the error that cut it: a continuation
 * target's own refusal (a rejected prefill) is never what the client sees.
 */
export async function* continuedStream(options: ContinuedStreamOptions): AsyncGenerator<SseEvent> {
  const { transcript } = options;
  let source = options.first;
  let splice: ((ev: SseEvent) => SseEvent | undefined) | undefined;
  let used = 0;
  for (;;) {
    try {
      for await (const ev of source) {
        const out = splice ? splice(ev) : ev;
        if (!out) continue;
        transcript.observe(out);
        yield out;
      }
      return;
    } catch (err) {
      if (!isProviderError(err) || !options.kinds.has(err.failureKind) || used >= options.maxContinuations) throw err;
      if (transcript.partial() === undefined) throw err;
      // What the client already has: the continuation attempt records it (the log says where it cut).
      const delivered = transcript.sent().length;
      const next = await options.next(transcript.continuationBody(options.body), err, delivered);
      const again = next ? undefined : await options.regenerate?.(err, delivered);
      if (!next && !again) throw err;
      used++;
      source = next ?? matchSent(again!, transcript, err);
      splice = transcript.splicer(options.usageBefore, next !== undefined);
    }
  }
}

/**
 * A regenerated answer, forwarded only past what the client already has, and only if it
 * begins with exactly that text; otherwise the stream ends with the original break (never a
 * splice of two different texts). Events before that point are dropped.
 */
async function* matchSent(events: AsyncIterable<SseEvent>, transcript: Transcript, cut: ProviderError): AsyncGenerator<SseEvent> {
  const sent = transcript.sent();
  let seen = '';
  let matching = true;
  for await (const ev of events) {
    if (!matching) {
      yield ev;
      continue;
    }
    const text = transcript.textOf(ev);
    if (text === undefined) continue;
    seen += text;
    if (seen.length < sent.length) {
      if (!sent.startsWith(seen)) throw cut;
      continue;
    }
    if (!seen.startsWith(sent)) throw cut;
    matching = false;
    const rest = seen.slice(sent.length);
    if (rest) yield transcript.withText(ev, rest);
  }
  if (matching) throw cut;
}
