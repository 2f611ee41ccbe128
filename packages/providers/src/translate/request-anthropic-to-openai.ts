/**
 * An Anthropic Messages request body to an OpenAI Chat Completions request body (OpenAI and
 * every OpenAI-compatible server: vLLM, Ollama, Gemini, Mistral, …).
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @module
 */
import { TranslationNotes, isObj, untranslatable, type Json } from './common.js';

/** Options of {@link anthropicRequestToOpenAI}. */
export interface AnthropicToOpenAIOptions {
  /**
   * Field that carries `max_tokens`. OpenAI's reasoning models only accept
   * `max_completion_tokens`; many OpenAI-compatible servers only know `max_tokens`.
   * Defaults to `max_tokens`.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /**
   * Map Anthropic `thinking` (and `output_config.effort`) to `reasoning_effort`. Off by default
   * because non-reasoning models (gpt-4o, most vLLM models) reject `reasoning_effort` with a 400,
   * and Claude clients (Claude Code) send `thinking` on every request. Defaults to false.
   */
  thinkingToReasoningEffort?: boolean;
}

/** OpenAI request fields an Anthropic-format client may send: passed through to an OpenAI-format provider. */
const OPENAI_PASSTHROUGH = new Set([
  'seed',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'frequency_penalty',
  'presence_penalty',
  'response_format',
  'reasoning_effort',
  'parallel_tool_calls',
  'user',
  'store',
  'prediction',
  'verbosity',
  'prompt_cache_key',
  'safety_identifier',
  'max_completion_tokens',
  'modalities',
  'audio',
  'web_search_options',
  'n',
]);
/** Anthropic fields that change what the model does and have no OpenAI equivalent: 400. */
const REJECTED = new Set(['container', 'mcp_servers', 'context_management']);
const HANDLED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'temperature',
  'top_p',
  'stop_sequences',
  'stream',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'output_config',
  'output_format',
]);

/**
 * Translate an Anthropic Messages request into an OpenAI chat request. Fields that cannot be
 * carried throw a 400 {@link untranslatable} error; dropped or approximated ones go in `notes`.
 * @throws {GatewayError} 400 with `param` naming the field.
 * @example
 * anthropicRequestToOpenAI({ model: 'gpt-4o', max_tokens: 64, system: 'Be brief', messages: [{ role: 'user', content: 'Hi' }] })
 * // { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }], max_tokens: 64 }
 */
export function anthropicRequestToOpenAI(body: Json, notes = new TranslationNotes(), options: AnthropicToOpenAIOptions = {}): Json {
  for (const key of Object.keys(body)) {
    if (REJECTED.has(key) && body[key] !== null && body[key] !== undefined) throw untranslatable(key, `${key} cannot be served by an OpenAI-format provider`);
  }
  if (typeof body.n === 'number' && body.n > 1) throw untranslatable('n', 'n > 1 cannot be returned to an Anthropic client');
  const out: Json = { model: body.model };
  const messages: Json[] = [];
  const system = systemText(body.system, notes);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  if (!Array.isArray(body.messages)) throw untranslatable('messages', 'messages must be an array');
  body.messages.forEach((m: unknown, i) => messages.push(...translateMessage(m, `messages[${i}]`, notes)));
  out.messages = messages;
  if (typeof body.max_tokens === 'number') out[options.maxTokensField ?? 'max_tokens'] = body.max_tokens;
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  if (body.stream === true) {
    out.stream = true;
    // Without it OpenAI sends no usage at all in a stream.
    out.stream_options = { include_usage: true };
  }
  translateTools(body, out, notes);
  if (isObj(body.metadata) && typeof body.metadata.user_id === 'string') out.user = body.metadata.user_id;
  translateThinking(body, out, notes, options.thinkingToReasoningEffort === true);
  translateOutputFormat(body, out);
  for (const key of Object.keys(body)) {
    if (HANDLED.has(key) || REJECTED.has(key) || key === 'n') continue;
    if (OPENAI_PASSTHROUGH.has(key)) out[key] = body[key];
    // Anthropic-only (top_k, service_tier, cache_control, inference_geo, speed, …) and unknown fields.
    else if (body[key] !== null && body[key] !== undefined) notes.drop(key);
  }
  if (body.n === 1) out.n = 1;
  return out;
}

