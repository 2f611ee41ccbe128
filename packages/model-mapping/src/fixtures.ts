import { Exchange, type ClientFormat, type Principal } from '@switchyard/core';
import type { MappingConfig } from './config.js';

/** Loom's "Complete Example" (`ai_gateway`), as the gateway's config loader hands it over. */
export const LOOM_CONFIG: MappingConfig = {
  providers: [
    { name: 'openai', type: 'openai', models: ['gpt-4', 'gpt-3.5-turbo'], cost: { input_per_1k: 0.01, output_per_1k: 0.03 } },
    { name: 'anthropic', type: 'anthropic', models: ['claude-3-opus', 'claude-3-sonnet'], cost: { input_per_1k: 0.015, output_per_1k: 0.075 } },
    { name: 'local', type: 'openai', base_url: 'http://llm-server:8000/v1', models: ['llama-2-70b'], cost: { input_per_1k: 0.0, output_per_1k: 0.0 } },
  ],
  routing: {
    strategy: 'priority',
    providers: [
      { name: 'openai', priority: 1 },
      { name: 'anthropic', priority: 2 },
      { name: 'local', priority: 3 },
    ],
  },
  model_mapping: {
    'gpt-4': { openai: 'gpt-4-turbo-preview', anthropic: 'claude-3-opus-20240229', local: 'llama-2-70b' },
  },
};

/** Build an exchange for a chat request. */
export function chat(body: Record<string, unknown>, opts: { principal?: Principal; headers?: Record<string, string>; format?: ClientFormat } = {}): Exchange {
  const ex = new Exchange({ format: opts.format ?? 'openai.chat', body, headers: opts.headers ?? {} });
  if (opts.principal) ex.principal = opts.principal;
  return ex;
}
