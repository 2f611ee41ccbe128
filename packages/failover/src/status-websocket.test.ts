/** The status WebSocket with real `ws` clients: a consumer that stops reading is dropped; the others get everything. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import WebSocket from 'ws';
import { EventBus } from '@switchyard/core';
import { ProviderFigures } from './provider-figures.js';
import { ProviderHealth } from './provider-health.js';
import { attachStatusWebSocket, type StatusWebSocket } from './status-websocket.js';

const events = new EventBus();
const health = new ProviderHealth({ events, providers: ['p'] });
let server: Server;
let socket: StatusWebSocket;
let url: string;

before(async () => {
  server = createServer((_req, res) => res.end());
  socket = attachStatusWebSocket(server, { health, figures: new ProviderFigures(), access: () => undefined, maxBufferedBytes: 64 * 1024 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/providers/health/stream`;
});

after(async () => {
  await socket.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  health.stop();
});

function connect(): Promise<{ ws: WebSocket; received: () => number; closed: Promise<void> }> {
  const ws = new WebSocket(url);
  let count = 0;
  ws.on('message', () => count++);
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve({ ws, received: () => count, closed }));
    ws.once('error', reject);
  });
}

test('a consumer that stops reading is dropped without holding back the others', async () => {
  const fast = await connect();
  const slow = await connect();
  // The slow client stops reading: the kernel buffers fill, then the server's send buffer grows.
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  let slowGone = false;
  void slow.closed.then(() => (slowGone = true));
  const target = { provider: 'p', model: 'm' };
  let changes = 0;
  // Bounded: stops as soon as the slow client is dropped (a few MB of changes on loopback).
  for (let batch = 0; batch < 2000 && socket.clients > 1; batch++) {
    for (let i = 0; i < 50; i++) {
      events.emit('breaker.open', { target } as never);
      events.emit('breaker.close', { target } as never);
      changes += 2;
    }
    await tick();
  }
  assert.equal(socket.clients, 1, 'the slow consumer was dropped');
  // Its own side sees the connection end once it reads again.
  (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await slow.closed;
  assert.ok(slowGone);
  // The fast client got the snapshot and every change.
  const deadline = Date.now() + 30_000;
  while (fast.received() < changes + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(fast.received(), changes + 1);
  fast.ws.close();
});

test('keepalive: a client that answers pings stays, one that does not is dropped', async () => {
  const server2 = createServer((_req, res) => res.end());
  const ws2 = attachStatusWebSocket(server2, { health, figures: new ProviderFigures(), access: () => undefined, keepAliveMs: 1000 });
  await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', resolve));
  const at = `ws://127.0.0.1:${(server2.address() as AddressInfo).port}/v1/providers/health/stream`;
  try {
    const open = (autoPong: boolean) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(at, { autoPong });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const answering = await open(true);
    const silent = await open(false);
    let pings = 0;
    silent.on('ping', () => pings++);
    const silentClosed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    assert.equal(await silentClosed, 1006, 'terminated without a close frame');
    assert.ok(pings >= 1, 'it was pinged first');
    // Several intervals later the answering client is still connected.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(answering.readyState, WebSocket.OPEN);
    assert.equal(ws2.clients, 1);
    answering.close();
  } finally {
    await ws2.close();
    server2.closeAllConnections();
    await new Promise((resolve) => server2.close(resolve));
  }
});

test('close: before any client, and while an upgrade is being authorised (that client gets a 503)', async () => {
  const idle = attachStatusWebSocket(createServer(), { health, figures: new ProviderFigures(), access: () => undefined });
  assert.equal(idle.clients, 0);
  await idle.close();

  const server3 = createServer((_req, res) => res.end());
  let authorise!: () => void;
  let asked!: () => void;
  const askedOnce = new Promise<void>((resolve) => (asked = resolve));
  const access = () => {
    asked();
    return new Promise<undefined>((resolve) => (authorise = () => resolve(undefined)));
  };
  const ws3 = attachStatusWebSocket(server3, { health, figures: new ProviderFigures(), access });
  await new Promise<void>((resolve) => server3.listen(0, '127.0.0.1', resolve));
  try {
    const client = new WebSocket(`ws://127.0.0.1:${(server3.address() as AddressInfo).port}/v1/providers/health/stream`);
    const refused = new Promise<number>((resolve, reject) => {
      client.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      client.once('open', () => reject(new Error('opened after close')));
    });
    client.on('error', () => {});
    await askedOnce;
    await ws3.close();
    authorise();
    assert.equal(await refused, 503);
    assert.equal(ws3.clients, 0);
  } finally {
    server3.closeAllConnections();
    await new Promise((resolve) => server3.close(resolve));
  }
});
