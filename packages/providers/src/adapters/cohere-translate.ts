/**
 * OpenAI chat ⇄ Cohere v2 chat: request body, JSON answer, and stream events.
 * @see https://docs.cohere.com/reference/chat
 * @see https://docs.cohere.com/reference/chat-stream
 * @module
 */
import type { SseEvent, Usage } from '@switchyard/core';
import type { ProviderCall } from '../adapter.js';
import { StreamFailure, type StreamProtocol } from './http-adapter.js';
import {
  assistantMessage,
  badRequest,
  chatCompletion,
  chunkEvent,
  contentParts,
  contentText,
  DONE_EVENT,
  num,
  obj,
  openAIUsageBody,
  str,
  wantsStreamUsage,
  type Json,
  type OpenAIToolCall,
} from './openai-shapes.js';

/** Cohere `finish_reason` → OpenAI. `ERROR` and `TIMEOUT` are failures, not finish reasons (see {@link cohereFailure}). */
export const COHERE_FINISH_REASONS: Readonly<Record<string, string>> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

/** An error body for a generation that ended in `ERROR` / `TIMEOUT`, classified server_error / timeout. */
function cohereFailure(reason: string, message: unknown): StreamFailure | undefined {
  if (reason === 'ERROR')
    return new StreamFailure('generation failed', {
      body: JSON.stringify({ error: { type: 'server_error', message: str(message) ?? 'Cohere ended the generation with ERROR' } }),
    });
  if (reason === 'TIMEOUT')
    return new StreamFailure('generation timed out', {
      body: JSON.stringify({ error: { type: 'timeout_error', message: 'Cohere ended the generation with TIMEOUT' } }),
    });
  return undefined;
}

function toolCalls(raw: unknown): Json[] {
  return (Array.isArray(raw) ? raw : []).map((tc) => {
    const fn = obj(obj(tc)?.function);
    if (!str(fn?.name)) throw new Error('tool call without a name');
    return {
      id: str(obj(tc)?.id) ?? '',
      type: 'function',
      function: { name: fn!.name, arguments: typeof fn!.arguments === 'string' ? fn!.arguments : JSON.stringify(fn!.arguments ?? {}) },
    };
  });
}

function messages(provider: string, raw: unknown): Json[] {
  if (!Array.isArray(raw) || raw.length === 0) throw badRequest(provider, 'messages must be a non-empty array');
  return raw.map((item) => {
    const m = obj(item);
    const role = str(m?.role);
    switch (role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: contentText(provider, m!.content) };
      case 'user': {
        const parts = contentParts(provider, m!.content);
        if (parts.every((p) => p.type === 'text')) return { role: 'user', content: parts.map((p) => (p.type === 'text' ? p.text : '')).join('') };
        return {
          role: 'user',
          content: parts.map((p) => {
            if (p.type === 'text') return { type: 'text', text: p.text };
            if (p.type === 'image') return { type: 'image_url', image_url: { url: p.url } };
            throw badRequest(provider, 'Cohere chat does not accept audio input');
          }),
        };
      }
      case 'assistant': {
        const text = contentText(provider, m!.content);
        let calls: Json[];
        try {
          calls = toolCalls(m!.tool_calls);
        } catch {
          throw badRequest(provider, 'tool_calls[].function.name is required');
        }
        if (calls.length === 0) return { role: 'assistant', content: text };
        // Cohere calls the text that comes with tool calls the tool plan.
        const out: Json = { role: 'assistant', tool_calls: calls };
        if (text !== '') out.tool_plan = text;
        return out;
      }
      case 'tool':
        if (!str(m!.tool_call_id)) throw badRequest(provider, 'tool messages need a tool_call_id');
        return { role: 'tool', tool_call_id: m!.tool_call_id, content: contentText(provider, m!.content) };
      default:
        throw badRequest(provider, `unsupported message role ${JSON.stringify(role)}`);
    }
  });
}

