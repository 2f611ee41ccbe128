// One contract, run against a Koa app and an Express app: same bytes from both.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Koa from 'koa';
import { toExpress } from '@switchyard/core/express';
import { toKoa } from '@switchyard/core/koa';
import type { Principal } from '@switchyard/core';
import * as forExpress from './express.js';
import * as forKoa from './koa.js';
import { captureLogger, listen, openStream, post, terminal } from './harness.test.js';
import { createKeyManager, type KeyManager } from './key-manager.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { UNAUTHORIZED_MESSAGE } from './errors.js';

/** The app's own user, as its own auth would have set it (header stands in for a session). */
function appUser(header: string | undefined): { id: string; email: string } | undefined {
  return header ? { id: header, email: `${header}@example.test` } : undefined;
}
const toPrincipal = (user: { id: string; email: string } | undefined) =>
  user && { id: user.id, name: user.email, allowedModels: user.id === 'limited' ? ['sim-1'] : undefined };

interface Served {
  url: string;
  close(): Promise<void>;
}

interface Adapter {
  name: string;
  serveKeys(keys: KeyManager): Promise<Served>;
  serveApp(): Promise<Served>;
}

const koaAdapter: Adapter = {
  name: 'koa',
  async serveKeys(keys) {
    const app = new Koa();
    app.use(forKoa.apiKeyAuth({ keys }));
    app.use(toKoa(terminal()));
    return listen(app.callback());
  },
  async serveApp() {
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.state.user = appUser(ctx.get('x-test-user') || undefined);
      await next();
    });
    app.use(forKoa.appAuth({ resolve: (_exchange, ctx) => toPrincipal(ctx.state.user) }));
    app.use(toKoa(terminal()));
    return listen(app.callback());
  },
};

const expressAdapter: Adapter = {
  name: 'express',
  async serveKeys(keys) {
    const app = express();
    app.use(forExpress.apiKeyAuth({ keys }));
    app.use(toExpress(terminal()));
    return listen(app);
  },
  async serveApp() {
    const app = express();
    app.use((req, _res, next) => {
      (req as unknown as { user?: unknown }).user = appUser(req.get('x-test-user'));
      next();
    });
    app.use(forExpress.appAuth({ resolve: (_exchange, req) => toPrincipal((req as unknown as { user?: { id: string; email: string } }).user) }));
    app.use(toExpress(terminal()));
    return listen(app);
  },
};

