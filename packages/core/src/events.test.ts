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

describe('EventBus scopes and listener errors', () => {
  it('reports a throwing listener to onListenerError and still delivers to the others', () => {
    const errors: Array<[string, string]> = [];
    const bus = new EventBus<Events>({ onListenerError: (err, event) => void errors.push([event, (err as Error).message]) });
    const seen: number[] = [];
    bus.scope().on('ping', () => {
      throw new Error('subscriber bug');
    });
    bus.on('ping', ({ n }) => void seen.push(n));
    bus.emit('ping', { n: 1 });
    assert.deepEqual(errors, [['ping', 'subscriber bug']]);
    assert.deepEqual(seen, [1]);
  });

  it("dispose() removes exactly the scope's listeners; emits through a scope reach the whole bus", () => {
    const bus = new EventBus<Events>();
    const seen: string[] = [];
    bus.on('ping', () => void seen.push('app'));
    const scope = bus.scope();
    scope.on('ping', () => void seen.push('scope'));
    scope.once('ping', () => void seen.push('scope-once'));
    assert.equal(bus.listenerCount('ping'), 3);
    scope.emit('ping', { n: 1 });
    assert.deepEqual(seen, ['app', 'scope', 'scope-once']);
    scope.dispose();
    assert.equal(bus.listenerCount('ping'), 1);
    bus.emit('ping', { n: 2 });
    assert.deepEqual(seen, ['app', 'scope', 'scope-once', 'app']);
  });
});
