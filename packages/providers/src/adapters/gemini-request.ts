/**
 * OpenAI chat request → Gemini `GenerateContentRequest` (shared by the `gemini` and `vertex`
 * adapters). Field names are the proto-JSON camelCase ones the official SDKs send (the REST API
 * also accepts snake_case, e.g. `system_instruction`).
 * @see https://ai.google.dev/api/generate-content#request-body
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 * @module
 */
import type { HeaderMap } from '@switchyard/core';
import { badRequest, contentParts, mimeFromUrl, obj, parseDataUrl, str, type ContentPart, type Json } from './openai-shapes.js';

/** The client header that carries Gemini safety settings (JSON). */
export const SAFETY_HEADER = 'x-google-safety-settings';

const CATEGORY = /^HARM_CATEGORY_[A-Z_]+$/;
const THRESHOLD = /^(HARM_BLOCK_THRESHOLD_UNSPECIFIED|BLOCK_LOW_AND_ABOVE|BLOCK_MEDIUM_AND_ABOVE|BLOCK_ONLY_HIGH|BLOCK_NONE|OFF)$/;

/**
 * Parse and validate safety settings: a JSON array of `{category, threshold}` or an object
 * `{ CATEGORY: THRESHOLD }`. Returns undefined for an absent value; throws a message otherwise.
 * @example parseSafetySettings('{"HARM_CATEGORY_HARASSMENT":"BLOCK_NONE"}') // [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }]
 */
export function parseSafetySettings(value: unknown): { category: string; threshold: string }[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`${SAFETY_HEADER} must be JSON`);
    }
  }
  const list = Array.isArray(parsed)
    ? parsed
    : obj(parsed)
      ? Object.entries(parsed as Json).map(([category, threshold]) => ({ category, threshold }))
      : undefined;
  if (!list) throw new Error(`${SAFETY_HEADER} must be an array of {category, threshold} or an object of category: threshold`);
  return list.map((item, i) => {
    const category = str(obj(item)?.category);
    const threshold = str(obj(item)?.threshold);
    if (!category || !CATEGORY.test(category)) throw new Error(`${SAFETY_HEADER}[${i}].category must be a HARM_CATEGORY_* name`);
    if (!threshold || !THRESHOLD.test(threshold))
      throw new Error(`${SAFETY_HEADER}[${i}].threshold must be one of BLOCK_NONE, BLOCK_ONLY_HIGH, BLOCK_MEDIUM_AND_ABOVE, BLOCK_LOW_AND_ABOVE, OFF`);
    return { category, threshold };
  });
}