/**
 * Build the Cohere v2 chat request from an OpenAI chat body.
 * @throws {ProviderError} bad_request for `n > 1` and input Cohere cannot take.
 * @example cohereRequest('cohere', { messages: [{ role: 'user', content: 'hi' }], top_p: 0.9 }, 'command-a-03-2025', false)
 */
export function cohereRequest(provider: string, body: Json, model: string, stream: boolean): Json {
  if (typeof body.n === 'number' && body.n > 1) throw badRequest(provider, 'Cohere returns one choice: n must be 1');
  const out: Json = { model, messages: messages(provider, body.messages) };
  if (stream) out.stream = true;
  let tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : undefined;
  const choice = body.tool_choice;
  if (choice === 'required') out.tool_choice = 'REQUIRED';
  else if (choice === 'none') out.tool_choice = 'NONE';
  else if (obj(choice)) {
    // Cohere cannot force one named tool: offer only that tool and require a call.
    const name = str(obj(obj(choice)!.function)?.name);
    tools = tools?.filter((t) => obj(obj(t)?.function)?.name === name);
    out.tool_choice = 'REQUIRED';
  }
  if (tools && tools.length > 0) {
    out.tools = tools.map((t) => {
      const fn = obj(obj(t)?.function);
      if (obj(t)?.type !== 'function' || !str(fn?.name)) throw badRequest(provider, 'only tools of type "function" with a name are supported');
      const decl: Json = { name: fn!.name };
      if (typeof fn!.description === 'string') decl.description = fn!.description;
      if (obj(fn!.parameters)) decl.parameters = fn!.parameters;
      return { type: 'function', function: decl };
    });
  }
  const copy = (from: string, to: string): void => {
    if (typeof body[from] === 'number') out[to] = body[from];
  };
  copy('max_tokens', 'max_tokens');
  copy('max_completion_tokens', 'max_tokens');
  copy('temperature', 'temperature');
  copy('top_p', 'p');
  copy('top_k', 'k');
  copy('seed', 'seed');
  copy('frequency_penalty', 'frequency_penalty');
  copy('presence_penalty', 'presence_penalty');
  if (typeof body.stop === 'string') out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) out.stop_sequences = body.stop;
  const format = obj(body.response_format);
  if (format?.type === 'json_object') out.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') out.response_format = { type: 'json_object', json_schema: obj(obj(format.json_schema)?.schema) ?? {} };
  if (typeof body.safety_mode === 'string') out.safety_mode = body.safety_mode;
  return out;
}

/** Billed units (what Cohere charges) when present, else the token counts. */
function counts(raw: unknown): { prompt: number; completion: number } | undefined {
  const u = obj(raw);
  if (!u) return undefined;
  const billed = obj(u.billed_units);
  const tokens = obj(u.tokens);
  const pick = (key: string): number => num(billed?.[key]) ?? num(tokens?.[key]) ?? 0;
  return { prompt: pick('input_tokens'), completion: pick('output_tokens') };
}

/**
 * Cohere usage → {@link Usage}: `billed_units` (falls back to `tokens`).
 * @example cohereUsage({ billed_units: { input_tokens: 5, output_tokens: 2 } }) // inputTokens 5, outputTokens 2
 */
