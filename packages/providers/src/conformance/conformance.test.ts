/**
 * Provider wire conformance: for every provider and both client formats, each scenario's
 * upstream-bound request (path, query, auth header, body) is checked against the provider's own
 * published specification (fixtures/specs), the provider's example answer against the provider's
 * response schema, and the answer the client receives against the client format's official schema.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, type ClientFormat } from '@switchyard/core';
import type { JsonResult, ProviderCall, StreamResult } from '../adapter.js';
import { createAdapter } from '../registry.js';
import { createUndiciTransport } from '../transport/undici.js';
import { collect, startUpstream, type Upstream } from '../testing/upstream.test.util.js';
import { sendJson, sendSse } from '../testing/adapter.test.util.js';
import { assertSchema, schemas } from '../translate/schemas.test.util.js';
import { PROVIDERS, isPing, openaiEmbeddingProblems, type Answer } from './providers.test.util.js';
import { ANSWER, SCENARIOS, clientBody } from './scenarios.test.util.js';

const FORMATS: ClientFormat[] = ['openai.chat', 'anthropic.messages'];

/** The data of an SSE stream's events (for checking a provider's example stream). */
function eventData(text: string): unknown[] {
  const parser = new SseParser();
  const events = parser.push(text);
  const { pending } = parser.end();
  if (pending) events.push(pending);
  return events.filter((ev) => ev.data !== '[DONE]').map((ev) => JSON.parse(ev.data));
}

describe('provider wire conformance', () => {
  const transport = createUndiciTransport();
  const signal = new AbortController().signal;
  let upstream: Upstream;
  before(async () => (upstream = await startUpstream()));
  after(async () => {
    await transport.close();
    await upstream.close();
  });

  for (const provider of PROVIDERS) {
    describe(`${provider.type} (${provider.spec})`, () => {
      if (provider.checkAnswer) it("its example answers match the provider's response schema", () => {
        for (const kind of ['json', 'stream-text', 'stream-tool'] as const) {
          const answer: Answer = provider.answer(kind);
          const problems = 'json' in answer
            ? provider.checkAnswer!('json', answer.json)
            : eventData(answer.sse).flatMap((data) => provider.checkAnswer!('event', data));
          assert.deepEqual(problems, [], `${kind} example`);
        }
      });

      const { embeddings } = provider;
      if (embeddings) it('openai.embeddings client: request valid against the spec, answer valid for the client', async () => {
        assert.deepEqual(embeddings.checkAnswer(embeddings.answer), [], 'example answer');
        const adapter = createAdapter(provider.config(upstream.url));
        upstream.set(sendJson(embeddings.answer));
        const call: ProviderCall = { format: 'openai.embeddings', body: { model: 'client-alias', input: ['hello', 'goodbye'], dimensions: 4, encoding_format: 'float' }, model: embeddings.model, stream: false, headers: {}, requestId: 'conf-e', apiKey: provider.apiKey };
        const result = (await adapter.invoke(call, { transport, signal })) as JsonResult;
        const sent = upstream.requests.at(-1)!;
        assert.deepEqual(provider.checkRequest({ method: sent.method, url: sent.url, headers: sent.headers, body: sent.body }), [], `upstream request ${sent.method} ${sent.url}\n${sent.body}`);
        assert.deepEqual(openaiEmbeddingProblems(JSON.parse(result.body)), [], 'the client gets a CreateEmbeddingResponse');
      });

      for (const format of FORMATS) {
        for (const scenario of SCENARIOS) {
          it(`${format} client, ${scenario}: request valid against the spec, answer valid for the client`, async () => {
            const adapter = createAdapter(provider.config(upstream.url));
            const answer = provider.answer(ANSWER[scenario]);
            upstream.set('json' in answer ? sendJson(answer.json) : sendSse(answer.sse, 97));
            const body = clientBody(format, scenario);
            const call: ProviderCall = { format, body: { model: 'client-alias', ...body }, model: provider.model, stream: body.stream === true, headers: {}, requestId: 'conf-1', apiKey: provider.apiKey };
            const result = await adapter.invoke(call, { transport, signal });

            const sent = upstream.requests.at(-1)!;
            const problems = provider.checkRequest({ method: sent.method, url: sent.url, headers: sent.headers, body: sent.body });
            assert.deepEqual(problems, [], `upstream request ${sent.method} ${sent.url}\n${sent.body.slice(0, 1500)}`);

            if (result.kind === 'json') {
              assert.equal(call.stream, false);
              const parsed = JSON.parse((result as JsonResult).body);
              assertSchema(format === 'openai.chat' ? schemas.openaiCompletion : schemas.anthropicMessage, parsed, `${format} answer`);
            } else {
              assert.equal(call.stream, true);
              const events = await collect((result as StreamResult).events);
              assert.ok(events.length > 0);
              for (const ev of events) {
                if (ev.data === '[DONE]' || isPing(JSON.parse(ev.data))) continue;
                assertSchema(format === 'openai.chat' ? schemas.openaiChunk : schemas.anthropicEvent, JSON.parse(ev.data), `${format} stream event ${ev.event ?? ''}`);
              }
            }
          });
        }
      }
    });
  }
});
