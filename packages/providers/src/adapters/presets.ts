/**
 * Presets of the `openai-compatible` adapter for well-known hosts: a default `base_url`, whether
 * a key is required, which formats the host serves, and small request-body fixes for each
 * host's known deviations. Everything else is the faithful OpenAI pass-through.
 * @module
 */
import type { ClientFormat } from '@switchyard/core';
import type { ProviderAdapter, ProviderConfig } from '../adapter.js';
import { ProviderError } from '../provider-error.js';
import { createOpenAICompatibleAdapter } from './openai.js';
import { badRequest, obj, type Json } from './openai-shapes.js';

/** One host's preset. */
export interface OpenAICompatiblePreset {
  /** Used when config has no `base_url`; without one, `base_url` is required. */
  baseUrl?: string;
  /** Whether a call without `api_key` fails with `auth` before reaching the host. */
  keyRequired: boolean;
  formats: readonly ClientFormat[];
  /** Known deviations from OpenAI, for the README and for reviewers. */
  deviations: readonly string[];
  /** Rewrite the client body for this host (never mutates). Throws a ProviderError for what the host cannot do. */
  adjust?(body: Json, provider: string): Json;
}

const CHAT: readonly ClientFormat[] = ['openai.chat'];
const CHAT_AND_EMBEDDINGS: readonly ClientFormat[] = ['openai.chat', 'openai.embeddings'];

function without(body: Json, keys: readonly string[]): Json {
  if (!keys.some((k) => k in body)) return body;
  const out = { ...body };
  for (const k of keys) delete out[k];
  return out;
}

function mapMessages(body: Json, fn: (m: Json) => Json): Json {
  if (!Array.isArray(body.messages)) return body;
  return { ...body, messages: body.messages.map((m) => (obj(m) ? fn(obj(m)!) : m)) };
}

/** The presets by adapter type name. */
export const OPENAI_COMPATIBLE_PRESETS: Readonly<Record<string, OpenAICompatiblePreset>> = {
  vllm: {
    keyRequired: false,
    formats: CHAT_AND_EMBEDDINGS,
    deviations: [
      'base_url is required (your server, e.g. http://127.0.0.1:8000/v1); the key is optional (--api-key)',
      'extra sampling parameters (top_k, min_p, repetition_penalty, guided_json, …) pass through untouched',
      'reasoning models served with a reasoning parser stream `reasoning_content` in deltas; forwarded verbatim',
    ],
  },
  ollama: {
    baseUrl: 'http://127.0.0.1:11434/v1',
    keyRequired: false,
    formats: CHAT_AND_EMBEDDINGS,
    deviations: [
      'default base_url http://127.0.0.1:11434/v1, no key',
      '`max_completion_tokens` is sent as `max_tokens` (older Ollama versions only read max_tokens)',
      'ignores `n`, `logit_bias`, `tool_choice` (tools are always "auto") and logprobs: passed through, not enforced',
    ],
    adjust(body) {
      if (body.max_completion_tokens === undefined || body.max_tokens !== undefined) return body;
      const { max_completion_tokens, ...rest } = body;
      return { ...rest, max_tokens: max_completion_tokens };
    },
  },
  together: {
    baseUrl: 'https://api.together.xyz/v1',
    keyRequired: true,
    formats: CHAT_AND_EMBEDDINGS,
    deviations: [
      'extra sampling parameters (top_k, repetition_penalty, min_p) pass through',
      'tool calling only on models that support it (the host answers 400 otherwise)',
    ],
  },
  groq: {
    baseUrl: 'https://api.groq.com/openai/v1',
    keyRequired: true,
    formats: CHAT,
    deviations: [
      '`logprobs`, `top_logprobs` and `logit_bias` are rejected by Groq (400): dropped',
      '`messages[].name` is rejected by Groq: removed',
      '`n` other than 1 is rejected: answered with a 400 before the call',
      'no embeddings endpoint',
    ],
    adjust(body, provider) {
      if (typeof body.n === 'number' && body.n !== 1) throw badRequest(provider, 'Groq supports only n = 1');
      return mapMessages(without(body, ['logprobs', 'top_logprobs', 'logit_bias']), (m) => ('name' in m ? without(m, ['name']) : m));
    },
  },
  perplexity: {
    baseUrl: 'https://api.perplexity.ai',
    keyRequired: true,
    formats: CHAT,
    deviations: [
      'no tools / function calling: a request with `tools` is answered with a 400 before the call (silently dropping tools would change the answer)',
      'answers carry extra `citations` / `search_results` fields: forwarded verbatim',
      'messages after the system prompt must alternate user/assistant (the host answers 400 otherwise)',
      'no embeddings endpoint',
    ],
    adjust(body, provider) {
      if (Array.isArray(body.tools) && body.tools.length > 0) throw badRequest(provider, 'Perplexity does not support tools');
      return without(body, ['tools', 'tool_choice', 'parallel_tool_calls']);
    },
  },
  deepseek: {
    baseUrl: 'https://api.deepseek.com',
    keyRequired: true,
    formats: CHAT,
    deviations: [
      '`deepseek-reasoner` streams `reasoning_content` in deltas (and returns it in messages): forwarded verbatim',
      'DeepSeek answers 400 when a previous `reasoning_content` is sent back in messages: removed from assistant messages',
      'no embeddings endpoint',
    ],
    adjust(body) {
      return mapMessages(body, (m) => ('reasoning_content' in m ? without(m, ['reasoning_content']) : m));
    },
  },
  fireworks: {
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    keyRequired: true,
    formats: CHAT_AND_EMBEDDINGS,
    deviations: ['model names are account paths (`accounts/fireworks/models/…`)', 'extra sampling parameters (top_k, min_p, repetition_penalty) pass through'],
  },
};

/**
 * The factory of one preset type (`ollama`, `groq`, …), for the adapter registry.
 * @example createPresetAdapter('ollama')({ name: 'local', type: 'ollama' })
 */
export function createPresetAdapter(type: string): (config: ProviderConfig) => ProviderAdapter {
  const preset = OPENAI_COMPATIBLE_PRESETS[type];
  if (!preset) throw new TypeError(`unknown openai-compatible preset ${JSON.stringify(type)} (known: ${Object.keys(OPENAI_COMPATIBLE_PRESETS).join(', ')})`);
  return function presetAdapter(config: ProviderConfig): ProviderAdapter {
    const base_url = config.base_url || preset.baseUrl;
    if (!base_url) throw new TypeError(`provider ${config.name}: type ${type} requires base_url`);
    const inner = createOpenAICompatibleAdapter({ ...config, base_url });
    return {
      name: inner.name,
      type,
      config,
      models: inner.models,
      supports: (format) => preset.formats.includes(format),
      classify: (info) => inner.classify(info),
      async invoke(call, context) {
        if (!preset.formats.includes(call.format)) throw badRequest(config.name, `provider ${config.name} (${type}) does not serve ${call.format}`);
        if (preset.keyRequired && !(call.apiKey ?? config.api_key))
          throw new ProviderError(`provider ${config.name} has no API key configured`, { kind: 'auth', provider: config.name });
        const body = preset.adjust ? preset.adjust(call.body, config.name) : call.body;
        return inner.invoke(body === call.body ? call : { ...call, body }, context);
      },
    };
  };
}
