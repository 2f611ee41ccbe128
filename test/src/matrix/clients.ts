/**
 * The two client formats, driven by their official SDKs: each sends a scenario's request and
 * returns what the client got, normalised, after validating every body, chunk and event it
 * received against the official schemas.
 */
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { assertSchema, schemas } from '../support/schemas.js';
import {
  ANTHROPIC_PRIOR_CALL_ID,
  DATA_URL,
  OPENAI_PRIOR_CALL_ID,
  PNG,
  PRIOR_ARGS,
  STREAMING,
  SYSTEM,
  TIME_SCHEMA,
  TOOL_RESULT,
  USER_TEXT,
  WEATHER_SCHEMA,
  WITH_TOOLS,
  type Scenario,
} from './scenarios.js';
import type { ClientKind } from './wire.js';

export interface ClientResult {
  text: string;
  toolCalls: { id: string; name: string; args: unknown }[];
  stop: string | null;
  usage?: { input: number; output: number };
  /** `x-switchyard-provider` of the response. */
  provider: string | null;
}

/** The id the client itself gave the earlier tool call. */
export const PRIOR_CALL_ID: Record<ClientKind, string> = { 'openai-sdk': OPENAI_PRIOR_CALL_ID, 'anthropic-sdk': ANTHROPIC_PRIOR_CALL_ID };

/** The stop reason each client format should show for what the upstream meant. */
export const STOP_NAMES: Record<ClientKind, Record<'end' | 'tool' | 'length', string>> = {
  'openai-sdk': { end: 'stop', tool: 'tool_calls', length: 'length' },
  'anthropic-sdk': { end: 'end_turn', tool: 'tool_use', length: 'max_tokens' },
};

const OPENAI_TOOLS: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather in a city', parameters: WEATHER_SCHEMA } },
  { type: 'function', function: { name: 'get_time', description: 'Local time in a timezone', parameters: TIME_SCHEMA } },
];
const ANTHROPIC_TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Current weather in a city', input_schema: WEATHER_SCHEMA as Anthropic.Tool.InputSchema },
  { name: 'get_time', description: 'Local time in a timezone', input_schema: TIME_SCHEMA as Anthropic.Tool.InputSchema },
];

function openAIRequest(scenario: Scenario, model: string): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const user = USER_TEXT[scenario];
  const messages: OpenAI.ChatCompletionMessageParam[] =
    scenario === 'text'
      ? [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: user },
        ]
      : scenario === 'image'
        ? [
            {
              role: 'user',
              content: [
                { type: 'text', text: user },
                { type: 'image_url', image_url: { url: DATA_URL } },
              ],
            },
          ]
        : scenario === 'tool-result'
          ? [
              { role: 'user', content: user },
              {
                role: 'assistant',
                content: null,
                tool_calls: [{ id: OPENAI_PRIOR_CALL_ID, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(PRIOR_ARGS) } }],
              },
              { role: 'tool', tool_call_id: OPENAI_PRIOR_CALL_ID, content: TOOL_RESULT },
            ]
          : [{ role: 'user', content: user }];
  return { model, messages, ...(WITH_TOOLS.has(scenario) ? { tools: OPENAI_TOOLS } : {}), ...(scenario === 'image' ? { max_completion_tokens: 5 } : {}) };
}

function anthropicRequest(scenario: Scenario, model: string): Anthropic.MessageCreateParamsNonStreaming {
  const user = USER_TEXT[scenario];
  const messages: Anthropic.MessageParam[] =
    scenario === 'image'
      ? [
          {
            role: 'user',
            content: [
              { type: 'text', text: user },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            ],
          },
        ]
      : scenario === 'tool-result'
        ? [
            { role: 'user', content: user },
            { role: 'assistant', content: [{ type: 'tool_use', id: ANTHROPIC_PRIOR_CALL_ID, name: 'get_weather', input: PRIOR_ARGS }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: ANTHROPIC_PRIOR_CALL_ID, content: TOOL_RESULT }] },
          ]
        : [{ role: 'user', content: user }];
  return {
    model,
    messages,
    max_tokens: scenario === 'image' ? 5 : 256,
    ...(scenario === 'text' ? { system: SYSTEM } : {}),
    ...(WITH_TOOLS.has(scenario) ? { tools: ANTHROPIC_TOOLS } : {}),
  };
}