function geminiPart(provider: string, part: ContentPart): Json {
  if (part.type === 'text') return { text: part.text };
  if (part.type === 'audio') return { inlineData: { mimeType: `audio/${part.format}`, data: part.data } };
  const inline = parseDataUrl(part.url);
  if (inline) return { inlineData: inline };
  if (!/^(https?|gs):\/\//.test(part.url)) throw badRequest(provider, 'image_url must be a data: URL or an http(s):// / gs:// URL');
  const mimeType = mimeFromUrl(part.url);
  if (!mimeType)
    throw badRequest(provider, `cannot tell the mime type of ${part.url.slice(0, 100)}: Gemini needs one for file URLs; send the image as a data: URL`);
  return { fileData: { mimeType, fileUri: part.url } };
}

function parseArguments(provider: string, text: unknown): Json {
  if (text === undefined || text === '') return {};
  try {
    const args = JSON.parse(String(text));
    if (obj(args)) return args as Json;
  } catch {
    /* fall through */
  }
  throw badRequest(provider, 'tool_calls[].function.arguments must be a JSON object');
}

/** A tool result as the object Gemini wants in `functionResponse.response`. */
function toolResponse(provider: string, content: unknown): Json {
  const text = contentParts(provider, content)
    .map((p) => (p.type === 'text' ? p.text : ''))
    .join('');
  try {
    const parsed = JSON.parse(text);
    if (obj(parsed)) return parsed as Json;
    return { result: parsed };
  } catch {
    return { result: text };
  }
}

function contents(provider: string, messages: unknown): { contents: Json[]; system: Json[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest(provider, 'messages must be a non-empty array');
  const out: { role: string; parts: Json[] }[] = [];
  const system: Json[] = [];
  const callNames = new Map<string, string>();
  const push = (role: string, parts: Json[]): void => {
    if (parts.length === 0) return;
    const last = out.at(-1);
    // Gemini wants turns to alternate and all function responses of one step in one turn.
    if (last?.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  };
  for (const raw of messages) {
    const m = obj(raw);
    const role = str(m?.role);
    if (!m || !role) throw badRequest(provider, 'every message needs a role');
    if (role === 'system' || role === 'developer') {
      for (const p of contentParts(provider, m.content)) if (p.type === 'text') system.push({ text: p.text });
    } else if (role === 'user') {
      push(
        'user',
        contentParts(provider, m.content).map((p) => geminiPart(provider, p)),
      );
    } else if (role === 'assistant') {
      const parts = contentParts(provider, m.content).map((p) => geminiPart(provider, p));
      for (const rawCall of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
        const fn = obj(obj(rawCall)?.function);
        const name = str(fn?.name);
        if (!name) throw badRequest(provider, 'tool_calls[].function.name is required');
        const id = str(obj(rawCall)?.id);
        if (id) callNames.set(id, name);
        parts.push({ functionCall: { name, args: parseArguments(provider, fn?.arguments) } });
      }
      push('model', parts);
    } else if (role === 'tool' || role === 'function') {
      const id = str(m.tool_call_id);
      const name = role === 'function' ? str(m.name) : id !== undefined ? callNames.get(id) : undefined;
      if (!name)
        throw badRequest(provider, `tool message ${JSON.stringify(id)} answers no tool call of an earlier assistant message (Gemini needs the function name)`);
      push('user', [{ functionResponse: { name, response: toolResponse(provider, m.content) } }]);
    } else throw badRequest(provider, `unsupported message role ${JSON.stringify(role)}`);
  }
  return { contents: out, system };
}

function tools(provider: string, body: Json): { tools?: Json[]; toolConfig?: Json } {
  const out: { tools?: Json[]; toolConfig?: Json } = {};
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    const declarations = body.tools.map((raw) => {
      const tool = obj(raw);
      const fn = obj(tool?.function);
      if (tool?.type !== 'function' || !str(fn?.name)) throw badRequest(provider, 'only tools of type "function" with a name are supported');
      // `description` is REQUIRED in Gemini's FunctionDeclaration; OpenAI's is optional.
      const declaration: Json = { name: fn!.name, description: typeof fn!.description === 'string' ? fn!.description : '' };
      const params = obj(fn!.parameters);
      // The JSON Schema goes as it is in `parametersJsonSchema`: `parameters` is Gemini's own
      // OpenAPI-subset Schema (type enum OBJECT, STRING, …), which a JSON Schema is not. A
      // no-argument function gets none (an object without properties says nothing).
      if (params && obj(params.properties) && Object.keys(params.properties as Json).length > 0) declaration.parametersJsonSchema = params;
      return declaration;
    });
    out.tools = [{ functionDeclarations: declarations }];
  }
  const choice = body.tool_choice;
  if (choice === 'none') out.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
  else if (choice === 'required') out.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
  else if (choice === 'auto') out.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
  else if (obj(choice)) {
    const name = str(obj(obj(choice)!.function)?.name);
    if (!name) throw badRequest(provider, 'tool_choice.function.name is required');
    out.toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
  }
  return out;
}

/** Google's own OpenAI-compatibility mapping of `reasoning_effort` to a thinking budget. */
const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 0, low: 1024, medium: 8192, high: 24576 };

function generationConfig(provider: string, body: Json): Json {
  const g: Json = {};
  const copy = (from: string, to: string): void => {
    if (typeof body[from] === 'number') g[to] = body[from];
  };
  copy('temperature', 'temperature');
  copy('top_p', 'topP');
  copy('top_k', 'topK');
  copy('max_tokens', 'maxOutputTokens');
  copy('max_completion_tokens', 'maxOutputTokens');
  copy('n', 'candidateCount');
  copy('seed', 'seed');
  copy('presence_penalty', 'presencePenalty');
  copy('frequency_penalty', 'frequencyPenalty');
  if (typeof body.stop === 'string') g.stopSequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) g.stopSequences = body.stop;
  const format = obj(body.response_format);
  if (format?.type === 'json_object') g.responseMimeType = 'application/json';
  else if (format?.type === 'json_schema') {
    const schema = obj(obj(format.json_schema)?.schema);
    if (!schema) throw badRequest(provider, 'response_format.json_schema.schema is required');
    g.responseMimeType = 'application/json';
    g.responseJsonSchema = schema; // JSON Schema, like parametersJsonSchema (not the OpenAPI-subset responseSchema)
  }
  const effort = str(body.reasoning_effort);
  if (effort !== undefined && THINKING_BUDGET[effort] !== undefined) g.thinkingConfig = { thinkingBudget: THINKING_BUDGET[effort] };
  return g;
}

/**
 * Build the Gemini request body from an OpenAI chat body and the client's headers.
 * `defaultSafety` (from config) is used when the client sent no safety header.
 * @throws {ProviderError} bad_request for input Gemini cannot express or a malformed safety header.
 * @example geminiRequest('gemini', { messages: [{ role: 'user', content: 'hi' }] }, {})
 */
export function geminiRequest(provider: string, body: Json, headers: HeaderMap, defaultSafety?: readonly Json[]): Json {
  const { contents: turns, system } = contents(provider, body.messages);
  const out: Json = { contents: turns };
  if (system.length > 0) out.systemInstruction = { parts: system };
  Object.assign(out, tools(provider, body));
  let safety: Json[] | undefined;
  try {
    safety = parseSafetySettings(headers[SAFETY_HEADER]);
  } catch (error) {
    throw badRequest(provider, (error as Error).message);
  }
  if (safety ?? defaultSafety) out.safetySettings = safety ?? defaultSafety;
  const g = generationConfig(provider, body);
  if (Object.keys(g).length > 0) out.generationConfig = g;
  return out;
}