function systemText(system: unknown, notes: TranslationNotes): string | undefined {
  if (typeof system === 'string') return system === '' ? undefined : system;
  if (system === undefined || system === null) return undefined;
  if (!Array.isArray(system)) throw untranslatable('system', 'system must be a string or an array of text blocks');
  const texts = system.map((block: unknown, i) => {
    if (!isObj(block) || block.type !== 'text' || typeof block.text !== 'string') throw untranslatable(`system[${i}]`, 'system blocks must be text blocks');
    noteBlockExtras(block, notes);
    return block.text;
  });
  // Several system blocks exist for cache breakpoints; their text reads the same joined.
  return texts.length === 0 ? undefined : texts.join('\n\n');
}

function noteBlockExtras(block: Json, notes: TranslationNotes): void {
  if (block.cache_control !== undefined && block.cache_control !== null) notes.drop('cache_control');
  if (block.citations !== undefined && block.citations !== null) notes.drop('citations');
}

function translateMessage(m: unknown, at: string, notes: TranslationNotes): Json[] {
  if (!isObj(m)) throw untranslatable(at, 'each message must be an object');
  if (m.role !== 'user' && m.role !== 'assistant') throw untranslatable(`${at}.role`, `message role ${JSON.stringify(m.role)} is not an Anthropic role`);
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  if (!Array.isArray(m.content)) throw untranslatable(`${at}.content`, 'content must be a string or an array of blocks');
  return m.role === 'user' ? userMessages(m.content, `${at}.content`, notes) : [assistantMessage(m.content, `${at}.content`, notes)];
}

function userMessages(blocks: unknown[], at: string, notes: TranslationNotes): Json[] {
  const tools: Json[] = [];
  const parts: Json[] = [];
  blocks.forEach((block: unknown, j) => {
    const here = `${at}[${j}]`;
    if (!isObj(block)) throw untranslatable(here, 'content blocks must be objects');
    noteBlockExtras(block, notes);
    if (block.type === 'tool_result') {
      const { text, images } = toolResultContent(block, here, notes);
      tools.push({ role: 'tool', tool_call_id: block.tool_use_id, content: text });
      // OpenAI tool messages carry text only: images a tool returned follow as a user message.
      if (images.length > 0) {
        notes.approximate('tool_result.content.image');
        parts.push(...images);
      }
    } else {
      parts.push(...userPart(block, here, notes));
    }
  });
  // OpenAI wants tool messages right after the assistant's tool_calls, so they come first.
  const out = [...tools];
  if (parts.length > 0) out.push({ role: 'user', content: parts.length === 1 && parts[0]!.type === 'text' ? parts[0]!.text : parts });
  return out;
}

function userPart(block: Json, at: string, notes: TranslationNotes): Json[] {
  switch (block.type) {
    case 'text':
      return [{ type: 'text', text: block.text }];
    case 'image':
      return [imagePart(block, at)];
    case 'document':
      return [documentPart(block, at, notes)];
    case 'thinking':
    case 'redacted_thinking':
      notes.drop('thinking');
      return [];
    default:
      throw untranslatable(`${at}.type`, `content block type ${JSON.stringify(block.type)} cannot be sent to an OpenAI-format provider`);
  }
}

