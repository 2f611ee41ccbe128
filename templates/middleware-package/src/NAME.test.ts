import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Exchange, GatewayError, type ExchangeMiddleware } from '@switchyard/core';
import { FRAMEWORKS, httpRequest, serve } from '@switchyard/core/testing';
import { templateName as expressTemplateName } from './express.js';
import { templateName as koaTemplateName } from './koa.js';
import { templateName } from './NAME.js';

function exchange(body: Record<string, unknown>): Exchange {
  return new Exchange({ format: 'openai.chat', body, headers: {}, path: '/v1/chat/completions' });
}

/** Stands in for the rest of the stack: answers with a fixed JSON body. */
const answer: ExchangeMiddleware = async function answer(ex) {
  ex.response = { kind: 'json', status: 200, headers: {}, body: '{"ok":true}' };
};

describe('templateName (neutral core)', () => {
  it('names the requested model in the response header and calls next', async () => {
    const ex = exchange({ model: 'gpt-x' });
    let passed = false;
    await templateName({ header: 'x-model' })(ex, async () => {
      passed = true;
    });
    assert.equal(passed, true);
    assert.equal(ex.responseHeaders['x-model'], 'gpt-x');
  });

  it('rejects a body without a model with a 400 unless told not to', async () => {
    await assert.rejects(
      templateName()(exchange({}), async () => assert.fail('next must not run')),
      (err: unknown) => err instanceof GatewayError && err.status === 400 && err.param === 'model',
    );
    const ex = exchange({});
    await templateName({ requireModel: false })(ex, async () => {});
    assert.deepEqual(ex.responseHeaders, {});
  });

  it('throws a TypeError at start-up on bad options', () => {
    assert.throws(() => templateName({ header: 'Bad Header' }), TypeError);
    assert.throws(() => templateName({ requireModel: 'yes' as unknown as boolean }), TypeError);
    assert.throws(() => templateName(null as unknown as object), TypeError);
  });

  it('returns a named function, so stack traces name the piece, in every flavour', () => {
    assert.equal(templateName().name, 'templateName');
    assert.equal(koaTemplateName().name, 'templateName');
    assert.equal(expressTemplateName().name, 'templateName');
    assert.throws(() => koaTemplateName({ header: 'a b' }), TypeError);
    assert.throws(() => expressTemplateName({ header: 'a b' }), TypeError);
  });
});

for (const framework of FRAMEWORKS) {
  describe(`templateName contract: ${framework}`, () => {
    it('adds its header to the answer of a later middleware', async () => {
      const server = await serve(framework, [templateName(), answer]);
      try {
        const res = await httpRequest(`${server.url}/v1/chat/completions`, { body: '{"model":"gpt-x"}' });
        assert.equal(res.status, 200);
        assert.equal(res.text, '{"ok":true}');
        assert.equal(res.headers['x-switchyard-NAME'.toLowerCase()], 'gpt-x');
      } finally {
        await server.close();
      }
    });

    it('answers a missing model with a 400 in the client format', async () => {
      const server = await serve(framework, [templateName(), answer]);
      try {
        const res = await httpRequest(`${server.url}/v1/messages`, { body: '{}' });
        assert.equal(res.status, 400);
        const body = res.json() as { type: string; error: { type: string } };
        assert.equal(body.type, 'error');
        assert.equal(body.error.type, 'invalid_request_error');
      } finally {
        await server.close();
      }
    });
  });
}
