import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { GatewayError, isGatewayError, renderAnthropicError, renderError, renderOpenAIError, toGatewayError } from './errors.js';

const schema = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as object;
const validateOpenAI = new Ajv2020({ strict: false }).compile(schema('openai-ErrorResponse.schema.json'));
const validateAnthropic = new Ajv({ strict: false }).compile(schema('anthropic-sdk-1.11.0.ErrorResponse.schema.json'));

const STATUSES = [400, 401, 402, 403, 404, 408, 409, 413, 418, 422, 429, 499, 500, 501, 502, 503, 504, 529, 599];

describe('GatewayError', () => {
  it('carries http-errors compatible fields', () => {
    const err = new GatewayError('Slow down', { status: 429, code: 'rate_limited', headers: { 'retry-after': '3' }, retryable: true });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'GatewayError');
    assert.equal(err.message, 'Slow down');
    assert.equal(err.status, 429);
    assert.equal(err.statusCode, 429);
    assert.equal(err.expose, true);
    assert.deepEqual(err.headers, { 'retry-after': '3' });
    assert.equal(err.retryable, true);
    assert.equal(err.code, 'rate_limited');
  });

  it('defaults to a hidden 500, and keeps its cause', () => {
    const cause = new Error('socket hang up');
    const err = new GatewayError('upstream detail', { cause });
    assert.equal(err.status, 500);
    assert.equal(err.expose, false);
    assert.deepEqual(err.headers, {});
    assert.equal(err.retryable, false);
    assert.equal(err.cause, cause);
    assert.equal(new GatewayError('shown', { status: 502, expose: true }).expose, true);
  });

  it('is recognised across a second copy of the package by its Symbol.for brand', () => {
    assert.equal(isGatewayError(new GatewayError('x')), true);
    const foreign = Object.assign(new Error('from another copy'), { status: 403, [Symbol.for('switchyard.GatewayError')]: true });
    assert.equal(isGatewayError(foreign), true);
    assert.equal(GatewayError.isInstance(foreign), true);
    for (const other of [new Error('plain'), { status: 400 }, null, undefined, 'GatewayError', { [Symbol('switchyard.GatewayError')]: true }]) {
      assert.equal(isGatewayError(other), false);
    }
  });
});

describe('toGatewayError', () => {
  it('returns a GatewayError as is', () => {
    const err = new GatewayError('x', { status: 404 });
    assert.equal(toGatewayError(err), err);
  });

  it('hides the message of an unknown error as an opaque 500', () => {
    for (const thrown of [new Error('password=hunter2 rejected'), 'a string', null, undefined, 42, { message: 'obj' }]) {
      const err = toGatewayError(thrown);
      assert.equal(err.status, 500);
      assert.equal(err.expose, false);
      assert.equal(err.message, 'Internal gateway error');
      assert.equal(err.cause, thrown);
    }
  });

  it('hides the message of a 5xx http-error even when it claims expose', () => {
    const err = toGatewayError(Object.assign(new Error('db at 10.0.0.3 down'), { status: 503, expose: true }));
    assert.equal(err.status, 503);
    assert.equal(err.expose, false);
    assert.doesNotMatch(JSON.stringify(renderOpenAIError(err)), /10\.0\.0\.3/);
  });

  it('keeps the status and exposed message of a 4xx http-error (status or statusCode)', () => {
    const err = toGatewayError(Object.assign(new Error('Bad field'), { status: 422, expose: true }));
    assert.equal(err.status, 422);
    assert.equal(err.message, 'Bad field');
    const viaStatusCode = toGatewayError(Object.assign(new Error('Gone'), { statusCode: 410, expose: true }));
    assert.equal(viaStatusCode.status, 410);
    assert.equal(toGatewayError(Object.assign(new Error('secret'), { status: 400 })).message, 'Internal gateway error');
  });

  it('turns a status that is not an error status into 500 (node would refuse to write it)', () => {
    for (const status of [200, 302, 0, 42, 600, 404.5, Number.NaN]) {
      assert.equal(toGatewayError(Object.assign(new Error('x'), { status, expose: true })).status, 500, String(status));
    }
  });
});

