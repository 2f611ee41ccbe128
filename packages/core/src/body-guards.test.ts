import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { jsonDepthExceeds, parseJsonObject } from './body.js';
import type { ExchangeMiddleware } from './respond.js';
import { FRAMEWORKS, httpRequest, serve } from './testing.js';

const CHAT = '/v1/chat/completions';
const MESSAGES = '/v1/messages';
const echo: ExchangeMiddleware = async function echo(exchange) {
  exchange.response = { kind: 'json', status: 200, headers: {}, body: JSON.stringify({ model: exchange.body.model }) };
};
const nested = (depth: number) => '{"model":"m","x":' + '['.repeat(depth - 1) + ']'.repeat(depth - 1) + '}';

/** Send headers and part of a body on a raw socket, then stall; resolve with what the server wrote and whether it closed. */
function stalledBody(url: string, path: string, waitMs: number): Promise<{ raw: string; closed: boolean }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ raw, closed: false });
    }, waitMs);
    socket.on('data', (d) => (raw += d));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ raw, closed: true });
    });
    socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: keep-alive\r\n\r\n{"model":`);
  });
}

for (const framework of FRAMEWORKS) {
  describe(`request body guards (${framework})`, () => {
    it('a stalled body is a 408 in the client format and the connection is closed', async () => {
      const server = await serve(framework, [echo], { bodyTimeoutMs: 300 });
      try {
        const chat = await stalledBody(server.url, CHAT, 20_000);
        assert.match(chat.raw, /^HTTP\/1\.1 408 /);
        assert.match(chat.raw, /connection: close/i);
        assert.equal(chat.closed, true);
        const body = JSON.parse(chat.raw.slice(chat.raw.indexOf('\r\n\r\n') + 4));
        assert.equal(body.error.code, 'request_timeout');
        const messages = await stalledBody(server.url, MESSAGES, 20_000);
        const anthropic = JSON.parse(messages.raw.slice(messages.raw.indexOf('\r\n\r\n') + 4));
        assert.equal(anthropic.type, 'error');
        assert.equal(anthropic.error.type, 'timeout_error');
      } finally {
        await server.close();
      }
    });

    it('only JSON bodies: text/plain is a 415 in the client format; any charset and no content type pass', async () => {
      const server = await serve(framework, [echo]);
      try {
        const body = '{"model":"m"}';
        const plain = await httpRequest(server.url + CHAT, { body, headers: { 'content-type': 'text/plain' } });
        assert.equal(plain.status, 415);
        assert.equal((plain.json() as { error: { code: string } }).error.code, 'unsupported_media_type');
        const anthropic = await httpRequest(server.url + MESSAGES, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        assert.equal(anthropic.status, 415);
        assert.equal((anthropic.json() as { type: string }).type, 'error');
        assert.equal((await httpRequest(server.url + CHAT, { body, headers: { 'content-type': 'application/json; charset=UTF-8' } })).status, 200);
        assert.equal((await httpRequest(server.url + CHAT, { body, headers: { 'content-type': 'Application/JSON' } })).status, 200);
        assert.equal((await httpRequest(server.url + CHAT, { body, headers: {} })).status, 200);
      } finally {
        await server.close();
      }
    });

    it('JSON nested deeper than the limit is a 400 naming the limit', async () => {
      const server = await serve(framework, [echo], { maxJsonDepth: 8 });
      try {
        assert.equal((await httpRequest(server.url + CHAT, { body: nested(8) })).status, 200);
        const deep = await httpRequest(server.url + CHAT, { body: nested(9) });
        assert.equal(deep.status, 400);
        const error = (deep.json() as { error: { code: string; message: string } }).error;
        assert.equal(error.code, 'json_too_deep');
        assert.match(error.message, /8 levels/);
      } finally {
        await server.close();
      }
    });
  });
}

describe('JSON depth limit', () => {
  it('defaults to 64 levels and a 10,000-deep body never reaches JSON.parse', () => {
    assert.doesNotThrow(() => parseJsonObject(nested(64)));
    assert.throws(() => parseJsonObject(nested(65)), /deeper than the limit of 64 levels/);
    assert.throws(
      () => parseJsonObject(nested(10_000)),
      (err: { status?: number }) => err.status === 400,
    );
  });

  it('brackets inside strings (escaped quotes included) do not count', () => {
    assert.equal(jsonDepthExceeds('{"a":"[[[[[[","b":"\\"[[[[","c":"\\\\"}', 2), false);
    assert.equal(jsonDepthExceeds('{"a":"\\\\","b":[[1]]}', 2), true);
  });
});
