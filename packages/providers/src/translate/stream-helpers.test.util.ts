/** Test support (not shipped): split SSE text at random boundaries, run a translator, accumulate results like the SDKs do. */
import { SseParser, type SseEvent } from '@switchyard/core';

type Json = Record<string, any>;

/** Deterministic PRNG (mulberry32, core's), so a failing split can be replayed from its seed. */
import { seeded as rng } from '@switchyard/core/testing';

export { rng };

/** Parse SSE text fed in random-sized pieces (1..40 bytes); every event must come out whole. */
export function parseInRandomPieces(text: string, seed: number): SseEvent[] {
  const random = rng(seed);
  const parser = new SseParser();
  const bytes = Buffer.from(text);
  const events: SseEvent[] = [];
  for (let i = 0; i < bytes.length;) {
    const size = 1 + Math.floor(random() * 40);
    events.push(...parser.push(bytes.subarray(i, i + size)));
    i += size;
  }
  const tail = parser.end();
  if (!tail.complete && tail.pending) events.push(tail.pending);
  return events;
}

export function translateAll(events: SseEvent[], t: { push(ev: SseEvent): SseEvent[]; end(): SseEvent[] }): SseEvent[] {
  const out: SseEvent[] = [];
  for (const ev of events) out.push(...t.push(ev));
  out.push(...t.end());
  return out;
}

/** Accumulate OpenAI chunks the way the openai SDK's ChatCompletionStream does (tool calls by index). */
export function accumulateOpenAI(events: SseEvent[]): {
  text: string;
  reasoning: string;
  thinkingBlocks: Json[];
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: string | null;
  usage?: Json;
  role?: string;
  done: boolean;
} {
  const acc = {
    text: '',
    reasoning: '',
    thinkingBlocks: [] as Json[],
    toolCalls: [] as { id: string; name: string; arguments: string }[],
    finish: null as string | null,
    usage: undefined as Json | undefined,
    role: undefined as string | undefined,
    done: false,
  };
  for (const ev of events) {
    if (ev.data === '[DONE]') {
      acc.done = true;
      continue;
    }
    const chunk = JSON.parse(ev.data) as Json;
    if (chunk.usage) acc.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta ?? {};
      if (d.role) acc.role = d.role;
      if (typeof d.content === 'string') acc.text += d.content;
      if (typeof d.reasoning_content === 'string') acc.reasoning += d.reasoning_content;
      if (Array.isArray(d.thinking_blocks)) acc.thinkingBlocks.push(...d.thinking_blocks);
      for (const tc of d.tool_calls ?? []) {
        const slot = (acc.toolCalls[tc.index] ??= { id: '', name: '', arguments: '' });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name = tc.function.name;
        if (tc.function?.arguments) slot.arguments += tc.function.arguments;
      }
      if (choice.finish_reason) acc.finish = choice.finish_reason;
    }
  }
  return acc;
}

/** Accumulate Anthropic events the way @anthropic-ai/sdk's MessageStream does (usage: message_delta replaces). */
export function accumulateAnthropic(events: SseEvent[]): Json {
  let message: Json | undefined;
  const json = new Map<number, string>();
  for (const ev of events) {
    const data = JSON.parse(ev.data) as Json;
    if (ev.event !== data.type) throw new Error(`event name ${ev.event} != data.type ${data.type}`);
    switch (data.type) {
      case 'message_start':
        message = structuredClone(data.message);
        break;
      case 'content_block_start':
        message!.content[data.index] = structuredClone(data.content_block);
        break;
      case 'content_block_delta': {
        const block = message!.content[data.index];
        const d = data.delta;
        if (d.type === 'text_delta') block.text += d.text;
        else if (d.type === 'thinking_delta') block.thinking += d.thinking;
        else if (d.type === 'signature_delta') block.signature = d.signature;
        else if (d.type === 'input_json_delta') json.set(data.index, (json.get(data.index) ?? '') + d.partial_json);
        break;
      }
      case 'message_delta':
        Object.assign(message!, data.delta);
        for (const [k, v] of Object.entries(data.usage ?? {})) if (v !== null) message!.usage[k] = v;
        break;
      default:
    }
  }
  for (const [index, text] of json) message!.content[index].input = text === '' ? {} : JSON.parse(text);
  return message!;
}