function imagePart(block: Json, at: string): Json {
  const source = isObj(block.source) ? block.source : {};
  if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${String(source.media_type)};base64,${String(source.data)}` } };
  if (source.type === 'url') return { type: 'image_url', image_url: { url: source.url } };
  throw untranslatable(`${at}.source.type`, `image source ${JSON.stringify(source.type)} cannot be sent to an OpenAI-format provider`);
}

function documentPart(block: Json, at: string, notes: TranslationNotes): Json {
  const source = isObj(block.source) ? block.source : {};
  const name = typeof block.title === 'string' ? block.title : 'document.pdf';
  if (source.type === 'base64' && source.media_type === 'application/pdf') {
    return { type: 'file', file: { filename: name, file_data: `data:application/pdf;base64,${String(source.data)}` } };
  }
  if (source.type === 'text' && typeof source.data === 'string') {
    if (block.title !== undefined || block.context !== undefined) notes.approximate('document');
    const header = [block.title, block.context].filter((v) => typeof v === 'string').join('\n');
    return { type: 'text', text: header ? `${header}\n\n${source.data}` : source.data };
  }
  throw untranslatable(
    `${at}.source.type`,
    `document source ${JSON.stringify(source.type)} cannot be sent to an OpenAI-format provider (send base64 PDF or text)`,
  );
}

function toolResultContent(block: Json, at: string, notes: TranslationNotes): { text: string; images: Json[] } {
  const images: Json[] = [];
  let text = '';
  if (typeof block.content === 'string') text = block.content;
  else if (Array.isArray(block.content)) {
    const texts: string[] = [];
    block.content.forEach((inner: unknown, k) => {
      const here = `${at}.content[${k}]`;
      if (!isObj(inner)) throw untranslatable(here, 'tool result blocks must be objects');
      noteBlockExtras(inner, notes);
      if (inner.type === 'text' && typeof inner.text === 'string') texts.push(inner.text);
      else if (inner.type === 'image') images.push(imagePart(inner, here));
      else if (inner.type === 'document') {
        const part = documentPart(inner, here, notes);
        if (part.type === 'text') texts.push(part.text as string);
        else images.push(part);
      } else throw untranslatable(`${here}.type`, `tool result block type ${JSON.stringify(inner.type)} cannot be sent to an OpenAI-format provider`);
    });
    text = texts.join('\n');
  }
  if (block.is_error === true) {
    // OpenAI tool messages have no error flag: say it in the text the model reads.
    notes.approximate('tool_result.is_error');
    text = `Error: ${text}`;
  }
  return { text, images };
}

function assistantMessage(blocks: unknown[], at: string, notes: TranslationNotes): Json {
  let text = '';
  const toolCalls: Json[] = [];
  blocks.forEach((block: unknown, j) => {
    const here = `${at}[${j}]`;
    if (!isObj(block)) throw untranslatable(here, 'content blocks must be objects');
    noteBlockExtras(block, notes);
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      // Only Anthropic can verify a thinking signature; OpenAI-format servers cannot take it back.
      notes.drop('thinking');
    } else {
      throw untranslatable(`${here}.type`, `content block type ${JSON.stringify(block.type)} cannot be sent to an OpenAI-format provider`);
    }
  });
  const message: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function translateTools(body: Json, out: Json, notes: TranslationNotes): void {
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    out.tools = body.tools.map((tool: unknown, i) => {
      if (!isObj(tool)) throw untranslatable(`tools[${i}]`, 'each tool must be an object');
      if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
        throw untranslatable(`tools[${i}].type`, `Anthropic server tool ${JSON.stringify(tool.type)} cannot be served by an OpenAI-format provider`);
      }
      const fn: Json = { name: tool.name };
      if (typeof tool.description === 'string') fn.description = tool.description;
      fn.parameters = isObj(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} };
      if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
      for (const extra of ['cache_control', 'input_examples', 'defer_loading', 'allowed_callers', 'eager_input_streaming']) {
        if (tool[extra] !== undefined && tool[extra] !== null) notes.drop(`tools[].${extra}`);
      }
      return { type: 'function', function: fn };
    });
  }
  const choice = body.tool_choice;
  if (!isObj(choice)) return;
  if (choice.type === 'auto') out.tool_choice = 'auto';
  else if (choice.type === 'any') out.tool_choice = 'required';
  else if (choice.type === 'none') out.tool_choice = 'none';
  else if (choice.type === 'tool') out.tool_choice = { type: 'function', function: { name: choice.name } };
  else throw untranslatable('tool_choice.type', `tool_choice ${JSON.stringify(choice.type)} cannot be sent to an OpenAI-format provider`);
  if (choice.disable_parallel_tool_use === true && out.tools) out.parallel_tool_calls = false;
}

/** Anthropic thinking budget to OpenAI reasoning effort. */
function effortFor(budget: number): string {
  return budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high';
}

function translateThinking(body: Json, out: Json, notes: TranslationNotes, map: boolean): void {
  const thinking = body.thinking;
  const effort = isObj(body.output_config) ? body.output_config.effort : undefined;
  const enabled = isObj(thinking) && (thinking.type === 'enabled' || thinking.type === 'adaptive');
  if (!enabled && (effort === undefined || effort === null)) return;
  if (!map) {
    notes.drop(enabled ? 'thinking' : 'output_config.effort');
    return;
  }
  if (typeof effort === 'string') out.reasoning_effort = effort === 'low' || effort === 'medium' ? effort : 'high';
  else if (isObj(thinking) && typeof thinking.budget_tokens === 'number') out.reasoning_effort = effortFor(thinking.budget_tokens);
  else out.reasoning_effort = 'medium';
  notes.approximate('thinking');
}

function translateOutputFormat(body: Json, out: Json): void {
  // `output_format` is the beta spelling of `output_config.format`.
  const format =
    isObj(body.output_config) && isObj(body.output_config.format) ? body.output_config.format : isObj(body.output_format) ? body.output_format : undefined;
  if (!format) return;
  if (format.type !== 'json_schema' || !isObj(format.schema)) throw untranslatable('output_config.format', 'only json_schema output formats can be translated');
  out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
}
