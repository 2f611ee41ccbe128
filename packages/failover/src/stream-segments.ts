import { prependItem, type Usage } from '@switchyard/core';
import { ProviderError, type ProviderCall, type StreamResult } from '@switchyard/providers';
import { isMalformedEvent } from './event-check.js';

/** Pull a stream's first event (already read by the adapter) and refuse one the client could not parse. */
export async function checkFirstEvent(result: StreamResult, call: ProviderCall, provider: string): Promise<StreamResult> {
  const iterator = result.events[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new ProviderError('Upstream stream ended before its first event', { kind: 'network', provider });
  if (isMalformedEvent(call.format, first.value)) {
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
    throw new ProviderError('Upstream sent a malformed stream event', { kind: 'server_error', provider });
  }
  return {
    kind: 'stream',
    status: result.status,
    headers: result.headers,
    firstByteAt: result.firstByteAt,
    usage: () => result.usage(),
    events: prependItem(first.value, iterator, 'detach'),
  };
}

/** Usage of every segment of a (continued) stream, added up; undefined when none reported any. */
export function sumUsage(list: Array<Usage | undefined>): Usage | undefined {
  const seen = list.filter((u): u is Usage => u !== undefined);
  if (seen.length <= 1) return seen[0];
  return seen.reduce((a, b) => {
    const sum: Usage = {
      inputTokens: a.inputTokens + b.inputTokens,
      outputTokens: a.outputTokens + b.outputTokens,
      cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
      cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
      reasoningTokens: a.reasoningTokens + b.reasoningTokens,
      source: a.source === 'provider' && b.source === 'provider' ? 'provider' : 'estimated',
    };
    // One-hour writes are priced at their own rate: a segment that reported them keeps them.
    if (a.cacheWrite1hTokens !== undefined || b.cacheWrite1hTokens !== undefined) {
      sum.cacheWrite1hTokens = (a.cacheWrite1hTokens ?? 0) + (b.cacheWrite1hTokens ?? 0);
    }
    return sum;
  });
}
