/** The two requests every scenario sends: a JSON chat completion and a streamed one. */

/** Response shape under test. */
export type Mode = 'json' | 'stream';

/** Modes in the order they run and print. */
export const MODES: readonly Mode[] = ['json', 'stream'];

/** Path of the chat completions endpoint on every system under test. */
export const CHAT_PATH = '/v1/chat/completions';

/**
 * The client key of every bench request. Not a secret: only the full-stack gateway checks it,
 * against its own config.
 */
export const BENCH_CLIENT_KEY = 'sk-bench-00000000000000000000000000';

/**
 * The client keys of the soak (several keys, so per-key state is exercised): the first is
 * {@link BENCH_CLIENT_KEY}; the full-stack gateway accepts all of them.
 */
export const BENCH_CLIENT_KEYS: readonly string[] = Array.from({ length: 8 }, (_, i) => `${BENCH_CLIENT_KEY.slice(0, -1)}${i}`);

/** Headers of every bench request. */
export const REQUEST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  authorization: `Bearer ${BENCH_CLIENT_KEY}`,
};

/**
 * The request body of a mode. `promptBytes`, when given, pads the user message with prose-like
 * words to about that many bytes (the prompt growth scenario); `suffix` ends the user message
 * (the soak's upstream fault markers).
 */
export function requestBody(mode: Mode, promptBytes?: number, suffix = ''): string {
  const prompt =
    promptBytes === undefined
      ? 'Say hello in one sentence.'
      : 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(promptBytes / 57)).slice(0, promptBytes);
  const user = `${prompt}${suffix}`;
  return JSON.stringify({
    model: 'bench-model',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: user },
    ],
    max_tokens: 64,
    ...(mode === 'stream' ? { stream: true } : {}),
  });
}
