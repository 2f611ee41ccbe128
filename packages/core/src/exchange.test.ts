import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { Exchange, clientRequestIdFrom, unchangedBodyBytes, type Settlement } from './exchange.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function exchange(headers: Record<string, string> = {}, now?: () => number): Exchange {
  return new Exchange({ format: 'openai.chat', body: { model: 'gpt-x', stream: true }, headers, path: '/v1/chat/completions', now });
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Exchange', () => {
  it('reads model and stream from the body and stamps startedAt from the injected clock', () => {
    let t = 1_000;
    const ex = exchange({}, () => t);
    assert.equal(ex.requestedModel, 'gpt-x');
    assert.equal(ex.stream, true);
    assert.equal(ex.startedAt, 1_000);
    t = 1_250;
    ex.settle({ outcome: 'completed', status: 200 });
    assert.equal(ex.settlement?.endedAt, 1_250);
    const plain = new Exchange({ format: 'openai.chat', body: { model: 3 }, headers: {} });
    assert.equal(plain.requestedModel, '');
    assert.equal(plain.stream, false);
  });

  it('settle() runs every listener exactly once, however often it is called', async () => {
    const ex = exchange();
    const calls: Array<[string, Settlement]> = [];
    ex.onSettled((_e, s) => void calls.push(['a', s]));
    ex.onSettled(async (_e, s) => void calls.push(['b', s]));
    assert.equal(ex.settled, false);
    ex.settle({ outcome: 'completed', status: 200 });
    ex.settle({ outcome: 'failed', status: 500 });
    ex.settle({ outcome: 'aborted', status: 200 });
    await flush();
    assert.deepEqual(
      calls.map(([name]) => name),
      ['a', 'b'],
    );
    assert.equal(calls[0]![1].outcome, 'completed');
    assert.equal(ex.settlement?.outcome, 'completed');
    assert.equal(ex.signal.aborted, false, 'a later aborted settle() is ignored');
  });

  it('a listener registered after settlement runs at once with the same settlement', () => {
    const ex = exchange();
    ex.settle({ outcome: 'failed', status: 502, error: new Error('x') });
    let seen: Settlement | undefined;
    ex.onSettled((_e, s) => {
      seen = s;
    });
    assert.equal(seen, ex.settlement);
  });

  it('a throwing or rejecting listener does not stop the others', async () => {
    const ex = exchange();
    const ran: string[] = [];
    ex.onSettled(() => {
      ran.push('first');
      throw new Error('boom');
    });
    ex.onSettled(async () => {
      ran.push('second');
      throw new Error('async boom');
    });
    ex.onSettled(() => void ran.push('third'));
    ex.settle({ outcome: 'completed', status: 200 });
    await flush();
    assert.deepEqual(ran, ['first', 'second', 'third']);
    ex.onSettled(() => {
      throw new Error('late boom');
    });
  });

  it('an aborted settlement aborts the signal before listeners run', () => {
    const ex = exchange();
    let abortedInListener = false;
    ex.onSettled((e) => {
      abortedInListener = e.signal.aborted;
    });
    ex.settle({ outcome: 'aborted', status: 200 });
    assert.equal(ex.signal.aborted, true);
    assert.equal(abortedInListener, true);
  });

  it('completed and failed settlements leave the signal alone; abort() is idempotent', () => {
    const ex = exchange();
    ex.settle({ outcome: 'failed', status: 500 });
    assert.equal(ex.signal.aborted, false);
    const reason = new Error('key revoked');
    ex.abort(reason);
    ex.abort(new Error('second'));
    assert.equal(ex.signal.reason, reason);
  });

  it('generates its own unique, time-ordered id (a version 7 UUID); a safe client x-request-id is kept apart as clientRequestId', () => {
    const a = exchange({ 'x-request-id': 'req_01-abc.def:9' });
    const b = exchange({ 'x-request-id': 'req_01-abc.def:9' });
    assert.match(a.id, UUID);
    assert.notEqual(a.id, b.id, 'two requests with the same client id still have distinct ids');
    assert.equal(a.clientRequestId, 'req_01-abc.def:9');
    assert.equal(exchange({ 'x-request-id': 'a'.repeat(128) }).clientRequestId, 'a'.repeat(128));
    for (const unsafe of ['', 'a b', 'a\r\nset-cookie: x', '<script>', 'a'.repeat(129), 'id1, id2', '\u00e9t\u00e9']) {
      const ex = exchange({ 'x-request-id': unsafe });
      assert.match(ex.id, UUID, JSON.stringify(unsafe));
      assert.equal(ex.clientRequestId, undefined, JSON.stringify(unsafe));
    }
    assert.match(exchange().id, UUID);
    assert.notEqual(exchange().id, exchange().id);
    assert.equal(new Exchange({ format: 'openai.chat', body: {}, headers: { 'x-request-id': 'abc' }, id: 'given' }).id, 'given');
    assert.equal(clientRequestIdFrom({ 'x-request-id': 'abc' }), 'abc');
  });
});

test('unchangedBodyBytes: the client bytes while the body is the parsed object, none once a piece assigned another', () => {
  const bytes = Buffer.from('{ "model": "m" }');
  const body = { model: 'm' };
  const exchange = new Exchange({ format: 'openai.chat', body, bodyBytes: bytes, headers: {} });
  assert.equal(unchangedBodyBytes(exchange), bytes);
  assert.equal(unchangedBodyBytes({ body, bodySource: exchange.bodySource }), bytes, 'a call built from the exchange keeps them');
  assert.equal(unchangedBodyBytes({ body: { ...body }, bodySource: exchange.bodySource }), undefined, 'a copy is another body');
  exchange.body = { ...body, stream_options: { include_usage: true } };
  assert.equal(unchangedBodyBytes(exchange), undefined);
  assert.equal(unchangedBodyBytes(new Exchange({ format: 'openai.chat', body, headers: {} })), undefined);
});
