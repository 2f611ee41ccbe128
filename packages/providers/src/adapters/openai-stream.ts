/**
 * OpenAI chat completion stream rules: events pass through verbatim; usage chunks are observed;
 * `data: {"error": …}` fails the stream; completion is `[DONE]`, or a finish_reason followed by
 * a clean end (then `[DONE]` is emitted for the client).
 *
 * Events are looked into by a scan of their text ({@link hasKeyValue}); only the few that carry
 * an error, usage or a finish reason are parsed. The content deltas in between pass unparsed.
 * @module
 */
import { eventJson, hasKeyValue, type SseEvent, type Usage } from '@switchyard/core';
import { openAIUsage } from '../usage.js';
import { StreamFailure, type StreamProtocol } from './http-adapter.js';

const DONE: SseEvent = Object.freeze({ data: '[DONE]' });

/** @example const protocol = openAIStreamProtocol(); protocol.event({ data: '[DONE]' }); */
export function openAIStreamProtocol(): StreamProtocol {
  let usage: Usage | undefined;
  let done = false;
  let sawFinish = false;

  function event(ev: SseEvent): SseEvent | undefined {
    if (done) return undefined;
    if (ev.data === '[DONE]') {
      done = true;
      return ev;
    }
    const data = ev.data;
    const error = hasKeyValue(data, '"error"');
    const finishing = !sawFinish && hasKeyValue(data, '"finish_reason"');
    if (!error && !finishing && !hasKeyValue(data, '"usage"')) return ev;
    // Parsed once; later pieces reuse it (eventJson caches on the event).
    const chunk = eventJson(ev) as Record<string, unknown> | undefined;
    if (!chunk || typeof chunk !== 'object') return ev; // not ours to judge: forwarded verbatim
    if (chunk.error !== undefined && chunk.error !== null) {
      throw new StreamFailure('upstream stream error', { body: JSON.stringify({ error: chunk.error }) });
    }
    if (chunk.usage && typeof chunk.usage === 'object') usage = openAIUsage(chunk.usage);
    if (finishing && Array.isArray(chunk.choices)) {
      for (const choice of chunk.choices as { finish_reason?: unknown }[]) if (choice?.finish_reason) sawFinish = true;
    }
    return ev;
  }

  return {
    event,
    end() {
      if (done) return [];
      if (sawFinish) {
        done = true;
        return [DONE];
      }
      throw new StreamFailure('upstream stream ended before completion', { kind: 'network' });
    },
    usage: () => usage,
  };
}
