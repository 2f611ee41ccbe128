/**
 * Non-streaming answers, both ways: an Anthropic Message <-> an OpenAI chat completion.
 * @module
 */
import { ProviderError } from '../provider-error.js';
import { TranslationNotes, epochSeconds, isObj, parseArguments, type Json } from './common.js';
import { toAnthropicStopReason, toOpenAIFinishReason } from './reasons.js';
import { anthropicUsageToOpenAI, openAIUsageToAnthropic } from './usage-map.js';

/**
 * An Anthropic Message to an OpenAI `chat.completion`. Text blocks join into `content`;
 * `tool_use` blocks become `tool_calls` (same ids, arguments serialised); thinking is kept as
 * `reasoning_content` (its text) plus `thinking_blocks` (the signed blocks, to send back).
 * @example anthropicMessageToOpenAI({ id: 'msg_1', model: 'claude', content: [{ type: 'text', text: 'Hi' }], stop_reason: 'end_turn', usage: {} })
 */
export function anthropicMessageToOpenAI(message: Json, notes = new TranslationNotes(), now: () => number = Date.now): Json {
  let text = '';
  let sawText = false;
  let reasoning = '';
  const thinkingBlocks: Json[] = [];
  const toolCalls: Json[] = [];
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isObj(block)) continue;
    if (block.type === 'text') {
      text += String(block.text ?? '');
      sawText = true;
      if (Array.isArray(block.citations) && block.citations.length > 0) notes.drop('citations');
    } else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type === 'thinking') {
      reasoning += String(block.thinking ?? '');
      thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    } else if (block.type === 'redacted_thinking') {
      thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
    } else {
      notes.drop(`content.${String(block.type)}`);
    }
  }
  const out: Json = { role: 'assistant', content: sawText || toolCalls.length === 0 ? text : null, refusal: null };
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  if (thinkingBlocks.length > 0) {
    out.reasoning_content = reasoning;
    out.thinking_blocks = thinkingBlocks;
  }
  return {
    id: message.id,
    object: 'chat.completion',
    created: epochSeconds(now),
    model: message.model,
    choices: [{ index: 0, message: out, finish_reason: toOpenAIFinishReason(message.stop_reason), logprobs: null }],
    usage: anthropicUsageToOpenAI(message.usage),
  };
}

/**
 * An OpenAI `chat.completion` (first choice) to an Anthropic Message. `reasoning_content` (or
 * vLLM's `reasoning`) becomes a thinking block, `thinking_blocks` are restored as they were,
 * `refusal` becomes text with stop reason `refusal`, tool calls become `tool_use` blocks.
 * @throws {ProviderError} `server_error` when a tool call's arguments are not a JSON object (an
 *   Anthropic client cannot receive them; another attempt may do better).
 * @example openAICompletionToAnthropic({ id: 'chatcmpl-1', model: 'gpt-4o', choices: [{ message: { content: 'Hi' }, finish_reason: 'stop' }] }, 'openai')
 */
export function openAICompletionToAnthropic(completion: Json, provider: string, stopSequences: readonly string[] = []): Json {
  const choice = Array.isArray(completion.choices) && isObj(completion.choices[0]) ? completion.choices[0] : {};
  const message = isObj(choice.message) ? choice.message : {};
  const content: Json[] = [];
  if (Array.isArray(message.thinking_blocks) && message.thinking_blocks.length > 0) {
    for (const b of message.thinking_blocks) if (isObj(b)) content.push(b);
  } else {
    const reasoning = typeof message.reasoning_content === 'string' ? message.reasoning_content : message.reasoning;
    // No signature exists for reasoning from an OpenAI-format server; the field is required, so it is empty.
    if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  }
  if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  const refused = typeof message.refusal === 'string' && message.refusal !== '';
  if (refused) content.push({ type: 'text', text: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObj(call) || !isObj(call.function)) continue;
      const input = parseArguments(call.function.arguments);
      if (!input) throw new ProviderError('upstream returned tool call arguments that are not a JSON object', { kind: 'server_error', provider });
      content.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
    }
  }
  const matchedStop = choice.finish_reason === 'stop' && stopSequences.length > 0 && typeof message.content === 'string' && endsWithStop(choice, stopSequences);
  return {
    id: completion.id,
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: refused ? 'refusal' : toAnthropicStopReason(choice.finish_reason, matchedStop),
    stop_sequence: matchedStop ? matchedSequence(choice, stopSequences) : null,
    usage: openAIUsageToAnthropic(completion.usage),
  };
}

/** vLLM reports the matched stop string as `stop_reason` on the choice; OpenAI says nothing. */
function endsWithStop(choice: Json, stops: readonly string[]): boolean {
  return typeof choice.stop_reason === 'string' && stops.includes(choice.stop_reason);
}

function matchedSequence(choice: Json, stops: readonly string[]): string | null {
  return typeof choice.stop_reason === 'string' && stops.includes(choice.stop_reason) ? choice.stop_reason : null;
}
