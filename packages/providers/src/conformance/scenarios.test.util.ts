/**
 * Test support (not shipped): what the conformance suite's clients send. The same five cases in
 * both client formats, written as the official SDKs send them (the OpenAI SDK sends an assistant
 * turn back as it received it, `refusal: null` included).
 */
import type { ClientFormat } from '@switchyard/core';

type Json = Record<string, unknown>;

export const SCENARIOS = ['text with system', 'tools + tool-result turn', 'base64 image', 'streamed text', 'streamed tool call', 'structured output'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What the upstream answers with: a text answer, a text stream or a tool-call stream. */
export type AnswerKind = 'json' | 'stream-text' | 'stream-tool';
export const ANSWER: Record<Scenario, AnswerKind> = {
  'text with system': 'json',
  'tools + tool-result turn': 'json',
  'base64 image': 'json',
  'streamed text': 'stream-text',
  'streamed tool call': 'stream-tool',
  'structured output': 'json',
};

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const SYSTEM = 'You are terse.';
const WEATHER = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'], additionalProperties: false };

const openAITools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: WEATHER } }];
const anthropicTools = [{ name: 'get_weather', description: 'Weather in a city', input_schema: WEATHER }];

function openAIBody(scenario: Scenario): Json {
  const user = (content: unknown) => ({ role: 'user', content });
  switch (scenario) {
    case 'text with system':
      return { messages: [{ role: 'system', content: SYSTEM }, user('Say hello.')], max_completion_tokens: 64, temperature: 0.2 };
    case 'tools + tool-result turn':
      return {
        messages: [
          user('Weather in Paris?'),
          { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_Qx7pWeather01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'call_Qx7pWeather01', content: '{"temp_c":18}' },
        ],
        tools: openAITools,
      };
    case 'base64 image':
      return { messages: [user([{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }])], max_tokens: 5 };
    case 'streamed text':
      return { messages: [{ role: 'system', content: SYSTEM }, user('Say hello.')], stream: true, stream_options: { include_usage: true } };
    case 'streamed tool call':
      return { messages: [user('Weather in Paris?')], tools: openAITools, tool_choice: 'auto', stream: true, stream_options: { include_usage: true } };
    case 'structured output':
      return { messages: [user('Weather in Paris as JSON.')], response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: WEATHER, strict: true } } };
  }
}

function anthropicBody(scenario: Scenario): Json {
  const user = (content: unknown) => ({ role: 'user', content });
  switch (scenario) {
    case 'text with system':
      return { system: SYSTEM, messages: [user('Say hello.')], max_tokens: 64, temperature: 0.2 };
    case 'tools + tool-result turn':
      return {
        max_tokens: 256,
        tools: anthropicTools,
        messages: [
          user('Weather in Paris?'),
          { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris' } }] },
          user([{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '{"temp_c":18}' }]),
        ],
      };
    case 'base64 image':
      return { max_tokens: 5, messages: [user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, { type: 'text', text: 'What is in this image?' }])] };
    case 'streamed text':
      return { system: SYSTEM, messages: [user('Say hello.')], max_tokens: 64, stream: true };
    case 'streamed tool call':
      return { messages: [user('Weather in Paris?')], tools: anthropicTools, tool_choice: { type: 'auto' }, max_tokens: 256, stream: true };
    case 'structured output':
      return { messages: [user('Weather in Paris as JSON.')], max_tokens: 256, output_config: { format: { type: 'json_schema', schema: WEATHER } } };
  }
}

/** The client's body for a scenario in a client format. */
export function clientBody(format: ClientFormat, scenario: Scenario): Json {
  return format === 'anthropic.messages' ? anthropicBody(scenario) : openAIBody(scenario);
}
