/** The two requests every scenario sends: a JSON chat completion and a streamed one. */

/** Response shape under test. */
export type Mode = 'json' | 'stream';

/** Modes in the order they run and print. */
export const MODES: readonly Mode[] = ['json', 'stream'];

/** Path of the chat completions endpoint on every system under test. */
export const CHAT_PATH = '/v1/chat/completions';

/** Headers of every bench request. The bearer token is not a secret: nothing checks it. */
export const REQUEST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  authorization: 'Bearer bench',
};

/** The request body of a mode. */
export function requestBody(mode: Mode): string {
  return JSON.stringify({
    model: 'bench-model',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Say hello in one sentence.' },
    ],
    max_tokens: 64,
    ...(mode === 'stream' ? { stream: true } : {}),
  });
}
