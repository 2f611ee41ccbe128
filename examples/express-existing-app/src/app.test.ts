import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createApp, issueToken, type ExampleApp } from './app.js';

const SECRET = 'test-token-secret';
let example: ExampleApp;
let server: Server;
let base: string;

before(async () => {
  example = await createApp(SECRET);
  server = example.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await example.close();
});

const chat = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] });

test("the app's own login and routes still work", async () => {
  const login = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'ada' }) });
  const { token } = (await login.json()) as { token: string };
  const profile = await fetch(`${base}/api/profile`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(profile.status, 200);
  assert.equal(((await profile.json()) as { user: { id: string } }).user.id, 'ada');
  assert.equal((await fetch(`${base}/api/profile`)).status, 401);
});

test('the AI routes under /ai answer for a signed-in user, with the app user as principal', async () => {
  const res = await fetch(`${base}/ai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${issueToken('ada', SECRET)}` },
    body: chat('sim-1'),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { object: string; choices: unknown[] };
  assert.equal(body.object, 'chat.completion');
  assert.ok(body.choices.length > 0);
  const models = await fetch(`${base}/ai/v1/models`, { headers: { authorization: `Bearer ${issueToken('ada', SECRET)}` } });
  assert.equal(models.status, 200);
});

test('the AI routes refuse anonymous callers and apply the user plan as policy', async () => {
  const anonymous = await fetch(`${base}/ai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat('sim-1') });
  assert.equal(anonymous.status, 401);
  const forged = await fetch(`${base}/ai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${issueToken('ada', 'wrong-secret')}` },
    body: chat('sim-1'),
  });
  assert.equal(forged.status, 401);
  const free = await fetch(`${base}/ai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${issueToken('bob', SECRET)}` },
    body: chat('sim-pro'),
  });
  assert.equal(free.status, 403);
  assert.equal(((await free.json()) as { error: { type: string } }).error.type, 'permission_error');
});
