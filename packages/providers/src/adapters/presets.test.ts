import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import type { ProviderCall } from '../adapter.js';
import { isProviderError } from '../provider-error.js';
import { createUndiciTransport } from '../transport/undici.js';
import { adapterTypes, createAdapter } from '../registry.js';
import { startUpstream, type Upstream, type Recorded } from '../testing/upstream.test.util.js';
import { OPENAI_COMPATIBLE_PRESETS } from './presets.js';

describe('openai-compatible presets', () => {
  let upstream: Upstream;
  const transport = createUndiciTransport();
  const signal = new AbortController().signal;
  const call = (body: Record<string, unknown>, over: Partial<ProviderCall> = {}): ProviderCall => ({
    format: 'openai.chat',
    body,
    model: 'm',
    stream: false,
    headers: {},
    requestId: 'r',
    ...over,
  });
  const lastBody = () => JSON.parse(upstream.requests.at(-1)!.body);
  before(async () => {
    upstream = await startUpstream();
    upstream.set((_req: Recorded, res: ServerResponse) =>
      res.end('{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'),
    );
  });
  after(async () => {
    await transport.close();
    await upstream.close();
  });

  it('registers every preset and every new adapter type', () => {
    for (const type of ['azure', 'gemini', 'vertex', 'mistral', 'cohere', 'vllm', 'ollama', 'together', 'groq', 'perplexity', 'deepseek', 'fireworks'])
      assert.ok(adapterTypes().includes(type), type);
  });

  it('applies default base URLs and key rules', async () => {
    assert.equal(OPENAI_COMPATIBLE_PRESETS.ollama!.baseUrl, 'http://127.0.0.1:11434/v1');
    assert.equal(createAdapter({ name: 'o', type: 'ollama' }).type, 'ollama');
    assert.throws(() => createAdapter({ name: 'v', type: 'vllm' }), /requires base_url/);
    const groqNoKey = createAdapter({ name: 'g', type: 'groq', base_url: upstream.url });
    await assert.rejects(groqNoKey.invoke(call({ messages: [] }), { transport, signal }), (e) => isProviderError(e) && e.failureKind === 'auth');
    const ollama = createAdapter({ name: 'o', type: 'ollama', base_url: upstream.url });
    await ollama.invoke(call({ messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 9 }), { transport, signal });
    assert.equal(upstream.requests.at(-1)!.headers.authorization, undefined);
    assert.deepEqual(lastBody(), { messages: [{ role: 'user', content: 'x' }], model: 'm', max_tokens: 9 });
  });

  it('vLLM passes extra sampling params through untouched', async () => {
    const vllm = createAdapter({ name: 'v', type: 'vllm', base_url: upstream.url });
    await vllm.invoke(call({ messages: [], top_k: 5, min_p: 0.1, repetition_penalty: 1.1, guided_json: { type: 'object' } }), { transport, signal });
    assert.deepEqual(lastBody(), { messages: [], top_k: 5, min_p: 0.1, repetition_penalty: 1.1, guided_json: { type: 'object' }, model: 'm' });
    assert.equal(vllm.supports('openai.embeddings'), true);
  });

  it('Groq: drops logprobs / logit_bias / message names, rejects n > 1, has no embeddings', async () => {
    const groq = createAdapter({ name: 'g', type: 'groq', base_url: upstream.url, api_key: 'gsk_test_key_123456' });
    await groq.invoke(
      call({ messages: [{ role: 'user', name: 'bob', content: 'x' }], logprobs: true, top_logprobs: 2, logit_bias: { 1: 1 }, temperature: 0 }),
      { transport, signal },
    );
    assert.deepEqual(lastBody(), { messages: [{ role: 'user', content: 'x' }], temperature: 0, model: 'm' });
    assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer gsk_test_key_123456');
    await assert.rejects(groq.invoke(call({ messages: [], n: 2 }), { transport, signal }), (e) => isProviderError(e) && e.failureKind === 'bad_request');
    assert.equal(groq.supports('openai.embeddings'), false);
    await assert.rejects(
      groq.invoke(call({ input: 'x' }, { format: 'openai.embeddings' }), { transport, signal }),
      (e) => isProviderError(e) && e.failureKind === 'bad_request',
    );
  });

  it('Perplexity rejects tools; DeepSeek strips reasoning_content from history', async () => {
    const pplx = createAdapter({ name: 'p', type: 'perplexity', base_url: upstream.url, api_key: 'pplx-key-1234567' });
    const before = upstream.requests.length;
    await assert.rejects(
      pplx.invoke(call({ messages: [], tools: [{ type: 'function', function: { name: 'f' } }] }), { transport, signal }),
      (e) => isProviderError(e) && e.failureKind === 'bad_request' && /tools/.test(e.message),
    );
    assert.equal(upstream.requests.length, before);
    const ds = createAdapter({ name: 'd', type: 'deepseek', base_url: upstream.url, api_key: 'sk-deepseek-1234567' });
    await ds.invoke(
      call({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b', reasoning_content: 'thinking' },
          { role: 'user', content: 'c' },
        ],
      }),
      { transport, signal },
    );
    assert.deepEqual(lastBody().messages, [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ]);
  });
});
