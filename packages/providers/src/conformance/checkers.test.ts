/**
 * The conformance checkers can fail: each rejects the defects the suite exists to catch (the
 * three issue findings among them) and accepts the corrected request.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GOOGLE_APIS, PROVIDERS } from './providers.test.util.js';
import type { WireRequest } from './openapi-operation.test.util.js';

const provider = (type: string) => PROVIDERS.find((p) => p.type === type)!;
const req = (url: string, headers: WireRequest['headers'], body: unknown): WireRequest => ({ method: 'POST', url, headers, body: JSON.stringify(body) });
const has = (problems: string[], pattern: RegExp) => assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got ${JSON.stringify(problems)}`);

describe('conformance checkers', () => {
  it("Mistral: an assistant turn's refusal: null breaks AssistantMessage (additionalProperties: false)", () => {
    const { checkRequest } = provider('mistral');
    const headers = { authorization: 'Bearer k' };
    const turn = { role: 'assistant', content: null, tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'f', arguments: '{}' } }] };
    const body = (assistant: object) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }, assistant, { role: 'tool', tool_call_id: 'D681PevKs', content: '1' }] });
    has(checkRequest(req('/v1/chat/completions', headers, body({ ...turn, refusal: null }))), /additionalProperty":"refusal"/);
    assert.deepEqual(checkRequest(req('/v1/chat/completions', headers, body(turn))), []);
    has(checkRequest(req('/v1/chat/completions', {}, body(turn))), /no security requirement met/);
    has(checkRequest(req('/v1/chat/completions', headers, { ...body(turn), stream_options: { include_usage: true } })), /additionalProperty":"stream_options"/);
  });

  for (const type of ['gemini', 'vertex']) {
    it(`${type}: lowercase JSON-Schema types in parameters break Schema.type (the Type enum); parametersJsonSchema passes`, () => {
      const p = provider(type);
      const path = type === 'gemini' ? '/v1beta/models/gemini-2.5-flash:generateContent' : '/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent';
      const headers = type === 'gemini' ? { 'x-goog-api-key': 'k' } : { authorization: 'Bearer t' };
      const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
      const body = (declaration: object) => ({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [{ name: 'f', description: '', ...declaration }] }] });
      has(p.checkRequest(req(path, headers, body({ parameters: schema }))), /parameters\/type must be equal to one of the allowed values/);
      assert.deepEqual(p.checkRequest(req(path, headers, body({ parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } }))), []);
      assert.deepEqual(p.checkRequest(req(path, headers, body({ parametersJsonSchema: schema }))), []);
      has(p.checkRequest(req(path, headers, { ...body({}), messages: [] })), /additionalProperty":"messages"/);
      if (type === 'gemini') {
        // v1beta marks FunctionDeclaration.description REQUIRED (an OpenAI tool may have none: the adapter sends '').
        const { contents } = body({});
        has(p.checkRequest(req(path, headers, { contents, tools: [{ functionDeclarations: [{ name: 'f' }] }] })), /required property 'description'/);
      }
      has(p.checkRequest(req(path, {}, body({}))), /^no /);
      has(p.checkRequest(req(`${path}?foo=1`, headers, body({}))), /query parameter foo/);
      has(p.checkRequest(req(path.replace(':generateContent', ':streamGenerateContent'), headers, body({}))), /alt=sse/);
      has(p.checkRequest(req(path.replace('/models/', '/modelz/'), headers, body({}))), /matches no google.api.http binding/);
    });
  }

  it('the vendored Google protos define every type the checked messages reach', () => {
    for (const [name, api] of Object.entries(GOOGLE_APIS)) {
      for (const type of ['GenerateContentRequest', 'GenerateContentResponse']) api.schema(`${name === 'gemini' ? 'google.ai.generativelanguage.v1beta' : 'google.cloud.aiplatform.v1'}.${type}`);
      assert.deepEqual([...api.unresolved], [], `${name}: types referenced but not vendored`);
    }
  });

  it('Azure: model in the body and undefined fields are reported; api-version and api-key are required', () => {
    const { checkRequest } = provider('azure');
    const path = '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21';
    const body = { messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } };
    assert.deepEqual(checkRequest(req(path, { 'api-key': 'k' }, body)), []);
    has(checkRequest(req(path, { 'api-key': 'k' }, { ...body, model: 'gpt-4o' })), /body field model is not defined/);
    has(checkRequest(req(path.replace(/\?.*/, ''), { 'api-key': 'k' }, body)), /required query parameter api-version/);
    has(checkRequest(req(path, {}, body)), /no security requirement met/);
  });

  it('OpenAI, Cohere, Anthropic: undeclared query, missing auth or version header, bad bodies are reported', () => {
    has(provider('openai').checkRequest(req('/v1/chat/completions?x=1', { authorization: 'Bearer k' }, { model: 'm', messages: [{ role: 'user', content: 'hi' }] })), /query parameter x is not declared/);
    has(provider('openai').checkRequest(req('/v1/chat/completions', { authorization: 'Bearer k' }, { messages: [] })), /body:/);
    has(provider('cohere').checkRequest(req('/v2/chat', { authorization: 'Bearer k' }, { model: 'c', messages: [{ role: 'developer', content: 'x' }] })), /body:/);
    assert.deepEqual(provider('cohere').checkRequest(req('/v2/chat', { authorization: 'Bearer k' }, { model: 'c', messages: [{ role: 'user', content: 'hi' }] })), []);
    has(provider('anthropic').checkRequest(req('/v1/messages', { 'x-api-key': 'k' }, { model: 'c', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] })), /anthropic-version/);
    has(provider('anthropic').checkRequest(req('/v1/messages', { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, { model: 'c', messages: [{ role: 'user', content: 'hi' }] })), /max_tokens/);
  });
});
