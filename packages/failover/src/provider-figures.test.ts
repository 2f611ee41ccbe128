/** Provider figures: minute buckets, client faults not counted, one contract for memory and Redis. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { EventBus, type Attempt } from '@switchyard/core';
import { ProviderFigures, memoryFiguresStore, type ProviderFiguresStore } from './provider-figures.js';
import { redisFiguresStore } from './redis-figures-store.js';

let redis: Redis | undefined;
before(async () => {
  if (!process.env.SWITCHYARD_TEST_REDIS_URL) return;
  redis = new Redis(process.env.SWITCHYARD_TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});
after(() => redis?.disconnect());

const stores: Array<[string, () => ProviderFiguresStore | undefined]> = [
  ['memory', () => memoryFiguresStore()],
  ['redis', () => redis && redisFiguresStore({ client: redis as never, prefix: `test:figures:${randomBytes(4).toString('hex')}:` })],
];

function attempt(provider: string, model: string, outcome: Attempt['outcome'], extra: Partial<Attempt> = {}): { exchange: never; attempt: Attempt } {
  return { exchange: {} as never, attempt: { target: { provider, model }, startedAt: 1000, firstByteAt: 1040, endedAt: 1100, outcome, ...extra } };
}

for (const [name, make] of stores) {
  describe(`ProviderFigures on the ${name} store`, () => {
    it('counts outcomes and latency per provider and model over whole minutes', async (t) => {
      const store = make();
      if (!store) return t.skip('needs SWITCHYARD_TEST_REDIS_URL');
      let now = 10 * 60_000 + 5_000;
      const figures = new ProviderFigures({ store, now: () => now });
      const events = new EventBus();
      figures.subscribe(events);
      events.emit('attempt.start', attempt('a', 'm1', 'pending'));
      events.emit('attempt.end', attempt('a', 'm1', 'success'));
      events.emit('attempt.end', attempt('a', 'm2', 'failure', { failureKind: 'server_error', firstByteAt: undefined }));
      // The client's fault and aborted attempts say nothing about the provider.
      events.emit('attempt.end', attempt('a', 'm1', 'failure', { failureKind: 'bad_request' }));
      events.emit('attempt.end', attempt('b', 'm1', 'aborted'));
      let w = await figures.window(5 * 60_000);
      assert.deepEqual([...w.keys()], ['a']);
      assert.deepEqual(w.get('a')!.counts, { ok: 1, fail: 1, latencySum: 40, latencyCount: 1 });
      assert.deepEqual(w.get('a')!.models.get('m2'), { ok: 0, fail: 1, latencySum: 0, latencyCount: 0 });
      // Three minutes later the same window still holds them; seven minutes later it does not.
      now += 3 * 60_000;
      figures.record('a', 'm1', true, 10);
      w = await figures.window(5 * 60_000);
      assert.equal(w.get('a')!.counts.ok, 2);
      now += 4 * 60_000;
      w = await figures.window(5 * 60_000);
      assert.equal(w.get('a')?.counts.ok ?? 0, 1);
      await figures.stop();
    });

    it('sums the in-flight load of every live instance', async (t) => {
      const store = make();
      if (!store) return t.skip('needs SWITCHYARD_TEST_REDIS_URL');
      const events = [new EventBus(), new EventBus()];
      const fleet = events.map((bus, i) => {
        const f = new ProviderFigures({ store, instanceId: `i${i}` });
        f.subscribe(bus);
        return f;
      });
      events[0]!.emit('attempt.start', attempt('a', 'm', 'pending'));
      events[1]!.emit('attempt.start', attempt('a', 'm', 'pending'));
      events[1]!.emit('attempt.start', attempt('a', 'm', 'pending'));
      await fleet[0]!.flush();
      const w = await fleet[1]!.window(60_000);
      // The memory store is one process: the last writer's view. Redis sums both instances.
      assert.equal(w.get('a')!.inFlight, name === 'redis' ? 3 : 2);
    });
  });
}
