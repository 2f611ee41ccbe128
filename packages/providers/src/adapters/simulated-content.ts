/**
 * Deterministic, schema-valid bodies and stream events of the simulated provider.
 * @module
 */
import type { SseEvent, Usage } from '@switchyard/core';

type Json = Record<string, unknown>;

const FILLER = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit', 'sed', 'do', 'eiusmod', 'tempor'];

/** One planned answer: its text pieces (one per token) or a tool call, and why it stopped. */
export interface SimulatedAnswer {
  id: string;
  pieces: string[];
  tool?: { id: string; name: string };
  /** Reached the client's max tokens before the end. */
  truncated: boolean;
  inputTokens: number;
  outputTokens: number;
}

/** FNV-1a, for deterministic ids and vectors. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A rough token count (4 characters per token), the same for every run. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(text.length / 4));
}

export function planAnswer(input: {
  provider: string;
  model: string;
  body: Json;
  reply?: string;
  length: number;
  maxTokens?: number;
  tool?: string;
  inputTokens: number;
}): SimulatedAnswer {
  const id = hash32(`${input.provider}/${input.model}/${JSON.stringify(input.body)}`).toString(36);
  if (input.tool) {
    return { id, pieces: [], tool: { id: `sim_${id}`, name: input.tool }, truncated: false, inputTokens: input.inputTokens, outputTokens: 1 };
  }
  const words = (input.reply ?? `Simulated response from ${input.provider}/${input.model}.`).split(/\s+/).filter(Boolean);
  if (input.reply === undefined) for (let i = 0; words.length < input.length; i++) words.push(FILLER[i % FILLER.length]!);
  const truncated = input.maxTokens !== undefined && input.maxTokens < words.length;
  const kept = truncated ? words.slice(0, Math.max(0, input.maxTokens!)) : words;
  const pieces = kept.map((w, i) => (i === 0 ? w : ` ${w}`));
  return { id, pieces, truncated, inputTokens: input.inputTokens, outputTokens: pieces.length };
}

export function answerUsage(a: SimulatedAnswer): Usage {
  return { inputTokens: a.inputTokens, outputTokens: a.outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, source: 'provider' };
}

function openAIUsageBody(a: SimulatedAnswer): Json {
  return {
    prompt_tokens: a.inputTokens,
    completion_tokens: a.outputTokens,
    total_tokens: a.inputTokens + a.outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function openAIFinish(a: SimulatedAnswer): string {
  return a.tool ? 'tool_calls' : a.truncated ? 'length' : 'stop';
}

export function openAIChatJson(a: SimulatedAnswer, model: string, created: number): Json {
  const message: Json = { role: 'assistant', content: a.tool ? null : a.pieces.join(''), refusal: null };
  if (a.tool) message.tool_calls = [{ id: a.tool.id, type: 'function', function: { name: a.tool.name, arguments: '{}' } }];
  return {
    id: `chatcmpl-sim-${a.id}`,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: openAIFinish(a) }],
    usage: openAIUsageBody(a),
  };
}

/** Every chunk of an OpenAI stream, `[DONE]` included; `pieces` of text get one chunk each. */
export function* openAIChatChunks(a: SimulatedAnswer, model: string, created: number, includeUsage: boolean): Generator<SseEvent> {
  const base = { id: `chatcmpl-sim-${a.id}`, object: 'chat.completion.chunk', created, model };
  const chunk = (delta: Json, finish: string | null): SseEvent => {
    const body: Json = { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    if (includeUsage) body.usage = null;
    return { data: JSON.stringify(body) };
  };
  if (a.tool) {
    yield chunk(
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: a.tool.id, type: 'function', function: { name: a.tool.name, arguments: '' } }],
        refusal: null,
      },
      null,
    );
    yield chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, null);
  } else {
    yield chunk({ role: 'assistant', content: '', refusal: null }, null);
    for (const piece of a.pieces) yield chunk({ content: piece }, null);
  }
  yield chunk({}, openAIFinish(a));
  if (includeUsage) yield { data: JSON.stringify({ ...base, choices: [], usage: openAIUsageBody(a) }) };
  yield { data: '[DONE]' };
}

function anthropicStop(a: SimulatedAnswer): string {
  return a.tool ? 'tool_use' : a.truncated ? 'max_tokens' : 'end_turn';
}

export function anthropicMessageJson(a: SimulatedAnswer, model: string): Json {
  const content = a.tool ? [{ type: 'tool_use', id: a.tool.id, name: a.tool.name, input: {} }] : [{ type: 'text', text: a.pieces.join('') }];
  return {
    id: `msg_sim${a.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: anthropicStop(a),
    stop_sequence: null,
    usage: { input_tokens: a.inputTokens, output_tokens: a.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

/** The full Anthropic event sequence, message_start to message_stop. */
export function* anthropicEvents(a: SimulatedAnswer, model: string): Generator<SseEvent> {
  const ev = (event: string, body: Json): SseEvent => ({ event, data: JSON.stringify({ type: event, ...body }) });
  yield ev('message_start', {
    message: {
      id: `msg_sim${a.id}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: a.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
  if (a.tool) {
    yield ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: a.tool.id, name: a.tool.name, input: {} } });
    yield ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } });
  } else {
    yield ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    yield ev('ping', {});
    for (const piece of a.pieces) yield ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
  }
  yield ev('content_block_stop', { index: 0 });
  yield ev('message_delta', { delta: { stop_reason: anthropicStop(a), stop_sequence: null }, usage: { output_tokens: a.outputTokens } });
  yield ev('message_stop', {});
}

/** Unit vectors derived from the input's hash: equal inputs give equal vectors. */
export function embeddingVector(text: string, dimensions: number): number[] {
  let state = hash32(text) || 1;
  const out = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const v = state / 0xffffffff - 0.5;
    out[i] = v;
    norm += v * v;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dimensions; i++) out[i] = Math.round(out[i]! * scale * 1e6) / 1e6;
  return out;
}
