/**
 * The standalone server's own limits: a connection cap, a body timeout and a JSON depth limit,
 * all from the config.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { createGateway } from '@switchyard/gateway';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}
/** Resolve with everything the server wrote once it closed the socket (or after `ms`). */
function untilClosed(socket: Socket, ms: number): Promise<{ raw: string; closed: boolean }> {
  return new Promise((resolve) => {
    let raw = '';
    const timer = setTimeout(() => resolve({ raw, closed: false }), ms);
    socket.on('data', (d) => (raw += d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ raw, closed: true });
    });
  });
}

test('server.max_connections, server.body_timeout and server.max_json_depth', async () => {
  const gateway = await createGateway({
    config: {
      server: { max_connections: 2, body_timeout: '500ms', max_json_depth: 16 },
      storage: { sqlite_path: ':memory:' },
      ai_gateway: { providers: [{ name: 'sim', type: 'simulated', models: ['sim-1'], latency_ms: 1, tokens_per_second: 0 }] },
    },
  });
  const server = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.address() as { port: number };
  const sockets: Socket[] = [];
  try {
    // Two held connections fill the cap: a third is dropped without an answer.
    sockets.push(await open(port), await open(port));
    const third = await open(port);
    sockets.push(third);
    const refused = await untilClosed(third, 10_000);
    assert.equal(refused.closed, true, 'the connection over the cap was kept open');
    assert.equal(refused.raw, '');

    // One of the held connections sends a body that stalls: 408 in the client's format, closed.
    const stalled = sockets[0]!;
    const answered = untilClosed(stalled, 20_000);
    stalled.write('POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{"model":');
    const { raw, closed } = await answered;
    assert.match(raw, /^HTTP\/1\.1 408 /);
    assert.equal(closed, true);
    assert.equal(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.type, 'timeout_error');

    const deep = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"model":"sim-1","messages":[{"role":"user","content":"hi"}],"metadata":${'['.repeat(20)}${']'.repeat(20)}}`,
    });
    assert.equal(deep.status, 400);
    assert.match(((await deep.json()) as { error: { message: string } }).error.message, /16 levels/);
  } finally {
    for (const s of sockets) s.destroy();
    await gateway.close();
  }
});
