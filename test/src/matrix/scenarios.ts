/**
 * The matrix scenarios: what each client sends, and what the upstream "means" by its answer
 * (written out by each provider's wire module in that provider's own format).
 */

export const SCENARIOS = ['text', 'tool-result', 'image', 'tool-call', 'streaming-tools'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Scenarios whose client call streams. */
export const STREAMING: ReadonlySet<Scenario> = new Set(['streaming-tools']);

export interface MeantToolCall {
  name: string;
  args: Record<string, unknown>;
}

/** Provider-neutral meaning of an upstream answer. */
export interface Meaning {
  text: string;
  toolCalls: MeantToolCall[];
  stop: 'end' | 'tool' | 'length';
  usage: { input: number; output: number };
}

/** A 1x1 PNG. */
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
export const DATA_URL = `data:image/png;base64,${PNG}`;

export const SYSTEM = 'You are terse.';
/** Ids of the earlier tool call in the tool-result turn, as each client format writes them. */
export const OPENAI_PRIOR_CALL_ID = 'call_Qx7pWeather01';
export const ANTHROPIC_PRIOR_CALL_ID = 'toolu_01A09q90qw90lq917835lq9';
export const PRIOR_ARGS = { city: 'Paris' };
export const TOOL_RESULT = '{"temp_c":18}';

export const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['city'],
};
export const TIME_SCHEMA = { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] };

const TOOL_ANSWER: Meaning = {
  text: 'Let me check.',
  toolCalls: [
    { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
    { name: 'get_time', args: { timezone: 'Europe/Paris' } },
  ],
  stop: 'tool',
  usage: { input: 64, output: 31 },
};

export const MEANINGS: Record<Scenario, Meaning> = {
  text: { text: 'Hello there!', toolCalls: [], stop: 'end', usage: { input: 11, output: 3 } },
  'tool-result': { text: 'It is 18°C in Paris.', toolCalls: [], stop: 'end', usage: { input: 52, output: 9 } },
  // Cut short by max_tokens, so the length mapping is exercised too.
  image: { text: 'A red', toolCalls: [], stop: 'length', usage: { input: 270, output: 5 } },
  'tool-call': TOOL_ANSWER,
  'streaming-tools': TOOL_ANSWER,
};

/** The user's words per scenario (checked on the upstream side). */
export const USER_TEXT: Record<Scenario, string> = {
  text: 'Say hello.',
  'tool-result': 'Weather in Paris?',
  image: 'What is in this image?',
  'tool-call': 'Weather in Paris, and the time there?',
  'streaming-tools': 'Weather in Paris, and the time there?',
};

/** Scenarios whose request offers tools. */
export const WITH_TOOLS: ReadonlySet<Scenario> = new Set(['tool-result', 'tool-call', 'streaming-tools']);

/** Split a string into `n` roughly equal pieces (tool arguments arrive this way in streams). */
export function pieces(text: string, n = 3): string[] {
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Text of an OpenAI/Cohere content value (string or parts) or Anthropic content (string or blocks). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p): p is { type: string; text: string } => !!p && typeof p === 'object' && (p as { type?: string }).type === 'text')
    .map((p) => p.text)
    .join('');
}