function parseArgs(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return { unparseable: raw };
  }
}

async function runOpenAI(client: OpenAI, scenario: Scenario, model: string): Promise<ClientResult> {
  const request = openAIRequest(scenario, model);
  if (!STREAMING.has(scenario)) {
    const { data, response } = await client.chat.completions.create(request).withResponse();
    assertSchema(schemas.openaiChatCompletion, data, 'chat.completion');
    const choice = data.choices[0]!;
    return {
      text: choice.message.content ?? '',
      toolCalls: (choice.message.tool_calls ?? []).map((c) => {
        const call = c as OpenAI.ChatCompletionMessageFunctionToolCall;
        return { id: call.id, name: call.function.name, args: parseArgs(call.function.arguments) };
      }),
      stop: choice.finish_reason,
      usage: data.usage && { input: data.usage.prompt_tokens, output: data.usage.completion_tokens },
      provider: response.headers.get('x-switchyard-provider'),
    };
  }
  const { data: stream, response } = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }).withResponse();
  const result: ClientResult = { text: '', toolCalls: [], stop: null, provider: response.headers.get('x-switchyard-provider') };
  const calls = new Map<number, { id: string; name: string; args: string }>();
  for await (const chunk of stream) {
    assertSchema(schemas.openaiChatChunk, chunk, 'chat.completion.chunk');
    if (chunk.usage) result.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
    for (const choice of chunk.choices) {
      result.text += choice.delta.content ?? '';
      if (choice.finish_reason) result.stop = choice.finish_reason;
      for (const tc of choice.delta.tool_calls ?? []) {
        const call = calls.get(tc.index) ?? { id: '', name: '', args: '' };
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name += tc.function.name;
        call.args += tc.function?.arguments ?? '';
        calls.set(tc.index, call);
      }
    }
  }
  result.toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => ({ id: c.id, name: c.name, args: parseArgs(c.args) }));
  return result;
}

function fromMessage(message: Anthropic.Message, provider: string | null): ClientResult {
  const usage = message.usage;
  return {
    text: message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''),
    toolCalls: message.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, args: b.input }] : [])),
    stop: message.stop_reason,
    usage: usage && {
      input: usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
      output: usage.output_tokens,
    },
    provider,
  };
}

async function runAnthropic(client: Anthropic, scenario: Scenario, model: string): Promise<ClientResult> {
  const request = anthropicRequest(scenario, model);
  if (!STREAMING.has(scenario)) {
    const { data, response } = await client.messages.create(request).withResponse();
    assertSchema(schemas.anthropicMessage, data, 'message');
    return fromMessage(data, response.headers.get('x-switchyard-provider'));
  }
  const stream = client.messages.stream(request);
  const events: unknown[] = [];
  stream.on('streamEvent', (event) => events.push(event));
  const message = await stream.finalMessage();
  for (const event of events) assertSchema(schemas.anthropicStreamEvent, event, 'stream event');
  assertSchema(schemas.anthropicMessage, message, 'final message');
  return fromMessage(message, stream.response?.headers.get('x-switchyard-provider') ?? null);
}

export interface Clients {
  run(kind: ClientKind, scenario: Scenario, model: string): Promise<ClientResult>;
}

export function createClients(gatewayUrl: string, clientKey: string): Clients {
  const openai = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: clientKey, maxRetries: 0 });
  const anthropic = new Anthropic({ baseURL: gatewayUrl, apiKey: clientKey, maxRetries: 0 });
  return {
    run: (kind, scenario, model) => (kind === 'openai-sdk' ? runOpenAI(openai, scenario, model) : runAnthropic(anthropic, scenario, model)),
  };
}
