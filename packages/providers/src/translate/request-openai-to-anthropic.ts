/**
 * An OpenAI Chat Completions request body to an Anthropic Messages request body.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @see https://docs.anthropic.com/en/api/messages
 * @module
 */
import { TranslationNotes, isObj, parseArguments, parseDataUrl, untranslatable, type Json } from './common.js';

/** Anthropic requires `max_tokens`; this is sent when the OpenAI client gave none. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/** Options of {@link openAIRequestToAnthropic}. */
export interface OpenAIToAnthropicOptions {
  /** `max_tokens` when the client sent neither `max_tokens` nor `max_completion_tokens`. Defaults to 4096. */
  defaultMaxTokens?: number;
}

/** `reasoning_effort` to an Anthropic thinking budget (capped below max_tokens). */
const THINKING_BUDGET: Record<string, number> = { low: 1024, medium: 4096, high: 16384, xhigh: 32768 };
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Anthropic request fields an OpenAI-format client may send: passed through untouched to an Anthropic provider. */
const ANTHROPIC_PASSTHROUGH = new Set([
  'top_k',
  'thinking',
  'output_config',
  'context_management',
  'container',
  'mcp_servers',
  'cache_control',
  'inference_geo',
]);
/** Fields whose meaning cannot be carried: a 400 naming the field. */
const REJECTED: Record<string, (value: unknown) => string | undefined> = {
  n: (v) => (typeof v === 'number' && v > 1 ? 'n > 1 (several choices) cannot be served by an Anthropic provider' : undefined),
  logprobs: (v) => (v === true ? 'logprobs are not available from an Anthropic provider' : undefined),
  top_logprobs: (v) => (v !== null && v !== undefined ? 'top_logprobs are not available from an Anthropic provider' : undefined),
  audio: (v) => (v !== null && v !== undefined ? 'audio output is not available from an Anthropic provider' : undefined),
  modalities: (v) => (Array.isArray(v) && v.some((m) => m !== 'text') ? 'only the text modality is available from an Anthropic provider' : undefined),
  functions: () => 'the deprecated functions field is not translated; send tools',
  function_call: () => 'the deprecated function_call field is not translated; send tool_choice',
  web_search_options: (v) => (v !== null && v !== undefined ? 'OpenAI web search cannot be served by an Anthropic provider' : undefined),
};
const HANDLED = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
  'reasoning_effort',
]);

/**
 * Translate an OpenAI chat request into an Anthropic Messages request. Fields that cannot be
 * carried throw a 400 {@link untranslatable} error; fields that are dropped or approximated are
 * recorded in `notes`.
 * @throws {GatewayError} 400 with `param` naming the field.
 * @example
 * openAIRequestToAnthropic({ model: 'claude', messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }] })
 * // { model: 'claude', system: 'Be brief', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4096 }
 */
export function openAIRequestToAnthropic(body: Json, notes = new TranslationNotes(), options: OpenAIToAnthropicOptions = {}): Json {
  for (const key of Object.keys(body)) {
    const reject = REJECTED[key]?.(body[key]);
    if (reject) throw untranslatable(key, reject);
  }
  const out: Json = { model: body.model };
  const { system, messages } = translateMessages(body.messages, notes);
  if (system !== undefined) out.system = system;
  out.messages = messages;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  out.max_tokens = typeof maxTokens === 'number' ? maxTokens : (options.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS);
  if (typeof body.temperature === 'number') {
    // OpenAI's range is 0..2, Anthropic's 0..1.
    if (body.temperature > 1) notes.approximate('temperature');
    out.temperature = Math.min(1, body.temperature);
  }
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (typeof body.stop === 'string') out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) out.stop_sequences = body.stop;
  if (body.stream === true) out.stream = true;
  translateTools(body, out);
  translateResponseFormat(body.response_format, out, notes);
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  translateReasoning(body.reasoning_effort, out, notes);
  for (const key of Object.keys(body)) {
    if (HANDLED.has(key) || key in REJECTED) continue;
    if (ANTHROPIC_PASSTHROUGH.has(key)) out[key] = body[key];
    // OpenAI-only fields (seed, logit_bias, service_tier, store, metadata, penalties, …) and
    // unknown ones: the Anthropic API would reject them, so they go, named in the warning header.
    else if (body[key] !== null && body[key] !== undefined) notes.drop(key);
  }
  return out;
}

