/**
 * OpenAI chat completion stream rules: events pass through verbatim; usage chunks are observed;
 * `data: {"error": …}` fails the stream; completion is `[DONE]`, or a finish_reason followed by
 * a clean end (then `[DONE]` is emitted for the client).
 * @module
 */
import { eventJson, type SseEvent, type Usage } from '@switchyard/core';
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
    // Parsed once per event; the executor and accounting reuse it (eventJson caches).
    const chunk = eventJson(ev) as Record<string, unknown> | undefined;
    if (!chunk || typeof chunk !== 'object') return ev; // not ours to judge: forwarded verbatim
    if (chunk.error !== undefined && chunk.error !== null) {
      throw new StreamFailure('upstream stream error', { body: JSON.stringify({ error: chunk.error }) });
    }
    if (chunk.usage && typeof chunk.usage === 'object') usage = openAIUsage(chunk.usage);
    if (!sawFinish && Array.isArray(chunk.choices)) {
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
