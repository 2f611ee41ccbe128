import type { ExchangeMiddleware } from '@switchyard/core';

/**
 * Insert `"provider":"…"` at the front of a JSON object body without re-serialising it, so the
 * upstream's bytes (and unknown fields) survive. An upstream `provider` field, if any, wins.
 * @example withProviderField('{"id":"x"}', 'openai') // '{"provider":"openai","id":"x"}'
 */
export function withProviderField(body: string, provider: string): string {
  let i = 0;
  while (i < body.length && body.charCodeAt(i) <= 32) i++;
  if (body[i] !== '{') return body;
  let j = i + 1;
  while (j < body.length && body.charCodeAt(j) <= 32) j++;
  const field = `"provider":${JSON.stringify(provider)}`;
  return `${body.slice(0, i + 1)}${field}${body[j] === '}' ? '' : ','}${body.slice(i + 1)}`;
}

/**
 * ARCHITECTURE.md §4: the OpenAI JSON body names the provider that served it
 * (`response.provider`). Runs around the executor.
 */
export function providerField(): ExchangeMiddleware {
  return async function providerField(exchange, next) {
    await next();
    const response = exchange.response;
    const provider = exchange.responseHeaders['x-switchyard-provider'];
    if (exchange.format === 'openai.chat' && response?.kind === 'json' && response.status < 300 && provider) {
      response.body = withProviderField(response.body, provider);
    }
  };
}