function translateMessages(raw: unknown, notes: TranslationNotes): { system?: string | Json[]; messages: Json[] } {
  if (!Array.isArray(raw)) throw untranslatable('messages', 'messages must be an array');
  const system: Json[] = [];
  const messages: Json[] = [];
  const push = (role: 'user' | 'assistant', blocks: Json[]): void => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    // Anthropic alternates roles: consecutive tool results and user turns become one user message.
    if (last && last.role === role) (last.content as Json[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  raw.forEach((m: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isObj(m)) throw untranslatable(at, 'each message must be an object');
    if (m.name !== undefined && m.name !== null) notes.drop('messages[].name');
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...contentBlocks(m.content, `${at}.content`, notes, true));
        break;
      case 'user':
        push('user', contentBlocks(m.content, `${at}.content`, notes, false));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(m, at, notes));
        break;
      case 'tool':
        push('user', [toolResult(m, at, notes)]);
        break;
      default:
        throw untranslatable(`${at}.role`, `message role ${JSON.stringify(m.role)} cannot be translated`);
    }
  });
  // A single plain system text stays a string; anything richer (cache_control, several parts) stays blocks.
  const plain = system.length === 1 && Object.keys(system[0]!).length === 2;
  return { system: system.length === 0 ? undefined : plain ? (system[0]!.text as string) : system, messages: collapse(messages) };
}

/** A user message that is one plain text block is sent as a string, as the client most likely did. */
function collapse(messages: Json[]): Json[] {
  return messages.map((m) => {
    const blocks = m.content as Json[];
    return blocks.length === 1 && blocks[0]!.type === 'text' && Object.keys(blocks[0]!).length === 2 ? { ...m, content: blocks[0]!.text } : m;
  });
}

function contentBlocks(content: unknown, at: string, notes: TranslationNotes, textOnly: boolean): Json[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw untranslatable(at, 'content must be a string or an array of parts');
  const out: Json[] = [];
  content.forEach((part: unknown, j) => {
    const here = `${at}[${j}]`;
    if (!isObj(part)) throw untranslatable(here, 'content parts must be objects');
    let block: Json;
    if (part.type === 'text' || part.type === 'refusal') {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (typeof text !== 'string' || text === '') return;
      block = { type: 'text', text };
    } else if (textOnly) {
      throw untranslatable(`${here}.type`, `a ${String(part.type)} part cannot be sent in a system message to an Anthropic provider`);
    } else if (part.type === 'image_url') {
      block = imageBlock(part, here, notes);
    } else if (part.type === 'file') {
      block = fileBlock(part, here);
    } else {
      throw untranslatable(`${here}.type`, `content part type ${JSON.stringify(part.type)} cannot be sent to an Anthropic provider`);
    }
    // cache_control is Anthropic's own field: an OpenAI-format client may send it for Claude.
    if (part.cache_control !== undefined) block.cache_control = part.cache_control;
    out.push(block);
  });
  return out;
}

function imageBlock(part: Json, at: string, notes: TranslationNotes): Json {
  const image = isObj(part.image_url) ? part.image_url : { url: part.image_url };
  const url = image.url;
  if (typeof url !== 'string') throw untranslatable(`${at}.image_url.url`, 'image_url.url must be a string');
  if (image.detail !== undefined && image.detail !== 'auto') notes.drop('image_url.detail');
  if (url.startsWith('data:')) {
    const parsed = parseDataUrl(url);
    if (!parsed || !IMAGE_TYPES.has(parsed.mediaType)) {
      throw untranslatable(`${at}.image_url.url`, 'an image data URL must be base64 JPEG, PNG, GIF or WebP for an Anthropic provider');
    }
    return { type: 'image', source: { type: 'base64', media_type: parsed.mediaType, data: parsed.data } };
  }
  if (!/^https?:\/\//i.test(url)) throw untranslatable(`${at}.image_url.url`, 'image_url.url must be an http(s) or data URL');
  return { type: 'image', source: { type: 'url', url } };
}

function fileBlock(part: Json, at: string): Json {
  const file = isObj(part.file) ? part.file : {};
  if (typeof file.file_data !== 'string') throw untranslatable(`${at}.file`, 'only inline file_data (not file_id) can be sent to an Anthropic provider');
  const parsed = parseDataUrl(file.file_data);
  const title = typeof file.filename === 'string' ? { title: file.filename } : {};
  if (parsed?.mediaType === 'application/pdf')
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.data }, ...title };
  if (parsed?.mediaType === 'text/plain') {
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(parsed.data, 'base64').toString('utf8') }, ...title };
  }
  throw untranslatable(`${at}.file.file_data`, 'only PDF and plain-text files can be sent to an Anthropic provider');
}

