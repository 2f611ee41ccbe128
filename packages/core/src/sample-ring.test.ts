import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleRing } from './sample-ring.js';

/** Every sample as [time, a, b, c], oldest first. */
const all = (ring: SampleRing) => Array.from({ length: ring.size }, (_, i) => [ring.time(i), ring.value(i, 0), ring.value(i, 1), ring.value(i, 2)]);

describe('SampleRing', () => {
  it('keeps the newest `capacity` samples, oldest first; a value not given is NaN', () => {
    const ring = new SampleRing(3);
    assert.equal(ring.size, 0);
    ring.push(1, 10, 100, 1000);
    ring.push(2, 20);
    assert.deepEqual(all(ring), [
      [1, 10, 100, 1000],
      [2, 20, NaN, NaN],
    ]);
    for (let t = 3; t <= 7; t++) ring.push(t, t * 10, t * 100, t * 1000);
    assert.deepEqual(
      all(ring).map((s) => s[0]),
      [5, 6, 7],
    );
    assert.deepEqual(all(ring)[0], [5, 50, 500, 5000]);
  });

  it('grows by doubling and keeps the order when the oldest slot is mid-array', () => {
    const ring = new SampleRing(100);
    // 16 slots first: fill, drop a few from the front, wrap around, then grow past 16.
    for (let t = 0; t < 16; t++) ring.push(t, t);
    for (let k = 0; k < 5; k++) ring.shift();
    for (let t = 16; t < 60; t++) ring.push(t, t);
    assert.equal(ring.size, 55);
    assert.deepEqual(
      all(ring).map((s) => s[0]),
      Array.from({ length: 55 }, (_, i) => i + 5),
    );
    assert.deepEqual(
      all(ring).map((s) => s[1]),
      Array.from({ length: 55 }, (_, i) => i + 5),
    );
    for (let t = 60; t < 250; t++) ring.push(t, t);
    assert.equal(ring.size, 100);
    assert.equal(ring.time(0), 150);
    assert.equal(ring.time(99), 249);
  });

  it('shift drops the oldest; on an empty ring it does nothing', () => {
    const ring = new SampleRing(2);
    ring.shift();
    assert.equal(ring.size, 0);
    ring.push(1);
    ring.push(2);
    ring.shift();
    assert.deepEqual(
      all(ring).map((s) => s[0]),
      [2],
    );
    ring.push(3);
    ring.push(4);
    assert.deepEqual(
      all(ring).map((s) => s[0]),
      [3, 4],
    );
  });

  it('rejects a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) assert.throws(() => new SampleRing(capacity), TypeError);
  });
});
