import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ring } from './ring.js';

describe('Ring', () => {
  it('keeps the newest `capacity` items, oldest first', () => {
    const ring = new Ring<number>(3);
    assert.deepEqual(ring.toArray(), []);
    for (let i = 1; i <= 2; i++) ring.push(i);
    assert.deepEqual([...ring], [1, 2]);
    for (let i = 3; i <= 7; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [5, 6, 7]);
    assert.deepEqual([...ring], [5, 6, 7]);
    assert.equal(ring.size, 3);
  });

  it('drops stale items from the oldest end only, then fills again in order', () => {
    const ring = new Ring<number>(4);
    for (let i = 1; i <= 6; i++) ring.push(i); // 3 4 5 6, the oldest slot mid-array
    ring.dropWhile((n) => n < 5);
    assert.deepEqual(ring.toArray(), [5, 6]);
    ring.dropWhile((n) => n % 2 === 0); // 5 is not stale: nothing after it is looked at
    assert.deepEqual(ring.toArray(), [5, 6]);
    for (let i = 7; i <= 9; i++) ring.push(i);
    assert.deepEqual(ring.toArray(), [6, 7, 8, 9]);
    ring.dropWhile(() => true);
    assert.equal(ring.size, 0);
    ring.push(10);
    assert.deepEqual([...ring], [10]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new Ring(bad), /capacity/);
  });
});