function assistantBlocks(m: Json, at: string, notes: TranslationNotes): Json[] {
  if (m.audio !== undefined && m.audio !== null) throw untranslatable(`${at}.audio`, 'assistant audio cannot be sent to an Anthropic provider');
  if (m.function_call !== undefined && m.function_call !== null)
    throw untranslatable(`${at}.function_call`, 'the deprecated function_call is not translated; send tool_calls');
  const blocks: Json[] = [];
  // Signed thinking blocks (as this gateway returns them) must go back first, unchanged, or
  // Claude rejects a tool-use continuation with thinking enabled.
  if (Array.isArray(m.thinking_blocks)) {
    for (const b of m.thinking_blocks) if (isObj(b) && (b.type === 'thinking' || b.type === 'redacted_thinking')) blocks.push(b);
  } else if (typeof m.reasoning_content === 'string' && m.reasoning_content !== '') {
    notes.drop('messages[].reasoning_content');
  }
  blocks.push(...contentBlocks(m.content, `${at}.content`, notes, false));
  if (Array.isArray(m.tool_calls)) {
    m.tool_calls.forEach((call: unknown, k) => {
      const here = `${at}.tool_calls[${k}]`;
      if (!isObj(call) || call.type !== 'function' || !isObj(call.function))
        throw untranslatable(here, 'only function tool calls can be sent to an Anthropic provider');
      const input = parseArguments(call.function.arguments);
      if (!input) throw untranslatable(`${here}.function.arguments`, 'tool call arguments must be a JSON object');
      blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
    });
  }
  return blocks;
}

function toolResult(m: Json, at: string, notes: TranslationNotes): Json {
  if (typeof m.tool_call_id !== 'string') throw untranslatable(`${at}.tool_call_id`, 'a tool message needs tool_call_id');
  const result: Json = { type: 'tool_result', tool_use_id: m.tool_call_id };
  if (typeof m.content === 'string') result.content = m.content;
  else result.content = contentBlocks(m.content, `${at}.content`, notes, false);
  return result;
}

function translateTools(body: Json, out: Json): void {
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    out.tools = body.tools.map((tool: unknown, i) => {
      if (!isObj(tool) || tool.type !== 'function' || !isObj(tool.function)) {
        throw untranslatable(`tools[${i}].type`, 'only function tools can be sent to an Anthropic provider');
      }
      const fn = tool.function;
      const t: Json = { name: fn.name };
      if (typeof fn.description === 'string') t.description = fn.description;
      t.input_schema = isObj(fn.parameters) ? fn.parameters : { type: 'object', properties: {} };
      if (typeof fn.strict === 'boolean') t.strict = fn.strict;
      if (tool.cache_control !== undefined) t.cache_control = tool.cache_control;
      return t;
    });
  }
  const choice = body.tool_choice;
  let tc: Json | undefined;
  if (choice === 'none') tc = { type: 'none' };
  else if (choice === 'auto') tc = { type: 'auto' };
  else if (choice === 'required') tc = { type: 'any' };
  else if (isObj(choice)) {
    if (choice.type !== 'function' || !isObj(choice.function))
      throw untranslatable('tool_choice', `tool_choice type ${JSON.stringify(choice.type)} cannot be sent to an Anthropic provider`);
    tc = { type: 'tool', name: choice.function.name };
  }
  if (body.parallel_tool_calls === false && out.tools) {
    tc ??= { type: 'auto' };
    if (tc.type !== 'none') tc.disable_parallel_tool_use = true;
  }
  if (tc) out.tool_choice = tc;
}

function translateResponseFormat(format: unknown, out: Json, notes: TranslationNotes): void {
  if (!isObj(format) || format.type === 'text') return;
  if (format.type === 'json_schema' && isObj(format.json_schema) && isObj(format.json_schema.schema)) {
    out.output_config = { format: { type: 'json_schema', schema: format.json_schema.schema } };
    return;
  }
  if (format.type === 'json_object') {
    // Anthropic has no "any JSON object" mode: ask for it in the system prompt instead.
    notes.approximate('response_format');
    const instruction = { type: 'text', text: 'Respond only with a single valid JSON object.' };
    out.system =
      out.system === undefined
        ? instruction.text
        : typeof out.system === 'string'
          ? [{ type: 'text', text: out.system }, instruction]
          : [...(out.system as Json[]), instruction];
    return;
  }
  throw untranslatable('response_format.type', `response_format ${JSON.stringify(format.type)} cannot be sent to an Anthropic provider`);
}

function translateReasoning(effort: unknown, out: Json, notes: TranslationNotes): void {
  if (typeof effort !== 'string' || effort === 'none' || effort === 'minimal') return;
  const wanted = THINKING_BUDGET[effort];
  const max = out.max_tokens as number;
  const budget = wanted === undefined ? undefined : Math.min(wanted, max - 1);
  if (budget === undefined || budget < 1024) {
    notes.drop('reasoning_effort');
    return;
  }
  if (budget !== wanted) notes.approximate('reasoning_effort');
  out.thinking = { type: 'enabled', budget_tokens: budget };
}
