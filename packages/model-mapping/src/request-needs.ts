import { clientJson, requestedOutputTokens, type ClientFormat } from '@switchyard/core';

/** What a request needs from a target, read cheaply from its body. */
export interface RequestNeeds {
  tools: boolean;
  vision: boolean;
  jsonSchema: boolean;
  embeddings: boolean;
  prefill: boolean;
  /** Estimated prompt tokens (characters / 4, images at a flat rate). */
  inputTokens: number;
  /** Output tokens the client asked room for (`max_tokens` and friends), 0 when unstated. */
  maxOutputTokens: number;
}

/** Flat token estimate of one image: close to a 512x512 tile on OpenAI and Anthropic. */
const IMAGE_TOKENS = 765;

/** Tool results nested in tool results deeper than this are not counted (no real request does it). */
const MAX_NESTING = 16;

function textLength(value: unknown, seen: { images: number }, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (!Array.isArray(value) || depth > MAX_NESTING) return 0;
  let n = 0;
  for (const part of value) {
    if (typeof part === 'string') {
      n += part.length;
      continue;
    }
    if (!part || typeof part !== 'object') continue;
    const p = part as Record<string, unknown>;
    if (p.type === 'image_url' || p.type === 'image' || p.type === 'input_image') {
      seen.images++;
      continue;
    }
    if (typeof p.text === 'string') n += p.text.length;
    else if (p.type === 'tool_result' || p.type === 'tool_use')
      n += textLength(p.content, seen, depth + 1) + (p.input ? clientJson(p.input, 'messages').length : 0);
  }
  return n;
}

/**
 * Read what a request needs (tools, images, JSON schema, prefill) and estimate its prompt
 * tokens without a tokenizer: on the hot path a character count is close enough to decide
 * whether a context window is too small. Base64 images are never scanned character by character.
 *
 * @example requestNeeds('openai.chat', { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] }).inputTokens // 1
 */
export function requestNeeds(format: ClientFormat, body: Record<string, unknown>): RequestNeeds {
  const seen = { images: 0 };
  let chars = 0;
  let prefill = false;
  if (format === 'openai.embeddings') {
    const input = body.input;
    chars =
      typeof input === 'string'
        ? input.length
        : Array.isArray(input)
          ? input.reduce((n: number, s) => n + (typeof s === 'string' ? s.length : Array.isArray(s) ? s.length * 4 : 0), 0)
          : 0;
  } else {
    const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
    for (const message of messages) {
      if (!message || typeof message !== 'object') continue;
      chars += textLength(message.content, seen) + 4; // role and framing
      if (Array.isArray(message.tool_calls)) chars += clientJson(message.tool_calls, 'messages').length;
    }
    chars += textLength(body.system, seen);
    const last = messages[messages.length - 1];
    prefill = format.startsWith('anthropic.') && last?.role === 'assistant';
  }
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  if (tools) chars += clientJson(body.tools, 'tools').length;
  const rf = body.response_format as { type?: unknown; json_schema?: unknown } | undefined;
  const jsonSchema = rf?.type === 'json_schema' || (body.output_format as { type?: unknown } | undefined)?.type === 'json_schema';
  if (jsonSchema) chars += clientJson(rf?.json_schema ?? body.output_format ?? '', rf?.json_schema ? 'response_format' : 'output_format').length;
  const maxOut = requestedOutputTokens(format, body);
  return {
    tools,
    vision: seen.images > 0,
    jsonSchema,
    embeddings: format === 'openai.embeddings',
    prefill,
    inputTokens: Math.ceil(chars / 4) + seen.images * IMAGE_TOKENS,
    maxOutputTokens: maxOut && maxOut > 0 ? maxOut : 0,
  };
}