export function cohereUsage(raw: unknown): Usage | undefined {
  const c = counts(raw);
  return c ? { inputTokens: c.prompt, outputTokens: c.completion, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' } : undefined;
}

function usageBody(raw: unknown): Json | undefined {
  const c = counts(raw);
  return c ? openAIUsageBody(c) : undefined;
}

/** A Cohere v2 chat answer as an OpenAI chat.completion body. */
export function cohereToOpenAI(call: ProviderCall, response: Json, created: number): string {
  const reason = str(response.finish_reason) ?? 'COMPLETE';
  const failure = cohereFailure(reason, undefined);
  if (failure) throw failure;
  const message = obj(response.message) ?? {};
  const text = (Array.isArray(message.content) ? message.content : []).map((c) => (obj(c)?.type === 'text' ? (str(obj(c)!.text) ?? '') : '')).join('');
  const calls = toolCalls(message.tool_calls) as unknown as OpenAIToolCall[];
  return chatCompletion({
    id: `chatcmpl-${str(response.id) ?? call.requestId}`,
    model: call.model,
    created,
    choices: [{ index: 0, message: assistantMessage(text, calls), finish_reason: COHERE_FINISH_REASONS[reason] ?? 'stop', logprobs: null }],
    usage: usageBody(response.usage),
  });
}

/**
 * Cohere v2 stream events → OpenAI chunks: message-start → role, content-delta → content,
 * tool-call-start / tool-call-delta → tool_calls, message-end → finish_reason (and usage).
 * tool-plan-delta, citations and content/tool -end events are dropped. Complete at message-end.
 * @example const protocol = cohereStreamProtocol(call);
 */
export function cohereStreamProtocol(call: ProviderCall, now: () => number = Date.now): StreamProtocol {
  const created = Math.floor(now() / 1000);
  let id = `chatcmpl-${call.requestId}`;
  let usage: unknown;
  let finished = false;
  let roleSent = false;
  let nextTool = 0;
  const chunk = (delta: Json, finish: string | null = null): SseEvent => {
    if (!roleSent) {
      roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    return chunkEvent({ id, model: call.model, created, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  };

  function event(ev: SseEvent): SseEvent | undefined {
    if (finished || ev.data === '[DONE]') return undefined;
    let data: Json | undefined;
    try {
      data = obj(JSON.parse(ev.data));
    } catch {
      throw new StreamFailure('upstream sent an event that is not JSON', { kind: 'network' });
    }
    if (!data) return undefined;
    const type = str(data.type) ?? ev.event;
    const message = obj(obj(data.delta)?.message);
    switch (type) {
      case 'message-start':
        if (typeof data.id === 'string') id = `chatcmpl-${data.id}`;
        return chunk({ content: '' });
      case 'content-delta': {
        const text = str(obj(message?.content)?.text);
        return text ? chunk({ content: text }) : undefined;
      }
      case 'tool-call-start': {
        const tc = obj(message?.tool_calls);
        const fn = obj(tc?.function);
        const index = num(data.index) ?? nextTool;
        nextTool = index + 1;
        return chunk({
          tool_calls: [{ index, id: str(tc?.id) ?? '', type: 'function', function: { name: str(fn?.name) ?? '', arguments: str(fn?.arguments) ?? '' } }],
        });
      }
      case 'tool-call-delta': {
        const args = str(obj(obj(message?.tool_calls)?.function)?.arguments);
        return args ? chunk({ tool_calls: [{ index: num(data.index) ?? Math.max(0, nextTool - 1), function: { arguments: args } }] }) : undefined;
      }
      case 'message-end': {
        const delta = obj(data.delta) ?? {};
        const reason = str(delta.finish_reason) ?? 'COMPLETE';
        const failure = cohereFailure(reason, delta.error);
        if (failure) throw failure;
        usage = delta.usage;
        finished = true;
        return chunk({}, COHERE_FINISH_REASONS[reason] ?? 'stop');
      }
      case 'error':
        throw new StreamFailure('upstream stream error', {
          body: JSON.stringify({ error: { type: 'server_error', message: str(data.message) ?? 'Cohere stream error' } }),
        });
      default:
        return undefined;
    }
  }

  return {
    event,
    end() {
      const out: SseEvent[] = [];
      if (!finished) throw new StreamFailure('upstream stream ended before completion (no message-end)', { kind: 'network' });
      if (usage && wantsStreamUsage(call.body)) out.push(chunkEvent({ id, model: call.model, created, choices: [], usage: usageBody(usage) }));
      out.push(DONE_EVENT);
      return out;
    },
    usage: () => cohereUsage(usage),
  };
}
