import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from './events.js';

interface Events {
  ping: { n: number };
}

describe('EventBus', () => {
  it('delivers to every listener even when one throws; on() returns an unsubscribe', () => {
    const bus = new EventBus<Events>();
    const seen: number[] = [];
    bus.on('ping', () => {
      throw new Error('subscriber bug');
    });
    const off = bus.on('ping', ({ n }) => void seen.push(n));
    bus.emit('ping', { n: 1 });
    off();
    bus.emit('ping', { n: 2 });
    assert.deepEqual(seen, [1]);
    assert.equal(bus.listenerCount('ping'), 1);
  });

  it('a once() listener runs once and is then removed', () => {
    const bus = new EventBus<Events>();
    const seen: number[] = [];
    bus.once('ping', ({ n }) => void seen.push(n));
    bus.emit('ping', { n: 1 });
    bus.emit('ping', { n: 2 });
    assert.deepEqual(seen, [1]);
    assert.equal(bus.listenerCount('ping'), 0);
  });
});
