/**
 * The one token estimator every package uses: budgets reserve with it, accounting estimates
 * cut streams with it, and `count_tokens` answers with it, so the three never disagree. It
 * counts with the o200k tokenizer (`o200k.ts`: compact tables from gpt-tokenizer's data, loaded
 * lazily: 4.3 MB) when loaded, else 4 characters per token. Provider tokenizers differ (Claude's
 * counts run higher), so it is an estimate; settlement books the provider's reported count.
 * @module
 */
import { familyOf, type ClientFormat } from './types.js';
import { clientJson } from './client-text.js';

/** Counts the tokens of a text. */
export type TokenCounter = (text: string) => number;

let loading: Promise<TokenCounter> | undefined;
let loaded: TokenCounter | undefined;

/** 4 characters per token: what the estimate falls back to before (or without) the tokenizer. */
export const approximateTokens: TokenCounter = (text) => Math.ceil(text.length / 4);

/**
 * Loads the o200k tokenizer once, lazily; resolves with a counter that treats special-token text
 * sent by a user as ordinary text. Falls back to {@link approximateTokens} if it cannot be loaded.
 * @example const count = await loadTokenCounter(); count('Hello, world!') // 4
 */
export function loadTokenCounter(): Promise<TokenCounter> {
  loading ??= import('./o200k.js')
    .then((o200k) => o200k.loadO200kCounter())
    .then(
      (count) => (loaded = count),
      () => (loaded = approximateTokens),
    );
  return loading;
}

/** The tokenizer if it has finished loading (so callers can stay synchronous), else undefined. */
export function loadedTokenCounter(): TokenCounter | undefined {
  return loaded;
}

type Json = Record<string, unknown>;

/** Role and framing tokens per message (the figure OpenAI documents for chat formats). */
export const MESSAGE_TOKENS = 4;
/** Tokens an image costs: OpenAI's high-detail tile ballpark; Anthropic's ~width*height/750 for a 1.15 MP image. */
const IMAGE_TOKENS = { openai: 765, anthropic: 1600 } as const;
/** Anthropic adds a tool-use system prompt when tools are present. */
const ANTHROPIC_TOOLS_TOKENS = 300;
/** Strings nested deeper than this are not counted: no real request nests text that deep. */
const MAX_DEPTH = 64;
/**
 * Keys whose values the model does not read as text: framing (`type`), ids, signatures, cache
 * hints, and binary or remote payloads (base64 `data`, image and audio sources).
 */
const NOT_TEXT = new Set(['type', 'id', 'tool_call_id', 'tool_use_id', 'signature', 'cache_control', 'data', 'url', 'image_url', 'input_audio', 'source']);
const IMAGE_PARTS = new Set(['image', 'image_url', 'input_image']);

/** What the model reads in a request: its texts and the fixed costs around them. */
export interface PromptParts {
  texts: string[];
  /** Tokens that do not come from text: message framing, images, documents, tool prompts. */
  fixedTokens: number;
}

/**
 * The texts a model reads in a request body (system, messages, tool definitions as JSON,
 * embeddings `input`, legacy `prompt`) and the fixed token costs around them.
 * @example promptParts('openai.chat', { messages: [{ role: 'user', content: 'Hi' }] }) // { texts: ['user', 'Hi'], fixedTokens: 4 }
 */
export function promptParts(format: ClientFormat, body: Json): PromptParts {
  const texts: string[] = [];
  const family = familyOf(format) === 'anthropic' ? 'anthropic' : 'openai';
  let fixedTokens = 0;
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'string') return void texts.push(value);
    if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
      return;
    }
    const part = value as Json;
    if (typeof part.type === 'string' && IMAGE_PARTS.has(part.type)) return void (fixedTokens += IMAGE_TOKENS[family]);
    if (part.type === 'document' && (part.source as Json | undefined)?.type === 'base64') return void (fixedTokens += 2 * IMAGE_TOKENS[family]);
    for (const key in part) if (!NOT_TEXT.has(key)) visit(part[key], depth + 1);
  };
  if (format === 'openai.embeddings') {
    visit(body.input, 0);
    return { texts, fixedTokens };
  }
  visit(body.system, 0);
  if (Array.isArray(body.messages)) {
    fixedTokens += body.messages.length * MESSAGE_TOKENS;
    visit(body.messages, 0);
  }
  visit(body.input, 0);
  visit(body.prompt, 0);
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    texts.push(clientJson(body.tools, 'tools'));
    if (family === 'anthropic') fixedTokens += ANTHROPIC_TOOLS_TOKENS;
  }
  return { texts, fixedTokens };
}

/**
 * Characters of one call's texts counted by the tokenizer (256 Ki); the rest is estimated at the
 * tokens per character of those, and never above its UTF-8 bytes ({@link inputTokenBound}'s
 * rule). The tokenizer costs ~75 ns per character of ordinary text and ~240 ns on text made to
 * merge (a 10 MB run of one letter): counted whole, a 10 MB body held the event loop 0.75-2.4 s.
 */
export const EXACT_TOKEN_CHARS = 256 * 1024;

/**
 * The tokens of `texts` through `count` (the tokenizer when loaded, else 4 characters per token):
 * the first {@link EXACT_TOKEN_CHARS} characters counted, the rest extrapolated.
 * @example countTexts(['Hello, world!']) // 4 with the tokenizer loaded
 */
export function countTexts(texts: readonly string[], count: TokenCounter = loaded ?? approximateTokens): number {
  let counted = 0;
  let countedChars = 0;
  let restChars = 0;
  let restBytes = 0;
  for (const t of texts) {
    if (t.length === 0) continue;
    const room = EXACT_TOKEN_CHARS - countedChars;
    if (t.length <= room) {
      counted += count(t);
      countedChars += t.length;
      continue;
    }
    const part = room > 0 ? t.slice(0, room) : '';
    if (part) counted += count(part);
    countedChars += part.length;
    restChars += t.length - part.length;
    restBytes += Buffer.byteLength(t, 'utf8') - Buffer.byteLength(part, 'utf8');
  }
  return counted + (restChars === 0 ? 0 : Math.min(restBytes, Math.ceil((restChars * counted) / countedChars)));
}

/**
 * Estimates the input tokens of a request: {@link promptParts}' texts through {@link countTexts}
 * plus the fixed costs.
 * @example estimateInputTokens({ format: 'openai.chat', body: { messages: [{ role: 'user', content: 'Hello, world!' }] } }) // 9 with the tokenizer loaded
 */
export function estimateInputTokens(exchange: { format: ClientFormat; body: Json }, count: TokenCounter = loaded ?? approximateTokens): number {
  const { texts, fixedTokens } = promptParts(exchange.format, exchange.body);
  return fixedTokens + countTexts(texts, count);
}

/**
 * A cheap upper bound of {@link estimateInputTokens}, far cheaper than tokenizing: o200k is a
 * byte-level BPE, so every token covers at least one byte of the UTF-8 text, and the text's byte
 * length bounds its token count (rare characters split into several tokens still fit).
 * @example inputTokenBound({ format: 'openai.chat', body: { messages: [{ role: 'user', content: 'Hello, world!' }] } }) // 21
 */
export function inputTokenBound(exchange: { format: ClientFormat; body: Json }): number {
  const { texts, fixedTokens } = promptParts(exchange.format, exchange.body);
  let tokens = fixedTokens;
  for (const t of texts) tokens += Buffer.byteLength(t, 'utf8');
  return tokens;
}
