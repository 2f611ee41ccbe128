/**
 * Gemini `GenerateContentResponse` → OpenAI chat.completion (JSON) and chat.completion.chunk
 * events (SSE), with the one finish-reason table and usageMetadata normalisation.
 * @see https://ai.google.dev/api/generate-content#generatecontentresponse
 * @module
 */
import type { SseEvent, Usage } from '@switchyard/core';
import type { ProviderCall } from '../adapter.js';
import { StreamFailure, type StreamProtocol } from './http-adapter.js';
import {
  assistantMessage,
  chatCompletion,
  chunkEvent,
  DONE_EVENT,
  num,
  obj,
  openAIUsageBody,
  stableToolCallId,
  str,
  wantsStreamUsage,
  type Json,
  type OpenAIChoice,
  type OpenAIToolCall,
} from './openai-shapes.js';

/**
 * Gemini `finishReason` → OpenAI `finish_reason`. `STOP` becomes `tool_calls` when the candidate
 * called a function. Anything not listed (and `FINISH_REASON_UNSPECIFIED`, `OTHER`) → `stop`.
 */
export const GEMINI_FINISH_REASONS: Readonly<Record<string, string>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
  LANGUAGE: 'stop',
  MALFORMED_FUNCTION_CALL: 'stop',
  UNEXPECTED_TOOL_CALL: 'stop',
  TOO_MANY_TOOL_CALLS: 'stop',
  OTHER: 'stop',
  FINISH_REASON_UNSPECIFIED: 'stop',
};

/** Map one Gemini finish reason. */
export function geminiFinishReason(reason: string, calledTools: boolean): string {
  const mapped = GEMINI_FINISH_REASONS[reason] ?? 'stop';
  return mapped === 'stop' && calledTools && reason === 'STOP' ? 'tool_calls' : mapped;
}

interface Counts {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
}

function counts(raw: unknown): Counts | undefined {
  const u = obj(raw);
  if (!u) return undefined;
  const thoughts = num(u.thoughtsTokenCount) ?? 0;
  return {
    prompt: (num(u.promptTokenCount) ?? 0) + (num(u.toolUsePromptTokenCount) ?? 0),
    completion: (num(u.candidatesTokenCount) ?? 0) + thoughts,
    cached: num(u.cachedContentTokenCount) ?? 0,
    reasoning: thoughts,
  };
}

/**
 * Gemini `usageMetadata` → {@link Usage}: prompt (+ tool-use prompt) minus cached → input,
 * candidates + thoughts → output, thoughts → reasoning.
 * @example geminiUsage({ promptTokenCount: 10, cachedContentTokenCount: 4, candidatesTokenCount: 3 }) // inputTokens 6
 */
export function geminiUsage(raw: unknown): Usage | undefined {
  const c = counts(raw);
  if (!c) return undefined;
  return {
    inputTokens: Math.max(0, c.prompt - c.cached),
    outputTokens: c.completion,
    cacheReadTokens: c.cached,
    cacheWriteTokens: 0,
    reasoningTokens: c.reasoning,
    source: 'provider',
  };
}

function usageBody(raw: unknown): Json | undefined {
  const c = counts(raw);
  return c ? openAIUsageBody(c) : undefined;
}

/** Text (thought parts excluded) and function calls of one candidate's parts. */
function readParts(
  parts: unknown,
  idFor: (callIndex: number, name: string, args: unknown, id?: string) => string,
  firstCall: number,
): { text: string; calls: OpenAIToolCall[] } {
  let text = '';
  const calls: OpenAIToolCall[] = [];
  for (const raw of Array.isArray(parts) ? parts : []) {
    const part = obj(raw);
    if (!part) continue;
    if (typeof part.text === 'string' && part.thought !== true) text += part.text;
    const call = obj(part.functionCall);
    if (call && typeof call.name === 'string') {
      const args = call.args ?? {};
      calls.push({
        id: idFor(firstCall + calls.length, call.name, args, str(call.id)),
        type: 'function',
        function: { name: call.name, arguments: JSON.stringify(args) },
      });
    }
  }
  return { text, calls };
}

/** The prompt was blocked: a content_policy failure in the OpenAI error shape. */
function blockedBody(response: Json): string | undefined {
  const feedback = obj(response.promptFeedback);
  const reason = str(feedback?.blockReason);
  if (!reason || (Array.isArray(response.candidates) && response.candidates.length > 0)) return undefined;
  return JSON.stringify({ error: { code: 'content_filter', message: `Gemini blocked the prompt (${reason})` } });
}

