/**
 * Anthropic Messages stream rules: events pass through verbatim; `message_start` carries the
 * initial usage and `message_delta` the cumulative one (latest wins, never summed); completion
 * is `message_stop`; `event: error` fails the stream with its classified `error.type`.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @module
 */
import { eventJson, type SseEvent, type Usage } from '@switchyard/core';
import { anthropicUsage } from '../usage.js';
import { StreamFailure, type StreamProtocol } from './http-adapter.js';

/** @example const protocol = anthropicStreamProtocol(); */
export function anthropicStreamProtocol(): StreamProtocol {
  let usage: Usage | undefined;
  let done = false;

  function event(ev: SseEvent): SseEvent | undefined {
    if (done) return undefined;
    let type = ev.event;
    // Deltas are most of a stream and carry nothing we need: only parse the few that matter.
    if (type === 'content_block_delta' || type === 'ping' || type === 'content_block_start' || type === 'content_block_stop') return ev;
    const parsed = eventJson(ev) as Record<string, unknown> | undefined;
    if (type === undefined && typeof parsed?.type === 'string') type = parsed.type;
    switch (type) {
      case 'message_start':
        usage = anthropicUsage((parsed?.message as { usage?: unknown } | undefined)?.usage, usage);
        break;
      case 'message_delta':
        usage = anthropicUsage(parsed?.usage, usage);
        break;
      case 'message_stop':
        done = true;
        break;
      case 'error':
        throw new StreamFailure('upstream stream error', { body: ev.data });
      default:
        break;
    }
    return ev;
  }

  return {
    event,
    end() {
      if (done) return [];
      throw new StreamFailure('upstream stream ended before completion (no message_stop)', { kind: 'network' });
    },
    usage: () => usage,
  };
}