describe('renderers', () => {
  it('render every status as a valid OpenAI ErrorResponse (official OpenAPI schema)', () => {
    for (const status of STATUSES) {
      for (const err of [new GatewayError('m', { status }), new GatewayError('m', { status, code: 'c', param: 'messages[0]' })]) {
        const body = renderOpenAIError(err);
        assert.ok(validateOpenAI(body), `${status}: ${JSON.stringify(validateOpenAI.errors)}`);
      }
    }
  });

  it('render every status as a valid Anthropic ErrorResponse (official SDK schema)', () => {
    for (const status of STATUSES) {
      for (const requestId of ['req_1', null]) {
        const body = renderAnthropicError(new GatewayError('m', { status }), requestId);
        assert.ok(validateAnthropic(body), `${status}: ${JSON.stringify(validateAnthropic.errors)} ${JSON.stringify(body)}`);
      }
    }
  });

  it('the schemas reject what a client could not read (the validators are not vacuous)', () => {
    assert.equal(validateOpenAI({ error: { message: 'm', type: 't' } }), false);
    assert.equal(validateAnthropic({ type: 'error', error: { type: 'request_too_large', message: 'm' }, request_id: null }), false);
    assert.equal(validateAnthropic({ type: 'error', error: { type: 'api_error', message: 'm' } }), false);
  });

  it('map statuses to the types clients switch on', () => {
    const types = (status: number) => {
      const err = new GatewayError('m', { status });
      return [err.openaiType, err.anthropicType];
    };
    assert.deepEqual(types(400), ['invalid_request_error', 'invalid_request_error']);
    assert.deepEqual(types(401), ['authentication_error', 'authentication_error']);
    assert.deepEqual(types(403), ['permission_error', 'permission_error']);
    assert.deepEqual(types(404), ['not_found_error', 'not_found_error']);
    assert.deepEqual(types(429), ['rate_limit_error', 'rate_limit_error']);
    assert.deepEqual(types(503), ['service_unavailable', 'overloaded_error']);
    assert.deepEqual(types(504), ['timeout_error', 'timeout_error']);
  });

  it('show the message only when exposed, and let details add fields but never replace them', () => {
    const hidden = new GatewayError('upstream said sk-live-123', {
      status: 502,
      code: 'all_targets_failed',
      details: { attempts: [{ provider: 'openai', kind: 'timeout' }], message: 'sk-live-123', type: 'x' },
    });
    const openai = renderOpenAIError(hidden);
    assert.equal(openai.error.message, 'Internal gateway error');
    assert.equal(openai.error.type, 'upstream_error');
    assert.equal(openai.error.code, 'all_targets_failed');
    assert.deepEqual(openai.error.attempts, [{ provider: 'openai', kind: 'timeout' }]);
    const anthropic = renderAnthropicError(hidden, 'req_9');
    assert.equal(anthropic.error.message, 'Internal gateway error');
    assert.equal(anthropic.error.type, 'api_error');
    assert.equal(anthropic.request_id, 'req_9');
    assert.doesNotMatch(JSON.stringify([openai, anthropic]), /sk-live/);

    const shown = new GatewayError('Unknown model "gpt-9"', { status: 404, code: 'model_not_found', param: 'model' });
    assert.deepEqual(renderOpenAIError(shown), {
      error: { message: 'Unknown model "gpt-9"', type: 'not_found_error', param: 'model', code: 'model_not_found' },
    });
  });

  it('renderError picks the body by the client format family', () => {
    const err = new GatewayError('m', { status: 400 });
    assert.deepEqual(renderError(err, 'openai.embeddings'), renderOpenAIError(err));
    assert.deepEqual(renderError(err, 'anthropic.count_tokens', 'r1'), renderAnthropicError(err, 'r1'));
    assert.deepEqual(renderError(err, 'anthropic.messages'), renderAnthropicError(err));
  });
});
