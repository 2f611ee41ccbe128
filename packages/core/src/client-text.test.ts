import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clip, clientJson, headerValue, modelNameProblem, safeHeaders } from './client-text.js';
import { isGatewayError } from './errors.js';
import type { ExchangeMiddleware } from './respond.js';
import { FRAMEWORKS, httpRequest, serve } from './testing.js';

describe('client text bounds', () => {
  it('accepts real model names and refuses unsafe or oversized ones', () => {
    for (const ok of [
      'gpt-4o-2024-08-06',
      'anthropic/claude-sonnet-4-5',
      'ft:gpt-4o:acme:v1',
      'llama3:8b',
      'anthropic.claude-3-sonnet-20240229-v1:0',
      'a'.repeat(256),
    ]) {
      assert.equal(modelNameProblem(ok), undefined, ok);
    }
    for (const bad of ['', 'a\r\nb', '模型', 'has space', 'a'.repeat(257), 'x\u0000']) assert.ok(modelNameProblem(bad), JSON.stringify(bad));
  });

  it('clips long text and says how much was cut', () => {
    assert.equal(clip('abc', 5), 'abc');
    assert.equal(clip('x'.repeat(10), 4), 'xxxx…[+6]');
  });

  it('makes any header value wire-safe', () => {
    assert.equal(headerValue('gpt-4o'), 'gpt-4o');
    assert.equal(headerValue('a\r\nb'), 'a%0D%0Ab');
    assert.equal(headerValue('模型'), '%E6%A8%A1%E5%9E%8B');
    assert.equal(headerValue('\ud800'), '%EF%BF%BD');
    assert.ok(headerValue('x'.repeat(5000)).length <= 1024);
  });

  it('makes every value of a header map wire-safe, in place, leaving safe ones as they are', () => {
    const headers = { 'x-switchyard-model': 'a\nb', 'x-request-id': 'id-1', ratelimit: '"requests";r=9' };
    assert.equal(safeHeaders(headers), headers);
    assert.deepEqual(headers, { 'x-switchyard-model': 'a%0Ab', 'x-request-id': 'id-1', ratelimit: '"requests";r=9' });
  });

  it('turns a too-deep request part into a 400 naming it', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.throws(
      () => clientJson(deep, 'tools'),
      (err: unknown) => isGatewayError(err) && err.status === 400 && err.param === 'tools',
    );
    assert.equal(clientJson({ a: 1 }, 'tools'), '{"a":1}');
  });

  for (const framework of FRAMEWORKS) {
    it(`${framework}: a piece that copies client text into a response header cannot break the response`, async () => {
      const answer: ExchangeMiddleware = async function answer(exchange) {
        exchange.responseHeaders['x-switchyard-model'] = exchange.requestedModel;
        exchange.response = { kind: 'json', status: 200, headers: {}, body: '{}' };
      };
      const server = await serve(framework, [answer]);
      try {
        const res = await httpRequest(`${server.url}/v1/messages`, { body: JSON.stringify({ model: 'm\r\nset-cookie: x=1 模型' }) });
        assert.equal(res.status, 200);
        assert.equal(res.headers['set-cookie'], undefined);
        assert.equal(res.headers['x-switchyard-model'], 'm%0D%0Aset-cookie: x=1 %E6%A8%A1%E5%9E%8B');
      } finally {
        await server.close();
      }
    });
  }
});
