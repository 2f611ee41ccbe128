/**
 * A complete JSON answer replayed as the stream a streaming client expects: OpenAI
 * `chat.completion.chunk`s ending in `[DONE]`, or Anthropic `message_start` … `message_stop`.
 * @module
 */
import type { ClientFormat, SseEvent } from '@switchyard/core';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text in pieces of at most `size` code points (never splitting a surrogate pair). */
function pieces(text: string, size = 48): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/**
 * The events of a stream carrying `body` (a JSON response in the client's format).
 * `includeUsage`: OpenAI's `stream_options.include_usage` (every chunk has `usage: null`, a
 * last chunk carries the usage); Anthropic streams always carry usage.
 * @example for await (const ev of synthesiseStream('openai.chat', body, true)) write(ev)
 */
export async function* synthesiseStream(format: ClientFormat, body: string, includeUsage: boolean): AsyncGenerator<SseEvent> {
  const json = JSON.parse(body) as Json;
  yield* format === 'anthropic.messages' ? anthropicEvents(json) : openAIChunks(json, includeUsage);
}

function* openAIChunks(json: Json, includeUsage: boolean): Generator<SseEvent> {
  const base: Json = { id: json.id, object: 'chat.completion.chunk', created: json.created, model: json.model };
  if (json.system_fingerprint !== undefined) base.system_fingerprint = json.system_fingerprint;
  const chunk = (index: number, delta: Json, finish: unknown = null): SseEvent => {
    const out: Json = { ...base, choices: [{ index, delta, logprobs: null, finish_reason: finish }] };
    if (includeUsage) out.usage = null;
    return { data: JSON.stringify(out) };
  };
  const choices = Array.isArray(json.choices) ? json.choices.filter(isObject) : [];
  for (const [i, choice] of choices.entries()) {
    const index = typeof choice.index === 'number' ? choice.index : i;
    const message = isObject(choice.message) ? choice.message : {};
    yield chunk(index, { role: 'assistant', content: '' });
    if (typeof message.content === 'string') for (const piece of pieces(message.content)) yield chunk(index, { content: piece });
    if (typeof message.refusal === 'string') yield chunk(index, { refusal: message.refusal });
    const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
    for (const [n, call] of calls.entries()) yield chunk(index, { tool_calls: [{ index: n, id: call.id, type: 'function', function: call.function }] });
    yield chunk(index, {}, choice.finish_reason ?? 'stop');
  }
  if (includeUsage) yield { data: JSON.stringify({ ...base, choices: [], usage: json.usage ?? null }) };
  yield { data: '[DONE]' };
}

function* anthropicEvents(json: Json): Generator<SseEvent> {
  const ev = (event: string, body: Json): SseEvent => ({ event, data: JSON.stringify({ type: event, ...body }) });
  const usage = isObject(json.usage) ? json.usage : {};
  yield ev('message_start', { message: { ...json, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } } });
  const blocks = Array.isArray(json.content) ? json.content.filter(isObject) : [];
  for (const [index, block] of blocks.entries()) {
    if (block.type === 'text') {
      yield ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const text of pieces(String(block.text ?? ''))) yield ev('content_block_delta', { index, delta: { type: 'text_delta', text } });
    } else if (block.type === 'tool_use') {
      yield ev('content_block_start', { index, content_block: { ...block, input: {} } });
      yield ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) } });
    } else if (block.type === 'thinking') {
      yield ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } });
      for (const thinking of pieces(String(block.thinking ?? ''))) yield ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } });
      if (typeof block.signature === 'string') yield ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    } else {
      yield ev('content_block_start', { index, content_block: block });
    }
    yield ev('content_block_stop', { index });
  }
  yield ev('message_delta', {
    delta: { stop_reason: json.stop_reason ?? 'end_turn', stop_sequence: json.stop_sequence ?? null },
    usage: { output_tokens: usage.output_tokens ?? 0 },
  });
  yield ev('message_stop', {});
}
