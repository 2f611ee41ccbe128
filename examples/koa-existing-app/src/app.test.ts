import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createApp, type ExampleApp } from './app.js';

let example: ExampleApp;
let server: Server;
let base: string;

before(async () => {
  example = await createApp('test-cookie-secret');
  server = example.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await example.close();
});

async function signIn(user: string): Promise<string> {
  const res = await fetch(`${base}/login/${user}`, { method: 'POST' });
  assert.equal(res.status, 200);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

const chat = (model: string, stream = false) => JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hello' }] });

test("the app's own session and routes still work", async () => {
  const cookie = await signIn('ada');
  const profile = await fetch(`${base}/api/profile`, { headers: { cookie } });
  assert.equal(profile.status, 200);
  assert.equal(((await profile.json()) as { user: { id: string } }).user.id, 'ada');
  assert.equal((await fetch(`${base}/api/profile`, { headers: { cookie: 'uid=ada' } })).status, 401, 'an unsigned cookie is refused');
});

test('the AI routes under /ai answer for the session user (JSON and stream)', async () => {
  const cookie = await signIn('ada');
  const res = await fetch(`${base}/ai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: chat('sim-pro') });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(((await res.json()) as { object: string }).object, 'chat.completion');
  const stream = await fetch(`${base}/ai/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'sim-1', max_tokens: 16, stream: true, messages: [{ role: 'user', content: 'Hello' }] }),
  });
  assert.equal(stream.status, 200);
  assert.match(await stream.text(), /event: message_stop/);
  assert.equal((await fetch(`${base}/ai/v1/models`, { headers: { cookie } })).status, 200);
});

test('the AI routes refuse anonymous callers and apply the user plan as policy', async () => {
  assert.equal((await fetch(`${base}/ai/v1/chat/completions`, { method: 'POST', body: chat('sim-1') })).status, 401);
  const cookie = await signIn('bob');
  const res = await fetch(`${base}/ai/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: chat('sim-pro') });
  assert.equal(res.status, 403);
});
