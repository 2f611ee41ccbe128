import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { KeyNotice } from '@switchyard/auth-key';
import { hostSharedState, workerSharedState, type IpcEndpoint } from './shared-state.js';

/** Both ends of an IPC channel, delivering structured clones asynchronously as cluster IPC does. */
function channel() {
  const ends = [new EventEmitter(), new EventEmitter()] as const;
  let connected = true;
  const endpoint = (self: EventEmitter, other: EventEmitter): IpcEndpoint =>
    Object.assign(self, {
      get connected() {
        return connected;
      },
      send(message: unknown, callback: (err: Error | null) => void) {
        if (!connected) return void setImmediate(() => callback(new Error('channel closed')));
        const copy = structuredClone(message);
        setImmediate(() => {
          other.emit('message', copy);
          callback(null);
        });
      },
    }) as unknown as IpcEndpoint;
  return {
    primarySide: endpoint(ends[0], ends[1]),
    workerSide: endpoint(ends[1], ends[0]),
    disconnect() {
      connected = false;
      for (const end of ends) end.emit('disconnect');
    },
  };
}

function cluster(workers: number) {
  const channels = Array.from({ length: workers }, channel);
  const host = hostSharedState({ workers: () => channels.map((c) => c.primarySide) });
  for (const c of channels) host.serve(c.primarySide);
  return { channels, shared: channels.map((c) => workerSharedState(c.workerSide)) };
}

const MINUTE = { windowMs: 60_000, bucketMs: 1_000 };

test('reservations made by two workers count against one limit', async () => {
  const { shared } = cluster(2);
  const stores = shared.map((s) => s.limitStore('rl:'));
  const decisions = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      stores[i % 2]!.reserve({
        key: 'k:one',
        id: randomUUID(),
        now: 1_000_000,
        tokenWindow: MINUTE,
        requestWindow: MINUTE,
        limits: { requests: 4 },
        inputTokens: 1,
        outputTokens: 1,
        leaseMs: 60_000,
      }),
    ),
  );
  assert.equal(decisions.filter((d) => d.allowed).length, 4);
  const usage = await stores[1]!.usage('k:one', 1_000_000, MINUTE, MINUTE);
  assert.equal(usage.requests, 4);
  // Another prefix is another store.
  const other = await shared[0]!.limitStore('pl:').usage('k:one', 1_000_000, MINUTE, MINUTE);
  assert.equal(other.requests, 0);
});

test('key-value increments from every worker are atomic and values keep their types', async () => {
  const { shared } = cluster(3);
  const stores = shared.map((s) => s.keyValueStore('rr:'));
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3]!.increment('cursor')));
  assert.deepEqual(
    [...results].sort((a, b) => a - b),
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  await stores[0]!.set('flag', { until: Infinity });
  assert.deepEqual(await stores[2]!.get('flag'), { until: Infinity });
  assert.equal(await stores[1]!.get('missing'), undefined);
});

test('a key notice is applied by every worker before publish resolves', async () => {
  const { shared } = cluster(3);
  const applied: string[] = [];
  const channels = shared.map((s, i) => {
    const c = s.keyChannel();
    c.subscribe((notice) => applied.push(`${i}:${notice.type}`));
    return c;
  });
  await channels[1]!.publish({ type: 'revoked', keyId: 'key-1' } satisfies KeyNotice);
  assert.deepEqual(applied.sort(), ['0:revoked', '1:revoked', '2:revoked']);
});

test('a worker that lost its primary fails calls at once (the pieces apply their outage policy)', async () => {
  const { channels, shared } = cluster(1);
  const store = shared[0]!.keyValueStore('x:');
  const pending = store.increment('n');
  channels[0]!.disconnect();
  await assert.rejects(pending, /primary process is gone/);
  await assert.rejects(store.get('n'), /primary process is gone/);
});

test('a notice is not held up by a worker that exited', async () => {
  const { channels, shared } = cluster(2);
  const received: KeyNotice[] = [];
  shared[0]!.keyChannel().subscribe((n) => received.push(n));
  channels[1]!.disconnect();
  await shared[0]!.keyChannel().publish({ type: 'reset' });
  assert.deepEqual(received, [{ type: 'reset' }]);
});
