/**
 * The one finish_reason <-> stop_reason table, used in both directions.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 * @module
 */

/** An Anthropic `stop_reason`. */
export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';
/** An OpenAI `finish_reason`. */
export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/**
 * Rows `[anthropic, openai]`. Anthropic -> OpenAI reads every row; OpenAI -> Anthropic takes the
 * FIRST row naming the OpenAI value (so `stop` becomes `end_turn`: OpenAI does not say whether a
 * stop sequence matched, see {@link toAnthropicStopReason}).
 */
export const STOP_REASON_TABLE: readonly (readonly [AnthropicStopReason, OpenAIFinishReason])[] = [
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['max_tokens', 'length'],
  ['model_context_window_exceeded', 'length'],
  ['tool_use', 'tool_calls'],
  ['tool_use', 'function_call'],
  ['refusal', 'content_filter'],
  // pause_turn only follows server tools (web search), which translation never sends.
  ['pause_turn', 'stop'],
];

/**
 * Anthropic `stop_reason` to OpenAI `finish_reason` (unknown or null -> `stop`, the neutral end).
 * @example toOpenAIFinishReason('tool_use') // 'tool_calls'
 */
export function toOpenAIFinishReason(stopReason: unknown): OpenAIFinishReason {
  for (const [a, o] of STOP_REASON_TABLE) if (a === stopReason) return o;
  return 'stop';
}

/**
 * OpenAI `finish_reason` to Anthropic `stop_reason`. `stop` becomes `stop_sequence` only when the
 * caller knows a stop sequence matched (`matchedStop`), else `end_turn`. Unknown -> `end_turn`.
 * @example toAnthropicStopReason('length') // 'max_tokens'
 */
export function toAnthropicStopReason(finishReason: unknown, matchedStop = false): AnthropicStopReason {
  if (finishReason === 'stop' && matchedStop) return 'stop_sequence';
  for (const [a, o] of STOP_REASON_TABLE) if (o === finishReason) return a;
  return 'end_turn';
}
