/**
 * Failover without model-mapping, mounted the way its README shows a newcomer: auth-key, then
 * rate-limit, then failover naming its own targets, in a real Koa app and a real Express app,
 * called with the official openai client against local upstreams.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Koa from 'koa';
import OpenAI from 'openai';
import { createKeyManager, MemoryKeyStore, type KeyManager } from '@switchyard/auth-key';
import { apiKeyAuth as expressAuth } from '@switchyard/auth-key/express';
import { apiKeyAuth as koaAuth } from '@switchyard/auth-key/koa';
import { failoverExpress } from '@switchyard/failover/express';
import { failoverKoa } from '@switchyard/failover/koa';
import type { FailoverOptions } from '@switchyard/failover';
import { createAdapter, createUndiciTransport } from '@switchyard/providers';
import { RateLimiter } from '@switchyard/rate-limit';
import { rateLimit as expressRateLimit } from '@switchyard/rate-limit/express';
import { rateLimit as koaRateLimit } from '@switchyard/rate-limit/koa';
import { startUpstream, type RecordedRequest, type Upstream } from './support/upstream.js';

const completion = (provider: string) => (request: RecordedRequest) => ({
  json: {
    id: `chatcmpl-${provider}`,
    object: 'chat.completion',
    created: 1,
    model: request.body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: `from ${provider}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  },
});

const transport = createUndiciTransport({ connections: 4 });
let primary: Upstream;
let secondary: Upstream;

before(async () => {
  primary = await startUpstream({ status: 503, json: { error: { message: 'overloaded', type: 'server_error' } } });
  secondary = await startUpstream(completion('secondary'));
});
after(async () => {
  await Promise.all([primary.close(), secondary.close()]);
  await transport.close();
});

function failoverOptions(targets: FailoverOptions['targets']): FailoverOptions {
  return {
    adapters: new Map([
      ['primary', createAdapter({ name: 'primary', type: 'openai-compatible', base_url: `${primary.url}/v1`, api_key: 'sk-primary' })],
      ['secondary', createAdapter({ name: 'secondary', type: 'openai-compatible', base_url: `${secondary.url}/v1`, api_key: 'sk-secondary' })],
    ]),
    transport,
    sleep: async () => {},
    targets,
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The app a newcomer writes: auth, budgets, failover. Nothing else fills the candidates. */
// Tried in order; a target without `model` passes the client's model on.
const LIST: FailoverOptions['targets'] = [{ provider: 'primary', model: 'primary-model' }, { provider: 'secondary' }];
// Or a function of the exchange: `cheap` goes to a named small model, anything else is unknown.
const BY_MODEL: FailoverOptions['targets'] = (exchange) =>
  exchange.requestedModel === 'cheap' ? [{ provider: 'secondary', model: 'small-model' }] : undefined;

function newcomerApp(framework: 'koa' | 'express', keys: KeyManager, limiter: RateLimiter, targets: FailoverOptions['targets']): Server {
  const defaultLimits = { requestsPerMinute: 2 };
  if (framework === 'koa') {
    const app = new Koa();
    app.use(koaAuth({ keys }));
    app.use(koaRateLimit({ limiter, defaultLimits }));
    app.use(failoverKoa(failoverOptions(targets)));
    return createServer(app.callback());
  }
  const app = express();
  app.use(expressAuth({ keys }));
  app.use(expressRateLimit({ limiter, defaultLimits }));
  app.use(failoverExpress(failoverOptions(targets)));
  return createServer(app);
}

for (const framework of ['koa', 'express'] as const) {
  describe(`auth-key + rate-limit + failover naming its targets (${framework}, no model-mapping)`, () => {
    let server: Server;
    let url: string;
    let byModel: Server;
    let byModelUrl: string;
    let keys: KeyManager;
    let secret: string;

    before(async () => {
      keys = createKeyManager({ store: new MemoryKeyStore() });
      await keys.ready();
      ({ secret } = await keys.create({ name: 'newcomer' }));
      server = newcomerApp(framework, keys, new RateLimiter(), LIST);
      url = await listen(server);
      byModel = newcomerApp(framework, keys, new RateLimiter(), BY_MODEL);
      byModelUrl = await listen(byModel);
    });
    after(async () => {
      for (const s of [server, byModel]) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
      await keys.close();
    });

    it('a keyed request fails over from the overloaded target to the next named one, with the client model passed on', async () => {
      const client = new OpenAI({ apiKey: secret, baseURL: `${url}/v1`, maxRetries: 0 });
      const before = { primary: primary.requests.length, secondary: secondary.requests.length };
      const { data, response } = await client.chat.completions.create({ model: 'client-model', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      assert.equal(data.choices[0]?.message.content, 'from secondary');
      assert.equal(response.headers.get('x-switchyard-provider'), 'secondary');
      assert.equal(primary.requests.at(-1)?.body.model, 'primary-model', 'the named model went to the first target');
      assert.ok(primary.requests.length > before.primary);
      assert.equal(secondary.requests.length, before.secondary + 1);
      assert.equal(secondary.requests.at(-1)?.body.model, 'client-model', 'a target without a model passes the client model on');
      assert.equal(secondary.requests.at(-1)?.headers.authorization, 'Bearer sk-secondary', "the provider's key, not the client's");
    });

    it('without a key the request is a 401 before any upstream is called; over the budget it is a 429', async () => {
      const calls = primary.requests.length + secondary.requests.length;
      const anonymous = new OpenAI({ apiKey: 'sy-not-a-key', baseURL: `${url}/v1`, maxRetries: 0 });
      await assert.rejects(anonymous.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError);
        assert.equal(err.status, 401);
        return true;
      });
      assert.equal(primary.requests.length + secondary.requests.length, calls);

      // The key's budget is two requests a minute: the first test used one.
      const client = new OpenAI({ apiKey: secret, baseURL: `${url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError);
        assert.equal(err.status, 429);
        return true;
      });
    });

    it('targets named by a function of the exchange; a model it names no target for is a 404 model_not_found', async () => {
      const client = new OpenAI({ apiKey: secret, baseURL: `${byModelUrl}/v1`, maxRetries: 0 });
      const cheap = await client.chat.completions.create({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(cheap.choices[0]?.message.content, 'from secondary');
      assert.equal(secondary.requests.at(-1)?.body.model, 'small-model');
      await assert.rejects(client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError);
        assert.equal(err.status, 404);
        assert.equal(err.code, 'model_not_found');
        return true;
      });
    });
  });
}