function responseId(response: Json, call: ProviderCall): string {
  return str(response.responseId) ?? call.requestId;
}

function toolIds(response: Json, call: ProviderCall, candidate: number) {
  const seed = responseId(response, call);
  return (callIndex: number, name: string, args: unknown, id?: string): string => id ?? stableToolCallId(seed, candidate, callIndex, name, args);
}

/**
 * A Gemini JSON answer as an OpenAI chat.completion body.
 * @throws {StreamFailure} (turned into a content_policy ProviderError) when the prompt was blocked.
 */
export function geminiToOpenAI(call: ProviderCall, response: Json, created: number): string {
  const blocked = blockedBody(response);
  if (blocked) throw new StreamFailure('prompt blocked', { body: blocked });
  const candidates = Array.isArray(response.candidates) ? response.candidates : [];
  const choices: OpenAIChoice[] = candidates.map((raw, position) => {
    const c = obj(raw) ?? {};
    const index = num(c.index) ?? position;
    const { text, calls } = readParts(obj(c.content)?.parts, toolIds(response, call, index), 0);
    return {
      index,
      message: assistantMessage(text, calls),
      finish_reason: geminiFinishReason(str(c.finishReason) ?? 'STOP', calls.length > 0),
      logprobs: null,
    };
  });
  return chatCompletion({
    id: `chatcmpl-${responseId(response, call)}`,
    model: str(response.modelVersion) ?? call.model,
    created,
    choices,
    usage: usageBody(response.usageMetadata),
  });
}

/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chunks. Every upstream event is one
 * GenerateContentResponse; there is no terminal event, so the stream is complete when a
 * candidate had a finishReason and the body ended cleanly (then `[DONE]` is emitted).
 * @example const protocol = geminiStreamProtocol(call, () => Date.now());
 */
export function geminiStreamProtocol(call: ProviderCall, now: () => number = Date.now): StreamProtocol {
  let usage: Json | undefined;
  let finished = false;
  let done = false;
  let id: string | undefined;
  let model = call.model;
  const created = Math.floor(now() / 1000);
  const roleSent = new Set<number>();
  const toolCount = new Map<number, number>();

  function event(ev: SseEvent): SseEvent | undefined {
    if (done) return undefined;
    let response: Json | undefined;
    try {
      response = obj(JSON.parse(ev.data));
    } catch {
      throw new StreamFailure('upstream sent an event that is not JSON', { kind: 'network' });
    }
    if (!response) return undefined;
    if (response.error !== undefined) throw new StreamFailure('upstream stream error', { body: JSON.stringify({ error: response.error }) });
    const blocked = blockedBody(response);
    if (blocked) throw new StreamFailure('prompt blocked', { body: blocked });
    id ??= `chatcmpl-${responseId(response, call)}`;
    model = str(response.modelVersion) ?? model;
    if (response.usageMetadata) usage = obj(response.usageMetadata);
    const choices: Json[] = [];
    const candidates = Array.isArray(response.candidates) ? response.candidates : [];
    candidates.forEach((raw, position) => {
      const c = obj(raw) ?? {};
      const index = num(c.index) ?? position;
      const first = toolCount.get(index) ?? 0;
      const { text, calls } = readParts(obj(c.content)?.parts, toolIds(response!, call, index), first);
      toolCount.set(index, first + calls.length);
      const reason = str(c.finishReason);
      const delta: Json = {};
      if (!roleSent.has(index)) {
        roleSent.add(index);
        delta.role = 'assistant';
      }
      if (text !== '') delta.content = text;
      if (calls.length > 0) delta.tool_calls = calls.map((tc, i) => ({ index: first + i, ...tc }));
      if (reason) finished = true;
      if (Object.keys(delta).length === 0 && !reason) return;
      if (delta.role && !('content' in delta) && !delta.tool_calls) delta.content = '';
      choices.push({ index, delta, finish_reason: reason ? geminiFinishReason(reason, (toolCount.get(index) ?? 0) > 0) : null, logprobs: null });
    });
    if (choices.length === 0) return undefined;
    return chunkEvent({ id, model, created, choices });
  }

  return {
    event,
    end() {
      const out: SseEvent[] = [];
      if (!finished) throw new StreamFailure('upstream stream ended before completion (no finishReason)', { kind: 'network' });
      done = true;
      if (usage && wantsStreamUsage(call.body))
        out.push(chunkEvent({ id: id ?? `chatcmpl-${call.requestId}`, model, created, choices: [], usage: usageBody(usage) }));
      out.push(DONE_EVENT);
      return out;
    },
    usage: () => geminiUsage(usage),
  };
}
