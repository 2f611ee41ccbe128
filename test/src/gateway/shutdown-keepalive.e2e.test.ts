/**
 * Graceful shutdown stops taking work: after SIGTERM a request that arrives on a keep-alive
 * connection is answered 503 with `Connection: close` (in the client's format), idle
 * connections are closed, the in-flight stream finishes, and the process exits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '@switchyard/stores/testing';

const cli = new URL('../../../packages/gateway/dist/cli.js', import.meta.url).pathname;

/** A raw keep-alive connection that collects everything the server writes. */
async function connection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let data = '';
  socket.on('data', (d) => (data += d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => data, closed };
}
function post(path: string, body: unknown, extra = ''): string {
  const text = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`;
}
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('after SIGTERM: new requests on open connections get 503 + Connection: close, idle ones are closed, the stream finishes, the process exits', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'start', '--port', String(port)], {
    env: {
      ...process.env,
      SWITCHYARD_SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'sy-drain-')), 'switchyard.db'),
      SWITCHYARD_SHUTDOWN_TIMEOUT: '60s',
      SWITCHYARD_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = once(child, 'exit');
  try {
    await until(() => stdout.includes('listening on'), 20_000, 'gateway start');

    // An idle keep-alive connection, used once before the shutdown.
    const idle = await connection(port);
    idle.socket.write('GET /health/live HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    await until(() => idle.received().includes('"ok"'), 10_000, 'health answer');

    // A long stream in flight (sim-smart streams at 80 tokens/s: about five seconds).
    const busy = await connection(port);
    busy.socket.write(
      post('/v1/chat/completions', { model: 'sim-smart-1', stream: true, max_tokens: 400, messages: [{ role: 'user', content: 'long answer please' }] }),
    );
    await until(() => busy.received().includes('data: '), 10_000, 'first stream event');

    child.kill('SIGTERM');
    await idle.closed; // closed by the server, without an answer to anything
    // The client sends its next request on the busy connection while the stream still runs.
    busy.socket.write(post('/v1/messages', { model: 'sim-smart-1', max_tokens: 10, messages: [{ role: 'user', content: 'more work' }] }));
    await busy.closed;

    const raw = busy.received();
    const streamEnd = raw.indexOf('data: [DONE]');
    assert.ok(streamEnd > 0, 'the in-flight stream finished');
    const second = raw.slice(raw.indexOf('HTTP/1.1', streamEnd));
    assert.match(second, /^HTTP\/1\.1 503 /, 'the request sent after SIGTERM was refused');
    assert.match(second, /\r\nconnection: close\r\n/i);
    const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4));
    assert.equal(body.type, 'error', 'Anthropic format on /v1/messages');
    assert.equal(body.error.type, 'overloaded_error');

    const [code] = await exited;
    assert.equal(code, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