const chat = (model = 'sim-1', extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

function authContract(adapter: Adapter) {
  describe(`auth-key contract on ${adapter.name}`, () => {
    const logger = captureLogger();
    const secrets: string[] = [];
    let keys: KeyManager;
    let served: Served;

    before(async () => {
      keys = createKeyManager({ store: new MemoryKeyStore(), masterKey: randomBytes(32), logger, touchIntervalMs: 0 });
      served = await adapter.serveKeys(keys);
    });
    after(async () => {
      await served.close();
      await keys.close();
      // No secret (API key or BYOK credential) in any log line.
      const logged = logger.lines.join('\n');
      for (const secret of secrets) assert.ok(!logged.includes(secret), 'a secret was logged');
      assert.ok(logger.lines.length > 0, 'the logger was exercised');
    });

    async function newKey(policy = {}) {
      const { record, secret } = await keys.create({ name: 'test key', policy });
      secrets.push(secret);
      return { record, secret };
    }

    test('a key is accepted as Authorization: Bearer and as x-api-key; the principal carries its policy', async () => {
      const { record, secret } = await newKey({
        allowedModels: ['sim-1'],
        allowRoutingHeaders: true,
        limits: { requestsPerMinute: 5 },
        routing: { active: true, strategy: 'cost' },
        metadata: { team: 'x' },
      });
      const bearer = await post(`${served.url}/v1/chat/completions`, chat(), { authorization: `Bearer ${secret}` });
      assert.equal(bearer.status, 200);
      const expected: Principal = {
        id: record.id,
        name: 'test key',
        kind: 'key',
        allowedModels: ['sim-1'],
        allowRoutingHeaders: true,
        limits: { requestsPerMinute: 5 },
        routing: { active: true, strategy: 'cost' },
        metadata: { team: 'x' },
      };
      assert.deepEqual(bearer.json.principal, expected);
      const header = await post(`${served.url}/v1/messages`, chat(), { 'x-api-key': secret });
      assert.equal(header.status, 200);
      assert.equal(header.json.principal.id, record.id);
      assert.ok((await keys.get(record.id))?.lastUsedAt);
    });

    test('missing, malformed, unknown and revoked keys all get the same 401 in the client format', async () => {
      const { record, secret } = await newKey();
      assert.equal((await post(`${served.url}/v1/chat/completions`, chat(), { authorization: `Bearer ${secret}` })).status, 200);
      await keys.revoke(record.id);
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Bearer not-a-key' },
        { authorization: `Bearer sk-${'z'.repeat(32)}` },
        { authorization: `Bearer ${secret}` },
      ];
      const bodies = [];
      for (const headers of attempts) {
        const res = await post(`${served.url}/v1/chat/completions`, chat(), headers);
        assert.equal(res.status, 401);
        bodies.push(JSON.stringify(res.json.error));
        assert.ok(!res.text.includes(secret));
      }
      assert.equal(new Set(bodies).size, 1);
      assert.deepEqual(JSON.parse(bodies[0]!), { message: UNAUTHORIZED_MESSAGE, type: 'authentication_error', param: null, code: 'invalid_api_key' });
      const anthropic = await post(`${served.url}/v1/messages`, chat(), { 'x-api-key': secret });
      assert.equal(anthropic.status, 401);
      assert.equal(anthropic.json.type, 'error');
      assert.deepEqual(anthropic.json.error, { type: 'authentication_error', message: UNAUTHORIZED_MESSAGE });
      assert.ok(!anthropic.text.includes(secret));
    });

    test('a model outside the policy is a 403 in the client format', async () => {
      const { secret } = await newKey({ allowedModels: ['sim-1'] });
      const openai = await post(`${served.url}/v1/chat/completions`, chat('gpt-4o'), { authorization: `Bearer ${secret}` });
      assert.equal(openai.status, 403);
      assert.equal(openai.json.error.type, 'permission_error');
      assert.equal(openai.json.error.param, 'model');
      const anthropic = await post(`${served.url}/v1/messages`, chat('claude-x'), { 'x-api-key': secret });
      assert.equal(anthropic.status, 403);
      assert.equal(anthropic.json.error.type, 'permission_error');
    });

    test('revocation cuts an in-flight stream with an authentication error event, and the next request fails', async () => {
      const { record, secret } = await newKey();
      const stream = await openStream(`${served.url}/v1/chat/completions`, chat('sim-1', { stream: true }), { authorization: `Bearer ${secret}` });
      assert.equal(stream.status, 200);
      await stream.readUntil((t) => t.includes('"chunk":0'));
      await keys.revoke(record.id);
      const text = await stream.readToEnd();
      const frames = text.split('\n\n').filter(Boolean);
      const last = JSON.parse(frames.at(-1)!.replace(/^data: /, ''));
      assert.equal(last.error.type, 'authentication_error');
      assert.equal(last.error.message, UNAUTHORIZED_MESSAGE);
      assert.ok(!text.includes(secret));
      assert.equal((await post(`${served.url}/v1/chat/completions`, chat(), { authorization: `Bearer ${secret}` })).status, 401);
    });

    test('an Anthropic stream is cut with an `event: error` frame', async () => {
      const { record, secret } = await newKey();
      const stream = await openStream(`${served.url}/v1/messages`, chat('sim-1', { stream: true }), { 'x-api-key': secret });
      await stream.readUntil((t) => t.includes('"chunk":0'));
      await keys.revoke(record.id);
      const text = await stream.readToEnd();
      assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"authentication_error"/);
    });

    test('policy updates apply to the next request despite the cache', async () => {
      const { record, secret } = await newKey();
      assert.equal((await post(`${served.url}/v1/chat/completions`, chat('gpt-4o'), { authorization: `Bearer ${secret}` })).status, 200);
      await keys.update(record.id, { policy: { allowedModels: ['sim-1'] } });
      assert.equal((await post(`${served.url}/v1/chat/completions`, chat('gpt-4o'), { authorization: `Bearer ${secret}` })).status, 403);
    });

    test('BYOK: the owner credential is used only when asked for, and is never on the principal', async () => {
      const { record, secret } = await newKey();
      const credential = 'sk-owner-' + randomBytes(16).toString('hex');
      secrets.push(credential);
      await keys.putCredential(record.id, 'openai', credential);
      const auth = { authorization: `Bearer ${secret}` };
      const plain = await post(`${served.url}/v1/chat/completions`, chat(), auth);
      assert.equal(plain.json.byok, null);
      const byok = await post(`${served.url}/v1/chat/completions`, chat(), { ...auth, 'x-use-byok': 'true' });
      assert.equal(byok.json.byok, credential);
      assert.deepEqual(byok.json.byokUsed, ['openai']);
      assert.ok(!JSON.stringify(byok.json.principal).includes(credential));
      const other = await post(`${served.url}/v1/chat/completions`, chat('sim-1', { provider: 'anthropic' }), { ...auth, 'x-use-byok': 'true' });
      assert.equal(other.json.byok, null);
    });
  });

  describe(`app auth contract on ${adapter.name}`, () => {
    let served: Served;
    before(async () => {
      served = await adapter.serveApp();
    });
    after(() => served.close());

    test("the app's own user becomes the principal", async () => {
      const res = await post(`${served.url}/v1/chat/completions`, chat(), { 'x-test-user': 'u1' });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.principal, { id: 'u1', name: 'u1@example.test', kind: 'app' });
    });

    test('no user is a 401; a model outside the resolved policy is a 403', async () => {
      const anonymous = await post(`${served.url}/v1/messages`, chat(), {});
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.json.error.type, 'authentication_error');
      const limited = await post(`${served.url}/v1/chat/completions`, chat('gpt-4o'), { 'x-test-user': 'limited' });
      assert.equal(limited.status, 403);
    });
  });
}

authContract(koaAdapter);
authContract(expressAdapter);
