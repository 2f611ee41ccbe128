import { once } from 'node:events';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from './errors.js';
import type { Exchange, Settlement, StreamResponse } from './exchange.js';
import type { ExchangeMiddleware } from './respond.js';
import { SseParser, type SseEvent } from './sse.js';
import type { SyncPull } from './prepend.js';
import { FRAMEWORKS, httpRequest, serve, type Framework, type ServeOptions, type TestResponse } from './testing.js';

const CHAT = '/v1/chat/completions';
const MESSAGES = '/v1/messages';

/** A promise with its resolver, for settlement listeners that tests wait on. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Start a server, run `fn` against it, always close it. */
async function withServer<T>(framework: Framework, middlewares: ExchangeMiddleware[], fn: (url: string) => Promise<T>, options: ServeOptions = {}): Promise<T> {
  const server = await serve(framework, middlewares, options);
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

const answerJson: ExchangeMiddleware = async function answerJson(exchange) {
  exchange.responseHeaders['x-switchyard-provider'] = 'test';
  exchange.response = {
    kind: 'json',
    status: 200,
    headers: {},
    body: JSON.stringify({ model: exchange.requestedModel, stream: exchange.stream, echo: exchange.body }),
  };
};

const STREAM_EVENTS: Array<SseEvent | string> = [
  { data: '{"n":1,"text":"h\u00e9llo \u20ac"}' },
  { event: 'content_block_delta', data: 'two\nlines' },
  ': keep-alive\n\n',
  { data: '[DONE]' },
];
const STREAM_BYTES = 'data: {"n":1,"text":"h\u00e9llo \u20ac"}\n\nevent: content_block_delta\ndata: two\ndata: lines\n\n: keep-alive\n\ndata: [DONE]\n\n';

const answerStream: ExchangeMiddleware = async function answerStream(exchange) {
  exchange.response = {
    kind: 'stream',
    status: 200,
    headers: {},
    events: (async function* () {
      for (const ev of STREAM_EVENTS) yield ev;
    })(),
  };
};

/** The parts of a response the contract compares across frameworks. */
function observed(res: TestResponse) {
  const pick = ['x-request-id', 'request-id', 'x-client-request-id', 'content-type', 'x-switchyard-provider', 'retry-after', 'cache-control'];
  // Request ids are generated per request: compare where they appear, not their value.
  const id = String(res.headers['x-request-id']);
  const mask = (v: unknown) => (typeof v === 'string' ? v.split(id).join('<id>') : v);
  return { status: res.status, body: mask(res.body.toString('utf8')), headers: Object.fromEntries(pick.map((h) => [h, mask(res.headers[h])])) };
}

/** A 200 stream response over one iterator. */
function streamOf(iterator: AsyncIterator<SseEvent | string> & Partial<SyncPull<SseEvent | string>>): StreamResponse {
  return { kind: 'stream', status: 200, headers: {}, events: { [Symbol.asyncIterator]: () => iterator } };
}

/** A streamed chat request on its own connection, once its response head has arrived. */
async function openStream(url: string) {
  const req = request(url + CHAT, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
  req.on('error', () => {});
  req.end('{"model":"m","stream":true}');
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  res.on('error', () => {});
  return { req, res };
}

function sse(text: string): SseEvent[] {
  return new SseParser().push(text);
}

for (const framework of FRAMEWORKS) {
  describe(`adapter contract: ${framework}`, () => {
    it('answers JSON with the Switchyard headers and the body bytes as written', async () => {
      await withServer(framework, [answerJson], async (url) => {
        const body = JSON.stringify({ model: 'gpt-x', messages: [{ role: 'user', content: 'caf\u00e9' }] });
        const res = await httpRequest(url + CHAT, { body, headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' } });
        assert.equal(res.status, 200);
        assert.equal(res.text, JSON.stringify({ model: 'gpt-x', stream: false, echo: JSON.parse(body) }));
        assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
        assert.equal(res.headers['x-client-request-id'], 'req-1');
        assert.equal(res.headers['request-id'], undefined);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(res.headers['x-switchyard-provider'], 'test');
        assert.equal(res.headers['content-length'], String(res.body.length));

        const anthropic = await httpRequest(url + MESSAGES, { body: '{"model":"claude-x","stream":false}' });
        assert.equal(anthropic.status, 200);
        assert.ok(anthropic.headers['x-request-id']);
        assert.equal(anthropic.headers['request-id'], anthropic.headers['x-request-id']);
      });
    });

    it('answers SSE frame for frame with event-stream headers', async () => {
      await withServer(framework, [answerStream], async (url) => {
        const res = await httpRequest(url + MESSAGES, { body: '{"model":"m","stream":true}' });
        assert.equal(res.status, 200);
        assert.equal(res.text, STREAM_BYTES);
        assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
        assert.equal(res.headers['cache-control'], 'no-cache');
        assert.equal(res.headers['request-id'], res.headers['x-request-id']);
        assert.equal(res.headers['content-length'], undefined);
      });
    });

    it('answers invalid JSON with a 400 in the client format', async () => {
      await withServer(framework, [answerJson], async (url) => {
        const openai = await httpRequest(url + CHAT, { body: '{"model": "gpt-x",', headers: { 'x-request-id': 'bad-1' } });
        assert.equal(openai.status, 400);
        const oBody = openai.json() as { error: Record<string, unknown> };
        assert.equal(oBody.error.type, 'invalid_request_error');
        assert.equal(oBody.error.code, 'invalid_json');
        assert.equal(oBody.error.param, null);
        assert.match(String(oBody.error.message), /not valid JSON/);
        assert.ok(openai.headers['x-request-id']);

        const anthropic = await httpRequest(url + MESSAGES, { body: 'not json' });
        assert.equal(anthropic.status, 400);
        const aBody = anthropic.json() as { type: string; error: Record<string, unknown>; request_id: unknown };
        assert.equal(aBody.type, 'error');
        assert.equal(aBody.error.type, 'invalid_request_error');
        assert.equal(aBody.request_id, anthropic.headers['request-id']);
        assert.ok(aBody.request_id);

        const array = await httpRequest(url + CHAT, { body: '[1,2]' });
        assert.equal(array.status, 400);
        assert.match(String((array.json() as { error: { message: string } }).error.message), /JSON object/);
      });
    });

    it('answers a body over the limit with a 413, declared or streamed', async () => {
      await withServer(
        framework,
        [answerJson],
        async (url) => {
          const big = JSON.stringify({ model: 'm', pad: 'x'.repeat(500) });
          for (const chunked of [false, true]) {
            const res = await httpRequest(url + MESSAGES, { body: big, chunked });
            assert.equal(res.status, 413, `chunked=${chunked}`);
            const body = res.json() as { type: string; error: { type: string; message: string } };
            assert.equal(body.type, 'error');
            assert.match(body.error.message, /larger than the limit of 256 bytes/);
          }
          const openai = await httpRequest(url + CHAT, { body: big, chunked: true });
          assert.equal(openai.status, 413);
          assert.equal((openai.json() as { error: { type: string } }).error.type, 'invalid_request_error');
          const small = await httpRequest(url + CHAT, { body: '{"model":"m"}' });
          assert.equal(small.status, 200);

          // The client is still sending when the limit is crossed: the 413 must still reach it.
          const req = request(url + MESSAGES, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
          req.on('error', () => {});
          req.write(big.slice(0, 300));
          const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
          assert.equal(res.statusCode, 413);
          res.resume();
          req.end(big.slice(300));
          await once(res, 'end');
        },
        { bodyLimit: 256 },
      );
    });

    it('renders a GatewayError thrown by the middleware in the client format, with its headers', async () => {
      const limited: ExchangeMiddleware = async function limited() {
        throw new GatewayError('Token budget exhausted', { status: 429, code: 'budget_exhausted', headers: { 'retry-after': '7' } });
      };
      await withServer(framework, [limited], async (url) => {
        const openai = await httpRequest(url + CHAT, { body: '{"model":"m"}' });
        assert.equal(openai.status, 429);
        assert.equal(openai.headers['retry-after'], '7');
        assert.deepEqual(openai.json(), {
          error: { message: 'Token budget exhausted', type: 'rate_limit_error', param: null, code: 'budget_exhausted' },
        });
        const anthropic = await httpRequest(url + MESSAGES, { body: '{"model":"m"}', headers: { 'x-request-id': 'r-429' } });
        assert.equal(anthropic.status, 429);
        assert.deepEqual(anthropic.json(), {
          type: 'error',
          error: { type: 'rate_limit_error', message: 'Token budget exhausted' },
          request_id: anthropic.headers['request-id'],
        });
        assert.ok(anthropic.headers['request-id']);
      });
    });

    it('hides the message of an unexpected error behind a 500', async () => {
      const broken: ExchangeMiddleware = async function broken() {
        throw new Error('ECONNREFUSED 10.1.2.3:5432');
      };
      await withServer(framework, [broken], async (url) => {
        const res = await httpRequest(url + CHAT, { body: '{"model":"m"}' });
        assert.equal(res.status, 500);
        assert.doesNotMatch(res.text, /10\.1\.2\.3/);
      });
    });

    it('ends a stream that fails after its first event with the in-band error and no clean end', async () => {
      const settled = deferred<Settlement>();
      const failing: ExchangeMiddleware = async function failing(exchange) {
        exchange.onSettled((_e, s) => settled.resolve(s));
        const anthropic = exchange.format === 'anthropic.messages';
        exchange.response = {
          kind: 'stream',
          status: 200,
          headers: {},
          events: (async function* () {
            yield anthropic ? { event: 'message_start', data: '{"type":"message_start"}' } : { data: '{"n":1}' };
            throw new GatewayError('Upstream went away', { status: 502, code: 'upstream_failed', expose: true });
          })(),
        };
      };
      await withServer(framework, [failing], async (url) => {
        const openai = await httpRequest(url + CHAT, { body: '{"model":"m","stream":true}' });
        assert.equal(openai.status, 200);
        const oEvents = sse(openai.text);
        assert.deepEqual(oEvents[0], { data: '{"n":1}' });
        assert.equal(oEvents.length, 2);
        assert.deepEqual(JSON.parse(oEvents[1]!.data), {
          error: { message: 'Upstream went away', type: 'upstream_error', param: null, code: 'upstream_failed' },
        });
        assert.doesNotMatch(openai.text, /\[DONE\]/);
        assert.ok(openai.text.endsWith('\n\n'));
        const s = await settled.promise;
        assert.equal(s.outcome, 'failed');
        assert.ok(s.error instanceof GatewayError);
      });
      await withServer(framework, [failing], async (url) => {
        const anthropic = await httpRequest(url + MESSAGES, { body: '{"model":"m","stream":true}' });
        const aEvents = sse(anthropic.text);
        assert.deepEqual(
          aEvents.map((e) => e.event),
          ['message_start', 'error'],
        );
        const error = JSON.parse(aEvents[1]!.data) as { type: string; error: { type: string }; request_id: string };
        assert.equal(error.type, 'error');
        assert.equal(error.error.type, 'api_error');
        assert.equal(error.request_id, anthropic.headers['request-id']);
        assert.doesNotMatch(anthropic.text, /message_stop/);
      });
    });

    it('answers a stream that fails before its first event with a real HTTP error', async () => {
      const failing: ExchangeMiddleware = async function failing(exchange) {
        exchange.response = {
          kind: 'stream',
          status: 200,
          headers: {},
          // eslint-disable-next-line require-yield -- a stream that fails before its first event
          events: (async function* () {
            throw new GatewayError('Every target failed', { status: 503, expose: true });
          })(),
        };
      };
      await withServer(framework, [failing], async (url) => {
        const res = await httpRequest(url + MESSAGES, { body: '{"model":"m","stream":true}' });
        assert.equal(res.status, 503);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal((res.json() as { error: { type: string } }).error.type, 'overloaded_error');
      });
    });

    it('settles exactly once, after the response has finished, not when next() returns', async () => {
      const settled = deferred<Settlement>();
      const order: string[] = [];
      let calls = 0;
      const outer: ExchangeMiddleware = async function outer(exchange, next) {
        exchange.onSettled((_e, s) => {
          calls++;
          order.push('settled');
          settled.resolve(s);
        });
        await next();
        order.push(`next returned, settled=${exchange.settled}`);
      };
      const inner: ExchangeMiddleware = async function inner(exchange) {
        exchange.response = {
          kind: 'stream',
          status: 200,
          headers: {},
          events: (async function* () {
            yield { data: 'a' };
            yield { data: 'b' };
            order.push('source done');
          })(),
        };
      };
      await withServer(framework, [outer, inner], async (url) => {
        const res = await httpRequest(url + CHAT, { body: '{"model":"m","stream":true}' });
        assert.equal(res.text, 'data: a\n\ndata: b\n\n');
        const s = await settled.promise;
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(calls, 1);
        assert.equal(s.outcome, 'completed');
        assert.equal(s.status, 200);
        assert.deepEqual(order, ['next returned, settled=false', 'source done', 'settled']);
      });
    });

    it('settles "aborted" and aborts exchange.signal when the client leaves mid-stream', async () => {
      const settled = deferred<{ s: Settlement; exchange: Exchange }>();
      const sourceSawAbort = deferred<boolean>();
      const endless: ExchangeMiddleware = async function endless(exchange) {
        exchange.onSettled((e, s) => settled.resolve({ s, exchange: e }));
        exchange.response = {
          kind: 'stream',
          status: 200,
          headers: {},
          events: (async function* () {
            yield { data: 'first' };
            if (!exchange.signal.aborted) await once(exchange.signal, 'abort');
            sourceSawAbort.resolve(true);
          })(),
        };
      };
      await withServer(framework, [endless], async (url) => {
        const { req, res } = await openStream(url);
        const [chunk] = (await once(res, 'data')) as [Buffer];
        assert.equal(chunk.toString(), 'data: first\n\n');
        req.destroy();
        const { s, exchange } = await settled.promise;
        assert.equal(s.outcome, 'aborted');
        assert.equal(exchange.signal.aborted, true);
        assert.equal(await sourceSawAbort.promise, true);
      });
    });

    it('takes events a source already has without a promise each (tryNext), same bytes', async () => {
      let nextCalls = 0;
      const ready: ExchangeMiddleware = async function ready(exchange) {
        const items = STREAM_EVENTS.slice();
        exchange.response = streamOf({
          tryNext: () => (items.length > 0 ? { done: false as const, value: items.shift()! } : undefined),
          next: async () => {
            nextCalls++;
            return items.length > 0 ? { done: false as const, value: items.shift()! } : { done: true as const, value: undefined };
          },
        });
      };
      await withServer(framework, [ready], async (url) => {
        const res = await httpRequest(url + MESSAGES, { body: '{"model":"m","stream":true}' });
        assert.equal(res.text, STREAM_BYTES);
        // One to prime the stream before the head is written, one for its end.
        assert.equal(nextCalls, 2);
      });
    });

    it('closes the event source when the client leaves, even one that ignores exchange.signal', async () => {
      const closed = deferred<boolean>();
      const deaf: ExchangeMiddleware = async function deaf(exchange) {
        let sent = false;
        exchange.response = streamOf({
          // One event, then a source that never yields again and never looks at the signal.
          next: () => (sent ? new Promise<IteratorResult<SseEvent>>(() => {}) : ((sent = true), Promise.resolve({ done: false, value: { data: 'first' } }))),
          return: async () => {
            closed.resolve(true);
            return { done: true, value: undefined };
          },
        });
      };
      await withServer(framework, [deaf], async (url) => {
        const { req, res } = await openStream(url);
        await once(res, 'data');
        req.destroy();
        assert.equal(await closed.promise, true);
      });
    });

    it('pulls no further ahead of a client that stops reading than the socket buffers hold', async () => {
      const EVENT = { data: 'x'.repeat(32 * 1024) };
      const TOTAL = 2000; // 64 MB if the writer buffered everything
      let pulled = 0;
      const big: ExchangeMiddleware = async function big(exchange) {
        exchange.response = {
          kind: 'stream',
          status: 200,
          headers: {},
          events: (async function* () {
            for (; pulled < TOTAL; pulled++) yield EVENT;
          })(),
        };
      };
      await withServer(framework, [big], async (url) => {
        const { res } = await openStream(url);
        res.pause();
        await new Promise((resolve) => setTimeout(resolve, 300));
        const whilePaused = pulled;
        assert.ok(whilePaused < TOTAL / 4, `pulled ${whilePaused} of ${TOTAL} events while the client read nothing`);
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.resume();
        await once(res, 'end');
        assert.equal(pulled, TOTAL);
        assert.equal(bytes, TOTAL * ('data: \n\n'.length + EVENT.data.length));
      });
    });

    it('reuses a body a body parser already read', async () => {
      await withServer(
        framework,
        [answerJson],
        async (url) => {
          const res = await httpRequest(url + CHAT, { body: '{"model":"gpt-x"}' });
          assert.equal(res.status, 200);
          assert.deepEqual((res.json() as { echo: unknown }).echo, { model: 'gpt-x', parsedBy: 'parser' });
        },
        { bodyParser: (body) => ({ ...(body as object), parsedBy: 'parser' }) },
      );
      await withServer(
        framework,
        [answerJson],
        async (url) => {
          const empty = await httpRequest(url + CHAT, { body: '{}' });
          assert.equal(empty.status, 200, empty.text);
          assert.deepEqual((empty.json() as { echo: unknown }).echo, {});
          const array = await httpRequest(url + CHAT, { body: '[]' });
          assert.equal(array.status, 400);
        },
        { bodyParser: true },
      );
    });

    it('answers a 500 when a middleware neither answers nor calls next() (no hanging request)', async () => {
      const forgetful: ExchangeMiddleware = async function forgetful() {};
      await withServer(framework, [forgetful], async (url) => {
        const res = await httpRequest(url + MESSAGES, { body: '{"model":"m"}' });
        assert.equal(res.status, 500);
        assert.equal((res.json() as { error: { type: string } }).error.type, 'api_error');
      });
    });

    it('lets two Switchyard middlewares in a row share one exchange', async () => {
      let created = 0;
      const first: ExchangeMiddleware = async function first(exchange, next) {
        exchange.locals.set('first', exchange);
        exchange.responseHeaders['x-switchyard-provider'] = 'from-first';
        await next();
      };
      const second: ExchangeMiddleware = async function second(exchange) {
        exchange.response = {
          kind: 'json',
          status: 200,
          headers: {},
          body: JSON.stringify({ same: exchange.locals.get('first') === exchange }),
        };
      };
      await withServer(
        framework,
        [first, second],
        async (url) => {
          const res = await httpRequest(url + CHAT, { body: '{"model":"m"}' });
          assert.deepEqual(res.json(), { same: true });
          assert.equal(res.headers['x-switchyard-provider'], 'from-first');
          assert.equal(created, 1);
        },
        { onExchange: () => void created++ },
      );
    });
  });
}

describe('adapter contract: Koa and Express give the same bytes', () => {
  const results = new Map<Framework, unknown[]>();

  before(async () => {
    const thrower: ExchangeMiddleware = async function thrower() {
      throw new GatewayError('Slow down', { status: 429, headers: { 'retry-after': '2' } });
    };
    for (const framework of FRAMEWORKS) {
      const out: unknown[] = [];
      const headers = { 'content-type': 'application/json', 'x-request-id': 'same-id' };
      await withServer(
        framework,
        [answerJson],
        async (url) => {
          out.push(observed(await httpRequest(url + CHAT, { body: '{"model":"a","x":[1,2]}', headers })));
          out.push(observed(await httpRequest(url + MESSAGES, { body: '{"model":"b"}', headers })));
          out.push(observed(await httpRequest(url + CHAT, { body: '{oops', headers })));
          out.push(observed(await httpRequest(url + MESSAGES, { body: '{oops', headers })));
          out.push(observed(await httpRequest(url + MESSAGES, { body: JSON.stringify({ pad: 'x'.repeat(300) }), headers })));
        },
        { bodyLimit: 256 },
      );
      await withServer(framework, [answerStream], async (url) => {
        out.push(observed(await httpRequest(url + CHAT, { body: '{"model":"a","stream":true}', headers })));
        out.push(observed(await httpRequest(url + MESSAGES, { body: '{"model":"a","stream":true}', headers })));
      });
      await withServer(framework, [thrower], async (url) => {
        out.push(observed(await httpRequest(url + CHAT, { body: '{}', headers })));
        out.push(observed(await httpRequest(url + MESSAGES, { body: '{}', headers })));
      });
      results.set(framework, out);
    }
  });

  after(() => results.clear());

  it('same status, body bytes and Switchyard headers for JSON, SSE and errors', () => {
    const koa = results.get('koa')!;
    const express = results.get('express')!;
    assert.equal(koa.length, 9);
    assert.deepEqual(express, koa);
  });
});

describe('toKoa streams', () => {
  it('carry headers an outer Koa middleware sets after next(), and are written by Koa no more', async () => {
    const { default: Koa } = await import('koa');
    const { toKoa } = await import('./koa.js');
    const { createServer } = await import('node:http');
    const app = new Koa();
    app.silent = true;
    let bodyAfter: unknown = 'unset';
    app.use(async (ctx, next) => {
      await next();
      ctx.set('x-response-time', '1ms');
      bodyAfter = ctx.body;
    });
    app.use(toKoa(answerStream));
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const res = await httpRequest(`http://127.0.0.1:${port}${MESSAGES}`, { body: '{"model":"m","stream":true}' });
      assert.equal(res.status, 200);
      assert.equal(res.text, STREAM_BYTES);
      assert.equal(res.headers['x-response-time'], '1ms');
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      // The frames go straight to the socket: Koa has no body to pipe.
      assert.equal(bodyAfter, undefined);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
